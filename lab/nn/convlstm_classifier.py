"""A sequence classifier: stacked convolutional LSTM layers read the frames, the top layer's
last hidden state is mean-pooled in blocks (optionally its energy h², so motion detectors count
with either sign) and a fully-connected head scores the classes (softmax cross-entropy, or the
GIF seed's L2 cost on logistic outputs)."""

import numpy as np

from .activations import logistic
from .conv import inference
from .data_parallel import batch_parts, run_parts, sum_grads
from .dense import dense_backward, dense_forward
from .losses import l2_loss, softmax, softmax_cross_entropy
from .pool import avg_pool_backward, avg_pool_forward
from .recurrent import CONV_CELLS


class ConvLSTMClassifier:
    """``params``: one dict (Wx, Wh, b) per ConvLSTM layer; ``head``: W, b.

    forward(xs: (T, N, C, H, W)) -> (scores (N, classes), head cache), layers [(hs, caches)];
    backward(dscores, (head cache, layers)) -> (None, (layer grads, head grads)) through time."""

    def __init__(self, c_in, layers, kernel, size, pool, n_classes, energy=True, loss="softmax", rng=None,
                 cell="convlstm"):
        rng = rng if rng is not None else np.random.default_rng(0)
        self.layers, self.pool, self.energy, self.loss, self.n_classes = list(layers), pool, energy, loss, n_classes
        self.cell = cell                                    # "convlstm" or "conv-ugrnn" (lab.nn.recurrent)
        init, self._seq_forward, self._seq_backward = CONV_CELLS[cell]
        self.params = []
        for ch in self.layers:
            self.params.append(init(c_in, ch, kernel, rng))
            c_in = ch
        feat = self.layers[-1] * (size // pool) ** 2
        self.head = {"W": (rng.standard_normal((feat, n_classes)) / np.sqrt(feat)).astype(np.float32),
                     "b": np.zeros(n_classes, np.float32)}

    # ---------------------------------------------------------------- the head
    def head_forward(self, h_last):
        if self.energy:  # mean-pooled h^2: motion detectors respond with either sign
            pooled, pc = avg_pool_forward(h_last * h_last, self.pool)
            pc = (pc, h_last)
        else:
            pooled, pc = avg_pool_forward(h_last, self.pool)
        scores, dc = dense_forward(pooled.reshape(len(pooled), -1), self.head["W"], self.head["b"])
        return scores, (pc, dc, pooled.shape)

    def head_backward(self, dscores, cache):
        """-> dh_last, head grads"""
        pc, dc, shape = cache
        dfeat, dW, db = dense_backward(dscores, dc)
        if self.energy:
            pc, h_last = pc
            return 2 * h_last * avg_pool_backward(dfeat.reshape(shape), pc), {"W": dW, "b": db}
        return avg_pool_backward(dfeat.reshape(shape), pc), {"W": dW, "b": db}

    def cost(self, scores, y):
        """(loss, dscores) for integer labels y."""
        if self.loss == "softmax":
            return softmax_cross_entropy(scores, y)
        target = np.eye(self.n_classes, dtype=np.float32)[y]
        p = logistic(scores)
        loss, dp = l2_loss(p, target)
        return loss, dp * p * (1 - p)  # backprop through the logistic

    def probabilities(self, scores):
        if self.loss == "softmax":
            return softmax(scores)
        p = logistic(scores)
        return p / p.sum(axis=1, keepdims=True)

    # ---------------------------------------------------------------- the whole network
    def forward(self, xs):
        layers, inp = [], xs
        for p, ch in zip(self.params, self.layers):
            hs, caches = self._seq_forward(inp, p, ch)
            layers.append((hs, caches))
            inp = hs
        return self.head_forward(inp[-1]), layers

    def backward(self, dscores, cache):
        """Backpropagation through time: -> (None, ([grads per layer], head grads))."""
        hc, layers = cache
        dh_last, hgrads = self.head_backward(dscores, hc)
        dhs = np.zeros_like(layers[-1][0])
        dhs[-1] = dh_last
        grads = [None] * len(layers)
        for l in reversed(range(len(layers))):
            dhs, grads[l] = self._seq_backward(dhs, layers[l][1], need_dx=l > 0)  # backprop through time
        return None, (grads, hgrads)

    def loss_and_grads(self, xs, y, parts=1):
        """One training pass over xs (T, N, C, H, W), labels y (N,), on up to ``parts`` slices of the
        batch at once (``lab.nn.data_parallel``; every cost here is a mean over the batch, so each
        slice's cost and gradient are weighted by its share and summed: the whole batch's, exactly).
        -> scores (N, classes), cost, layers (the first slice's [(hs, caches)]: it holds sample 0),
        (grads per layer, head grads)."""
        n = len(y)

        def part(i):
            a, e = bounds[i]
            (scores, hc), layers = self.forward(xs[:, a:e])
            cost, dscores = self.cost(scores, y[a:e])
            share = np.float32((e - a) / n)
            _, grads = self.backward(dscores * share, (hc, layers))
            return scores, cost * (e - a) / n, layers, grads

        bounds = batch_parts(n, parts)
        res = run_parts(part, len(bounds))
        scores = res[0][0] if len(res) == 1 else np.concatenate([r[0] for r in res])
        return scores, float(sum(r[1] for r in res)), res[0][2], sum_grads([r[3] for r in res])

    def predict(self, xs, batch=64, parts=1):
        """Class probabilities for xs (T, N, C, H, W), forward only: up to ``parts`` slices of the
        batch at once, each in batches of ``batch``."""
        N = xs.shape[1]
        if N == 0:
            return np.zeros((0, self.n_classes))
        bounds = batch_parts(N, parts)

        def part(i):
            a, e = bounds[i]
            out = []
            with inference():                               # per thread: each part enters it
                for j in range(a, e, batch):
                    (scores, _), _ = self.forward(xs[:, j:min(j + batch, e)])
                    out.append(self.probabilities(scores))
            return np.concatenate(out)

        return np.concatenate(run_parts(part, len(bounds)))
