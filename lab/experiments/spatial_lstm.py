"""A spatial (2-D) LSTM classifying digits: the image is cut into p x p patches, the LSTM scans the
patch grid row by row (each cell reads its patch and the states above and to the left), and a
softmax layer reads the mean of every cell's output. The same split, epoch loop and cosine schedule
as the other digit classifiers (``digits_common``)."""

import time
from dataclasses import dataclass

import numpy as np

from ..errors import DataError
from ..nn.dense import dense_backward, dense_forward
from ..nn.losses import softmax, softmax_cross_entropy
from ..nn.spatial_lstm import init_spatial_lstm, patches, spatial_lstm_backward, spatial_lstm_forward
from ..optim import Adam
from .base import Snapshot, config_field
from .digits_common import DigitsConfig, DigitsExperiment, confusion, evaluate
from .history import MetricHistory
from .registry import register


@dataclass
class SpatialLSTMConfig(DigitsConfig):
    patch: int = config_field(4, "Patch side: the grid the LSTM scans is (side / patch)^2 cells (a divisor of "
                                 "the image side)", label="Patch", min=1, max=64)
    hidden: int = config_field(64, "Units of each cell's state", label="Hidden units", min=1, max=4096)
    epochs: int = config_field(12, "Passes over the training images", label="Epochs", min=1, max=10_000)
    lr: float = config_field(5e-3, "Adam learning rate, on a half cosine to 2 % by the last step",
                             label="Learning rate", min=1e-7, max=1.0, log=True)
    shift: int = config_field(0, "Shift each training image by up to this many pixels (augmentation)",
                              label="Random shift", min=0, max=8)
    preview_every: int = config_field(20, "Steps between redraws of the state maps", label="Preview every", min=1,
                                      max=100_000)


@register
class SpatialLSTMExperiment(DigitsExperiment):
    name = "spatial-lstm"
    title = "Spatial LSTM"
    Config = SpatialLSTMConfig
    presets = {"default": {}, "quick": {"epochs": 1, "n_train": 2000}}
    preset_notes = {"default": "4 x 4 patches (a 7 x 7 scan of a 28 x 28 digit), 64 units, 12 epochs",
                    "quick": "one epoch on 2,000 digits"}

    def __init__(self, config=None, data=None):
        super().__init__(config, data)
        c = self.config
        side = self.split.side
        if c.patch < 1 or side % c.patch:
            raise DataError(f"patch {c.patch}: it must divide the image side {side}")
        init = np.random.default_rng([c.seed, 5])
        self.params = init_spatial_lstm(c.patch * c.patch, c.hidden, init)
        self.params["head.W"] = (init.standard_normal((c.hidden, self.split.n_classes))
                                 / np.sqrt(c.hidden)).astype(np.float32)
        self.params["head.b"] = np.zeros(self.split.n_classes, np.float32)
        self.opt = Adam(lr=c.lr)
        self.history = MetricHistory()
        self.probe = self.split.x_test[:1]
        self.seconds = 0.0
        self._pred = None

    def _cell(self):
        return {"W": self.params["W"], "b": self.params["b"]}

    def forward(self, x, keep=False):
        """x (B, 1, side, side) -> scores (B, classes), cache."""
        grid = patches(x[:, 0], self.config.patch)
        h, cache = spatial_lstm_forward(grid, self._cell())
        feat = h.mean(axis=(0, 1))
        scores, dcache = dense_forward(feat, self.params["head.W"], self.params["head.b"])
        return scores, (h, cache, dcache)

    def step(self):
        c = self.config
        t0 = time.perf_counter()
        xb, yb = self.next_batch()
        scores, (h, cache, dcache) = self.forward(xb)
        cost, dscores = softmax_cross_entropy(scores, yb)
        self._check_finite(cost=cost)
        dfeat, dWh, dbh = dense_backward(dscores, dcache)
        gh, gw = h.shape[:2]
        dh = np.broadcast_to(dfeat / (gh * gw), h.shape).astype(h.dtype)
        _, grads = spatial_lstm_backward(dh, cache, self._cell())
        grads.update({"head.W": dWh, "head.b": dbh})
        self.opt.lr = self.lr_now()
        self.opt.update(self.params, grads)
        self.steps_done += 1
        self.seconds += time.perf_counter() - t0
        metrics = {"batch_cost": cost, "batch_accuracy": float(np.mean(scores.argmax(1) == yb)),
                   "epoch": self.steps_done / self.steps_per_epoch, "it_per_s": self._tick_rate()}
        arrays = {}
        if self.steps_done % c.preview_every == 0 or self.steps_done == 1:
            arrays = self.preview_arrays()
        if self.epoch_done:
            metrics["test_cost"], metrics["test_accuracy"], self._pred = evaluate(
                lambda x: self.forward(x)[0], self.split.x_test, self.split.y_test)
            arrays["confusion"] = confusion(self.split.y_test, self._pred, self.split.n_classes)
        self.history.add(self.steps_done, metrics)
        return Snapshot(self.steps_done, metrics, arrays)

    def preview_arrays(self):
        """The probe digit, its state maps after the scan (hidden, gh, gw) and class probabilities."""
        scores, (h, _, _) = self.forward(self.probe)
        return {"probe": self.probe[0, 0], "state_maps": h[:, :, 0].transpose(2, 0, 1),
                "probe_probs": softmax(scores)[0]}

    def final_metrics(self):
        cost, acc, _ = evaluate(lambda x: self.forward(x)[0], self.split.x_test, self.split.y_test)
        return {"test_accuracy": acc, "test_cost": cost, "seconds": self.seconds,
                "grid": [self.split.side // self.config.patch] * 2,
                "params": int(sum(v.size for v in self.params.values()))}

    def export_files(self, folder):
        from pathlib import Path
        return [self.history.write_csv(Path(folder) / "curves.csv")]

    def state_dict(self):
        return {**self.batch_state(), "params": self.params, "opt": self.opt.state_dict(),
                "history": self.history.state_dict(), "seconds": self.seconds}

    def load_state_dict(self, st):
        self.load_batch_state(st)
        self.params = {k: np.array(v, np.float32) for k, v in st["params"].items()}
        self.opt.load_state_dict(st["opt"])
        self.history.load_state_dict(st["history"])
        self.seconds = float(st["seconds"])
