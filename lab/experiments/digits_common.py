"""What the digit classifiers of the architectures tab share: the data (the user's MNIST-format
IDX files, found ones, or the built-in digits; split by ``lab.data.split``), batched evaluation,
and the confusion matrix."""

from dataclasses import dataclass

import numpy as np

from ..data.augment import random_shift
from ..data.mnist import load_digits_data
from ..data.split import split_images
from ..nn.losses import softmax_cross_entropy
from ..optim import scheduled_lr
from .base import Experiment, config_field


@dataclass
class SplitConfig:
    """The fields of every experiment on a split of digit images (the form shows them first)."""
    preset: str = config_field("default", "The preset this run started from", label="Preset")
    data: str = config_field("", "MNIST-format IDX folder or images file; empty: found files or the built-in digits",
                             label="Data", kind="path")
    seed: int = config_field(0, "Seeds the split, the weights and the batch order", label="Seed", min=0,
                             max=2**31 - 1)
    n_train: int = config_field(8000, "Training images (the rest of the split is for testing)", label="Train images",
                                min=10, max=10_000_000)
    n_test: int = config_field(2000, "Test images, disjoint from the training images", label="Test images", min=10,
                               max=10_000_000)


@dataclass
class DigitsConfig(SplitConfig):
    """What the architectures tab's classifiers add: an epoch loop with a cosine schedule and shifts."""
    epochs: int = config_field(10, "Passes over the training images", label="Epochs", min=1, max=10_000)
    batch_size: int = config_field(64, "Images per minibatch", label="Batch size", min=1, max=65536)
    lr: float = config_field(2e-3, "Adam learning rate, on a half cosine to 2 % by the last step",
                             label="Learning rate", min=1e-7, max=1.0, log=True)
    shift: int = config_field(2, "Shift each training image by up to this many pixels (augmentation)",
                              label="Random shift", min=0, max=8)


class DigitsSplit:
    """The images as (N, 1, side, side) float32 and their labels, split by seed."""

    def __init__(self, config, data=None):
        self.data = data if data is not None else load_digits_data(config.data or None)
        self.source = self.data.source
        xtr, self.y_train, xte, self.y_test = split_images(self.data, config.n_train, config.n_test, config.seed)
        self.x_train, self.x_test = xtr[:, None], xte[:, None]
        self.n_classes = int(max(self.y_train.max(), self.y_test.max())) + 1
        self.side = self.x_train.shape[-1]


def evaluate(forward, x, y, batch=500):
    """forward(x_batch) -> scores. Returns (cost, accuracy, predictions)."""
    scores = np.concatenate([forward(x[i:i + batch]) for i in range(0, len(x), batch)])
    cost, _ = softmax_cross_entropy(scores, y)
    pred = scores.argmax(1)
    return cost, float(np.mean(pred == y)), pred


def confusion(y, pred, k):
    """(k, k) counts: row = true class, column = predicted class."""
    return np.bincount(y * k + pred, minlength=k * k).reshape(k, k)


class DigitsExperiment(Experiment):
    """An epoch loop over the split: ``next_batch()`` draws the next minibatch (shuffled per epoch,
    randomly shifted), ``lr_now()`` is the schedule's rate for the coming step, ``epoch_done`` is
    True after the step that ends an epoch."""

    def __init__(self, config=None, data=None):
        super().__init__(config)
        c = self.config
        self.split = DigitsSplit(c, data)
        self.source = self.split.source
        self.rng = np.random.default_rng(c.seed)
        self.batch_size = min(c.batch_size, len(self.split.y_train))
        self.steps_per_epoch = int(np.ceil(len(self.split.y_train) / self.batch_size))
        self.perm, self.pos = self.rng.permutation(len(self.split.y_train)), 0

    @property
    def total_steps(self):
        return self.config.epochs * self.steps_per_epoch

    @property
    def epoch_done(self):
        return self.steps_done % self.steps_per_epoch == 0

    def lr_now(self):
        return scheduled_lr(self.config.lr, self.steps_done, "cosine", self.total_steps, 0.02)

    def next_batch(self):
        """-> x (B, 1, side, side) float32, y (B,) int64."""
        if self.pos >= len(self.perm):
            self.perm, self.pos = self.rng.permutation(len(self.split.y_train)), 0
        idx = self.perm[self.pos:self.pos + self.batch_size]
        self.pos += self.batch_size
        xb = self.split.x_train[idx]
        if self.config.shift:
            xb = random_shift(xb, self.config.shift, self.rng)
        return xb, self.split.y_train[idx]

    def batch_state(self):
        return {"steps_done": self.steps_done, "rng": self.rng.bit_generator.state, "perm": self.perm.copy(),
                "pos": self.pos}

    def load_batch_state(self, st):
        self.steps_done = int(st["steps_done"])
        self.rng.bit_generator.state = st["rng"]
        self.perm, self.pos = np.array(st["perm"], np.int64), int(st["pos"])
