"""A digit classifier built from our own layers: the independent judge that counts how many
digit classes a GAN's sample grid holds (mode collapse shows as the count falling)."""

import numpy as np

from .losses import softmax, softmax_cross_entropy
from .mlp import MLP
from ..optim import Adam


class DigitClassifier:
    """MLP 784 -> hidden -> n_classes with softmax cross-entropy, trained with Adam."""

    def __init__(self, n_classes=10, hidden=256, rng=None):
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self.n_classes, self.hidden = n_classes, hidden
        self.net = None
        self.val_accuracy = float("nan")

    def fit(self, images, labels, epochs=10, batch_size=128, lr=2e-3, val_fraction=0.1):
        """images: (N, 28, 28) float in [0, 1]; labels: (N,) ints. Holds out ``val_fraction``
        to report ``val_accuracy``. Returns self."""
        x = images.reshape(len(images), -1).astype(np.float32)
        y = np.asarray(labels, np.int64)
        self.net = MLP([x.shape[1], self.hidden, self.n_classes], hidden="relu", rng=self.rng)
        opt = Adam(lr=lr)
        order = self.rng.permutation(len(x))
        n_val = max(1, int(len(x) * val_fraction))
        val, train = order[:n_val], order[n_val:]
        for _ in range(epochs):
            perm = self.rng.permutation(train)
            for i in range(0, len(perm), batch_size):
                idx = perm[i:i + batch_size]
                scores, cache = self.net.forward(x[idx])
                _, dscores = softmax_cross_entropy(scores, y[idx])
                _, grads = self.net.backward(dscores, cache)
                opt.update(self.net.params, grads)
        self.val_accuracy = float(np.mean(self.predict_proba(x[val]).argmax(1) == y[val]))
        return self

    def predict_proba(self, images):
        x = np.asarray(images, np.float32).reshape(len(images), -1)
        scores, _ = self.net.forward(x)
        return softmax(scores)

    def diversity(self, images):
        """(classes found, mean confidence, per-class counts) for a batch of samples."""
        p = self.predict_proba(images)
        pred = p.argmax(1)
        counts = np.bincount(pred, minlength=self.n_classes)
        return int(np.count_nonzero(counts)), float(p.max(1).mean()), counts
