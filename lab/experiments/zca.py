"""The whitening classifier (SPEC §3.1; seed: "Back-propagating through ZCA whitening").

A 3-layer fully-connected network on MNIST-format images with an optional centring layer on
the input and an optional ZCA-whitening layer after the first layer (batch statistics in
training, running statistics at test time), trained with Adam on softmax cross-entropy.
Each ``step()`` is one minibatch; the end of each epoch evaluates train and test cost and
accuracy, the confusion matrix and the misclassified test images.
"""

from dataclasses import dataclass

import numpy as np

from ..data.augment import random_shift
from ..errors import DataError
from ..data.mnist import load_digits_data
from ..data.split import split_images
from ..nn.losses import softmax, softmax_cross_entropy
from ..nn.whitening_net import WhiteningClassifier
from ..optim import Adam
from .base import Experiment, Snapshot, config_field
from .digits_common import SplitConfig
from .registry import register


@dataclass
class ZCAConfig(SplitConfig):
    epochs: int = config_field(15, "Passes over the training images", label="Epochs", min=1, max=10_000)
    batch_size: int = config_field(64, "Images per minibatch (a whitening group needs more images than features "
                                       "to be full rank; eps covers the rest)", label="Batch size", min=2, max=65536)
    hidden: list = config_field([256, 128], "Sizes of the two hidden layers", label="Hidden")
    activation: str = config_field("relu", "Hidden activation", label="Activation",
                                   choices=["relu", "leaky_relu", "elu", "tanh", "logistic", "arctan"])
    centre: bool = config_field(True, "Centre the input (y = x - mean, dy/dx = 1 - 1/m)", label="Centring layer")
    whiten: bool = config_field(True, "ZCA-whiten the first layer's output before its activation", label="ZCA layer")
    decomposition: str = config_field("eig", "Eigendecomposition or SVD of the covariance", label="Decomposition",
                                      choices=["eig", "svd"])
    group_size: int = config_field(16, "Whiten groups of this many features (Huang et al.); 0: the whole layer",
                                   label="Whitening group", min=0, max=65536)
    eps: float = config_field(1e-3, "Added to the covariance's eigenvalues before lam^-1/2", label="Whitening eps",
                              min=1e-12, max=10.0, log=True)
    symmetrize: bool = config_field(True, "Symmetrise the covariance gradient (off: the seed's unsymmetrised form)",
                                    label="Symmetric dS")
    lr: float = config_field(2e-3, "Adam learning rate", label="Learning rate", min=1e-8, max=1.0, log=True)
    lr_decay: float = config_field(0.85, "Learning-rate factor per epoch (exponential decay)", label="LR decay / epoch",
                                   min=0.01, max=1.0)
    shift: int = config_field(1, "Shift each training image by up to this many pixels (augmentation)",
                              label="Random shift", min=0, max=8)
    weight_decay: float = config_field(5e-4, "L2 penalty on the weights (adds wd * W to their gradients)",
                                       label="Weight decay", min=0.0, max=1.0, log=True)


@register
class ZCAExperiment(Experiment):
    name = "zca"
    title = "Whitening classifier"
    Config = ZCAConfig
    presets = {
        "default": {},
        "no-whitening": {"whiten": False, "centre": False},
        "centring-only": {"whiten": False, "centre": True},
        "seed-fashion": {"whiten": True, "centre": False, "hidden": [256, 256], "activation": "tanh",
                         "group_size": 0, "batch_size": 300, "lr": 5e-4, "lr_decay": 1.0, "shift": 0,
                         "weight_decay": 0.0},
    }
    preset_notes = {
        "default": "centring + group ZCA whitening after the first layer, ReLU, Adam 2e-3 (x0.85 per epoch), "
                   "1-pixel random shifts, weight decay 5e-4",
        "no-whitening": "the same network without centring or whitening: the comparison run",
        "centring-only": "centring layer only",
        "seed-fashion": "the seed's set-up: only the whitening layer (its headline: 89.51 % on Fashion-MNIST)",
    }
    n_misclassified = 16

    def __init__(self, config=None, data=None):
        super().__init__(config)
        c = self.config
        if len(c.hidden) != 2 or min(c.hidden) < 1:
            raise DataError(f"Hidden: the whitening classifier has exactly two hidden layers (e.g. 256, 128), "
                            f"not {', '.join(map(str, c.hidden)) or 'none'}")
        self.data = data if data is not None else load_digits_data(c.data or None)
        self.source = self.data.source
        self.rng = np.random.default_rng(c.seed)
        x_train, self.y_train, x_test, self.y_test = split_images(self.data, c.n_train, c.n_test, c.seed)
        self.x_train, self.x_test = x_train.reshape(len(x_train), -1), x_test.reshape(len(x_test), -1)
        x, y = self.x_train, np.concatenate([self.y_train, self.y_test])
        self.n_classes = int(y.max()) + 1
        self.net = WhiteningClassifier([x.shape[1], *c.hidden, self.n_classes], c.activation, c.centre, c.whiten,
                                       c.eps, c.decomposition, c.symmetrize, c.group_size, rng=self.rng)
        self.opt = Adam(lr=c.lr)
        self.batch_size = min(c.batch_size, len(self.x_train))
        self.steps_per_epoch = int(np.ceil(len(self.x_train) / self.batch_size))
        self.perm, self.pos = self.rng.permutation(len(self.x_train)), 0
        self.epoch = 0

    @property
    def total_steps(self):
        return self.config.epochs * self.steps_per_epoch

    # ------------------------------------------------------------------------- the network
    @property
    def params(self):
        return self.net.params

    @property
    def zca(self):
        return self.net.zca

    def forward(self, x, train=True):
        """x (N, 784) -> scores (N, classes), cache."""
        return self.net.forward(x, train)

    def evaluate(self, x, y, batch=2000):
        """(cost, accuracy, predictions) with test-time (running) statistics."""
        scores = np.concatenate([self.forward(x[i:i + batch], train=False)[0] for i in range(0, len(x), batch)])
        cost, _ = softmax_cross_entropy(scores, y)
        pred = scores.argmax(1)
        return cost, float(np.mean(pred == y)), pred, softmax(scores)

    # ------------------------------------------------------------------------- protocol
    def step(self):
        if self.pos >= len(self.perm):
            self.perm, self.pos = self.rng.permutation(len(self.x_train)), 0
        idx = self.perm[self.pos:self.pos + self.batch_size]
        self.pos += self.batch_size
        self.opt.lr = self.config.lr * self.config.lr_decay ** (self.steps_done // self.steps_per_epoch)
        xb = self.x_train[idx]
        if self.config.shift:
            xb = random_shift(xb, self.config.shift, self.rng)
        scores, cache = self.forward(xb)
        cost, dscores = softmax_cross_entropy(scores, self.y_train[idx])
        self._check_finite(training_cost=cost)
        _, grads = self.net.backward(dscores, cache)
        for k, v in grads.items():
            self._check_finite(**{f"gradient_of_{k}": v})
            if k.startswith("W") and self.config.weight_decay:
                v += self.config.weight_decay * self.params[k]
        self.opt.update(self.params, grads)
        self.steps_done += 1
        metrics = {"batch_cost": cost, "batch_accuracy": float(np.mean(scores.argmax(1) == self.y_train[idx])),
                   "it_per_s": self._tick_rate()}
        arrays = {}
        if self.steps_done % self.steps_per_epoch == 0:
            self.epoch += 1
            metrics.update(self.epoch_metrics())
            arrays.update(self.epoch_arrays())
        metrics["epoch"] = self.steps_done / self.steps_per_epoch
        return Snapshot(self.steps_done, metrics, arrays)

    def epoch_metrics(self):
        tr_cost, tr_acc, _, _ = self.evaluate(self.x_train, self.y_train)
        te_cost, te_acc, pred, _ = self.evaluate(self.x_test, self.y_test)
        self._last_pred = pred
        return {"train_cost": tr_cost, "train_accuracy": tr_acc, "test_cost": te_cost, "test_accuracy": te_acc}

    def epoch_arrays(self):
        pred = self._last_pred
        k = self.n_classes
        confusion = np.bincount(self.y_test * k + pred, minlength=k * k).reshape(k, k)
        wrong = np.flatnonzero(pred != self.y_test)[: self.n_misclassified]
        side = int(np.sqrt(self.x_test.shape[1]))
        return {"confusion": confusion, "misclassified": self.x_test[wrong].reshape(-1, side, side),
                "misclassified_true": self.y_test[wrong], "misclassified_pred": pred[wrong]}

    def final_metrics(self):
        out = {}
        if self.steps_done:
            tr_cost, tr_acc, _, _ = self.evaluate(self.x_train, self.y_train)
            te_cost, te_acc, _, _ = self.evaluate(self.x_test, self.y_test)
            out = {"train_cost": tr_cost, "train_accuracy": tr_acc, "test_cost": te_cost, "test_accuracy": te_acc,
                   "epochs": self.steps_done / self.steps_per_epoch}
        return out

    def export_files(self, folder):
        from pathlib import Path

        from ..export.images import save_png, tile_grid
        from ..export.tables import write_csv
        folder = Path(folder)
        if not self.steps_done:
            return []
        _, _, pred, _ = self.evaluate(self.x_test, self.y_test)
        self._last_pred = pred
        a = self.epoch_arrays()
        k = self.n_classes
        write_csv(folder / "confusion.csv", ["true \\ predicted"] + [str(i) for i in range(k)],
                  [[i] + a["confusion"][i].tolist() for i in range(k)])
        written = [folder / "confusion.csv"]
        if len(a["misclassified"]):
            save_png(folder / "misclassified.png", tile_grid(a["misclassified"], 8), scale=3)
            written.append(folder / "misclassified.png")
        return written

    def state_dict(self):
        st = {"steps_done": self.steps_done, "epoch": self.epoch, "rng": self.rng.bit_generator.state,
              "params": dict(self.params), "opt": self.opt.state_dict(), "perm": self.perm, "pos": self.pos}
        if self.zca is not None:
            st["zca"] = self.zca.state_dict()
        return st

    def load_state_dict(self, st):
        self.steps_done, self.epoch = int(st["steps_done"]), int(st["epoch"])
        self.rng.bit_generator.state = st["rng"]
        for k, v in st["params"].items():
            if self.params[k].shape != v.shape:
                raise ValueError(f"checkpoint {k} has shape {v.shape}, the config makes {self.params[k].shape}")
            self.params[k] = np.array(v, np.float32)
        self.opt.load_state_dict(st["opt"])
        self.perm, self.pos = np.array(st["perm"]), int(st["pos"])
        if self.zca is not None and "zca" in st:
            self.zca.load_state_dict(st["zca"])
