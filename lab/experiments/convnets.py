"""Mini-VGG and a small ResNet on digits (the seed's "VGG-7" with softmax, and ResNet with
stochastic depth). One experiment class with an ``architecture`` field; ``mini-vgg`` and ``resnet``
are the same experiment started from their own preset (``python -m lab run resnet``).

Each step is one minibatch with Adam; each epoch ends with the test cost, accuracy and confusion
matrix. Every few steps the snapshot carries the first layer's filters and one layer's feature maps
for one test digit.
"""

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..nn.losses import softmax, softmax_cross_entropy
from ..nn.resnet import SmallResNet
from ..nn.vgg import MiniVGG
from ..optim import Adam
from .base import Snapshot, config_field
from .digits_common import DigitsConfig, DigitsExperiment, confusion, evaluate
from .history import MetricHistory
from .registry import register

ARCHITECTURES = ("mini-vgg", "resnet")


@dataclass
class ConvNetConfig(DigitsConfig):
    architecture: str = config_field("mini-vgg", "Mini-VGG (conv-conv-pool blocks) or a small ResNet",
                                     label="Architecture", choices=list(ARCHITECTURES))
    channels: list = config_field([16, 32], "Channels per block (mini-VGG) or per stage (ResNet)", label="Channels")
    blocks: int = config_field(1, "ResNet: residual blocks per stage", label="Blocks / stage", min=1, max=8)
    stochastic_depth: bool = config_field(False, "ResNet: drop whole blocks while training (Huang et al. 2016)",
                                          label="Stochastic depth")
    survival_last: float = config_field(0.5, "ResNet: the last block's survival probability p_L (linear from 1)",
                                        label="p_L (last block)", min=0.05, max=1.0)
    hidden: int = config_field(128, "Mini-VGG: units of the fully-connected layer", label="FC units", min=4,
                               max=8192)
    dropout: float = config_field(0.25, "Mini-VGG: dropout before the softmax layer", label="Dropout", min=0.0,
                                  max=0.9)
    weight_decay: float = config_field(1e-4, "L2 penalty on the weights (adds wd * W to their gradients)",
                                       label="Weight decay", min=0.0, max=1.0, log=True)
    show_layer: int = config_field(2, "Which conv layer's feature maps to show (1 = first); switches the view at once",
                                   label="Feature layer", min=1, max=64, view=True)
    preview_every: int = config_field(20, "Steps between redraws of the filters and feature maps",
                                      label="Preview every", min=1, max=100_000)


class ConvNetExperiment(DigitsExperiment):
    name = "convnet"
    title = "Mini-VGG & ResNet"
    Config = ConvNetConfig
    presets = {"mini-vgg": {}, "resnet": {"architecture": "resnet", "channels": [16, 32, 64]},
               "resnet-stochastic-depth": {"architecture": "resnet", "channels": [16, 32, 64], "blocks": 2,
                                           "stochastic_depth": True},
               "resnet-deeper": {"architecture": "resnet", "channels": [16, 32, 64], "blocks": 2}}
    preset_notes = {"mini-vgg": "two conv-conv-maxpool blocks (16, 32 channels), FC 128, dropout, softmax",
                    "resnet": "conv stem, one basic block per stage (16, 32, 64), global average pool, softmax",
                    "resnet-stochastic-depth": "two blocks per stage, each dropped while training with "
                                               "probability rising linearly to 0.5",
                    "resnet-deeper": "two blocks per stage, no stochastic depth: compare with the preset above"}
    default_preset = "mini-vgg"

    def __init__(self, config=None, data=None):
        c = config if config is not None else self.preset_config(self.default_preset)
        if not c.channels or min(c.channels) < 1 or (c.architecture == "mini-vgg" and len(c.channels) > 4):
            raise DataError(f"channels {c.channels}: give 1 to 4 positive numbers for mini-VGG (one per block), "
                            "or one or more for the ResNet (one per stage)")
        super().__init__(config, data)
        c = self.config
        init = np.random.default_rng([c.seed, 5])
        if c.architecture == "resnet":
            self.net = SmallResNet(c.channels, c.blocks, self.split.n_classes,
                                   c.survival_last if c.stochastic_depth else 1.0, rng=init)
        else:
            self.net = MiniVGG(c.channels, c.hidden, self.split.side, self.split.n_classes, c.dropout, rng=init)
        self.n_params = int(sum(v.size for v in self.net.params.values()))
        self.opt = Adam(lr=c.lr)
        self.history = MetricHistory()
        self.probe = self.split.x_test[:1]                   # the test digit whose feature maps are shown
        self.seconds = 0.0
        self._ms_ema = None
        self._train_hits = 0
        self._train_seen = 0

    def forward(self, x):
        return self.net.forward(x, train=False)[0]

    @property
    def shown_layer(self):
        names = self.net.layer_names
        return names[min(self.config.show_layer, len(names)) - 1]

    def step(self):
        c = self.config
        t0 = time.perf_counter()
        xb, yb = self.next_batch()
        self.opt.lr = self.lr_now()
        scores, cache = self.net.forward(xb, train=True, rng=self.rng)
        cost, dscores = softmax_cross_entropy(scores, yb)
        self._check_finite(training_cost=cost)
        grads = self.net.backward(dscores, cache)
        if c.weight_decay:
            for k, g in grads.items():
                if k.endswith(".W"):
                    g += np.float32(c.weight_decay) * self.net.params[k]
        self.opt.update(self.net.params, grads)
        self.steps_done += 1
        hits = int(np.sum(scores.argmax(1) == yb))
        self._train_hits += hits
        self._train_seen += len(yb)
        dt = time.perf_counter() - t0
        self.seconds += dt
        self._ms_ema = dt * 1e3 if self._ms_ema is None else 0.9 * self._ms_ema + 0.1 * dt * 1e3
        metrics = {"batch_cost": cost, "batch_accuracy": hits / len(yb), "ms_per_step": self._ms_ema,
                   "epoch": self.steps_done / self.steps_per_epoch}
        arrays, text = {}, {}
        if self.steps_done % c.preview_every == 0 or self.steps_done == 1:
            arrays.update(self.preview_arrays())
            text["layer"] = self.shown_layer
        if self.epoch_done:
            metrics["train_accuracy"] = self._train_hits / max(1, self._train_seen)
            self._train_hits = self._train_seen = 0
            metrics["test_cost"], metrics["test_accuracy"], pred = evaluate(self.forward, self.split.x_test,
                                                                            self.split.y_test)
            arrays["confusion"] = confusion(self.split.y_test, pred, self.split.n_classes)
        self.history.add(self.steps_done, metrics)
        return Snapshot(self.steps_done, metrics, arrays, text)

    def preview_arrays(self):
        """The first layer's filters (F, k, k), the shown layer's maps (C, H, W) for the probe digit,
        the probe itself and its class probabilities."""
        scores, cache = self.net.forward(self.probe, train=False, keep=True)
        return {"filters": self.net.first_filters, "maps": cache["maps"][self.shown_layer][0],
                "probe": self.probe[0, 0], "probe_probs": softmax(scores)[0]}

    def final_metrics(self):
        cost, acc, _ = evaluate(self.forward, self.split.x_test, self.split.y_test)
        return {"architecture": self.config.architecture, "test_accuracy": acc, "test_cost": cost,
                "params": self.n_params, "seconds": self.seconds,
                "ms_per_step": self.seconds * 1e3 / max(1, self.steps_done)}

    def export_files(self, folder):
        from ..export.images import save_png, tile_grid
        folder = Path(folder)
        f = self.net.first_filters
        lo, hi = float(f.min()), float(f.max())
        save_png(folder / "filters.png", tile_grid((f - lo) / max(hi - lo, 1e-12), cols=8, pad=1), scale=8)
        return [folder / "filters.png", self.history.write_csv(folder / "curves.csv")]

    def state_dict(self):
        return {**self.batch_state(), "params": self.net.params, "bn": getattr(self.net, "state", {}),
                "opt": self.opt.state_dict(), "seconds": self.seconds, "history": self.history.state_dict()}

    def load_state_dict(self, st):
        self.load_batch_state(st)
        self.net.params = {k: np.array(v, np.float32) for k, v in st["params"].items()}
        self.net.state = {k: {s: np.array(a, np.float32) for s, a in v.items()} for k, v in st["bn"].items()}
        self.opt.load_state_dict(st["opt"])
        self.seconds = float(st["seconds"])
        self.history.load_state_dict(st["history"])


@register
class MiniVGGExperiment(ConvNetExperiment):
    name = "mini-vgg"
    title = "Mini-VGG"
    default_preset = "mini-vgg"


@register
class ResNetExperiment(ConvNetExperiment):
    name = "resnet"
    title = "Small ResNet"
    default_preset = "resnet"


register(ConvNetExperiment)
