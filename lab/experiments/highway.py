"""Highway networks (Srivastava, Greff & Schmidhuber 2015) against plain and residual MLPs of the
same depth, width, activation and initialisation, trained side by side on the same minibatches.

Each hidden layer of the highway net is y = T(x) H(x) + (1 - T(x)) x with the transform gate's bias
initialised negative (a layer starts by carrying its input through). A plain net of the same depth
and width multiplies the gradient by one layer's Jacobian per layer on the way down: with
variance-preserving (Xavier) weights and ReLU it shrinks by about 1/sqrt(2) per layer, so the first
layers of a 20-layer plain net hardly learn. The per-layer gradient norms show it.
"""

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..nn.deep_mlp import KINDS, DeepMLP
from ..nn.losses import softmax_cross_entropy
from ..optim import Adam
from .base import Snapshot, config_field
from .digits_common import DigitsConfig, DigitsExperiment, confusion, evaluate
from .history import MetricHistory
from .registry import register


@dataclass
class HighwayConfig(DigitsConfig):
    depth: int = config_field(20, "Hidden layers of each net (plain, highway, residual)", label="Depth", min=5,
                              max=50, slider=True)
    width: int = config_field(128, "Units per hidden layer", label="Width", min=4, max=4096)
    activation: str = config_field("relu", "Hidden activation (the same in every net)", label="Activation",
                                   choices=["relu", "tanh", "elu", "leaky_relu"])
    init: str = config_field("xavier", "Hidden weights: variance 1/width (Xavier, as Srivastava et al.) or "
                                       "2/width (He, which keeps ReLU signals from shrinking)", label="Init",
                             choices=["xavier", "he"])
    gate_bias: float = config_field(-2.0, "Initial transform-gate bias (negative: layers start by carrying)",
                                    label="Gate bias", min=-10.0, max=10.0)
    lr: float = config_field(1e-3, "Adam learning rate (every net), on a half cosine to 2 % by the last step",
                             label="Learning rate", min=1e-7, max=1.0, log=True)
    epochs: int = config_field(40, "Passes over the training images", label="Epochs", min=1, max=10_000)
    dropout: float = config_field(0.3, "Dropout on the last hidden layer while training (every net)",
                                  label="Dropout", min=0.0, max=0.9)
    weight_decay: float = config_field(1e-4, "L2 penalty on the weights of every net (adds wd * W to their gradients)",
                                       label="Weight decay", min=0.0, max=1.0, log=True)
    preview_every: int = config_field(10, "Steps between redraws of the per-layer gradients and gates",
                                      label="Preview every", min=1, max=100_000)


@register
class HighwayExperiment(DigitsExperiment):
    name = "highway"
    title = "Highway vs plain MLP"
    Config = HighwayConfig
    presets = {"default": {}, "depth-50": {"depth": 50, "width": 64, "epochs": 12}, "depth-5": {"depth": 5},
               "he-init": {"init": "he"}, "quick": {"epochs": 5}}
    preset_notes = {"default": "20 layers of 128 units: plain, highway and residual side by side, 40 epochs with "
                               "±2-pixel shifts, dropout 0.3 before the softmax layer, weight decay 1e-4",
                    "quick": "the same for 5 epochs",
                    "depth-50": "50 layers of 64: the plain net stops learning",
                    "depth-5": "5 layers: every connection trains",
                    "he-init": "He initialisation keeps a plain ReLU net's signal alive a while longer"}

    def __init__(self, config=None, data=None):
        c = config if config is not None else self.preset_config(self.default_preset)
        if c.depth < 1 or c.width < 1:
            raise DataError(f"depth {c.depth}, width {c.width}: each net needs at least one layer of one unit")
        super().__init__(config, data)
        c = self.config
        d_in = self.split.side ** 2
        init = np.random.default_rng([c.seed, 3])
        self.nets = {k: DeepMLP(k, c.depth, c.width, d_in, self.split.n_classes, c.activation, c.gate_bias, c.init,
                                rng=init, dropout=c.dropout) for k in KINDS}
        for k in ("highway", "residual"):
            self.nets[k].share_init(self.nets["plain"])
        self.opts = {k: Adam(lr=c.lr) for k in KINDS}
        self.norm_ema = {k: None for k in KINDS}
        self.start_norms = {}  # the per-layer gradient norms over the first steps (the untrained nets)
        self.gates = np.zeros(c.depth)
        self.history = MetricHistory()
        self._pred = {}
        self.seconds = 0.0  # training time (the command line's "seconds")

        x = self.split.x_train
        self.mu, self.sd = np.float32(x.mean()), np.float32(x.std() or 1.0)  # the inputs are standardised

    def inputs(self, x):
        return (x.reshape(len(x), -1) - self.mu) / self.sd

    def forward(self, kind, x):
        return self.nets[kind].forward(self.inputs(x))[0]

    def step(self):
        c = self.config
        t0 = time.perf_counter()
        xb, yb = self.next_batch()
        xb = self.inputs(xb)
        lr = self.lr_now()
        metrics = {}
        for k, net in self.nets.items():
            scores, cache = net.forward(xb, self.rng)
            cost, dscores = softmax_cross_entropy(scores, yb)
            self._check_finite(**{f"{k}_cost": cost})
            grads, norms = net.backward(dscores, cache)
            if c.weight_decay:
                for name, g in grads.items():
                    if name.startswith("W"):
                        g += np.float32(c.weight_decay) * net.params[name]
            self.norm_ema[k] = norms if self.norm_ema[k] is None else 0.9 * self.norm_ema[k] + 0.1 * norms
            if self.steps_done == 9:
                self.start_norms[k] = self.norm_ema[k].copy()
            if k == "highway":
                self.gates = np.array(cache[-1])
            self.opts[k].lr = lr
            self.opts[k].update(net.params, grads)
            metrics[f"batch_cost/{k}"] = cost
            metrics[f"batch_accuracy/{k}"] = float(np.mean(scores.argmax(1) == yb))
        self.steps_done += 1
        self.seconds += time.perf_counter() - t0
        metrics["epoch"] = self.steps_done / self.steps_per_epoch
        arrays = {}
        if self.steps_done % c.preview_every == 0 or self.steps_done == 1:
            arrays = {f"grad_norms/{k}": self.norm_ema[k] for k in KINDS}
            arrays.update({f"start_grad_norms/{k}": v for k, v in self.start_norms.items()})
            arrays["gates"] = self.gates
        if self.epoch_done:
            for k in KINDS:
                cost, acc, self._pred[k] = evaluate(lambda x, k=k: self.forward(k, x), self.split.x_test,
                                                    self.split.y_test)
                metrics[f"test_cost/{k}"], metrics[f"test_accuracy/{k}"] = cost, acc
            arrays["confusion"] = confusion(self.split.y_test, self._pred["highway"], self.split.n_classes)
        self.history.add(self.steps_done, metrics)
        return Snapshot(self.steps_done, metrics, arrays)

    def test_accuracy(self, kind):
        return evaluate(lambda x: self.forward(kind, x), self.split.x_test, self.split.y_test)[1]

    def final_metrics(self):
        acc = {k: self.test_accuracy(k) for k in KINDS}
        return {"test_accuracy": acc["highway"], "plain_test_accuracy": acc["plain"],
                "residual_test_accuracy": acc["residual"], "params": self.nets["highway"].n_params,
                "seconds": self.seconds,
                "plain_params": self.nets["plain"].n_params, "depth": self.config.depth,
                "grad_norm_first_layer": {k: float(self.norm_ema[k][0]) for k in KINDS if self.norm_ema[k] is not None},
                "grad_norm_last_layer": {k: float(self.norm_ema[k][-1]) for k in KINDS if self.norm_ema[k] is not None},
                "start_grad_norm_first_over_last": {k: float(v[0] / v[-1]) for k, v in self.start_norms.items()},
                "mean_gate_per_layer": [round(float(g), 4) for g in self.gates]}

    def export_files(self, folder):
        from ..export.tables import write_csv
        folder = Path(folder)
        rows = [[i + 1, *[float(self.norm_ema[k][i]) if self.norm_ema[k] is not None else "" for k in KINDS],
                 float(self.gates[i])] for i in range(self.config.depth)]
        write_csv(folder / "layers.csv", ["layer", *[f"grad_norm_{k}" for k in KINDS], "mean_gate"], rows)
        return [folder / "layers.csv", self.history.write_csv(folder / "curves.csv")]

    def state_dict(self):
        return {**self.batch_state(), "nets": {k: n.params for k, n in self.nets.items()},
                "opts": {k: o.state_dict() for k, o in self.opts.items()}, "history": self.history.state_dict(),
                "norm_ema": {k: v for k, v in self.norm_ema.items() if v is not None},
                "start_norms": dict(self.start_norms), "seconds": self.seconds}

    def load_state_dict(self, st):
        self.load_batch_state(st)
        for k, net in self.nets.items():
            net.params = {n: np.array(v, np.float32) for n, v in st["nets"][k].items()}
            self.opts[k].load_state_dict(st["opts"][k])
        self.history.load_state_dict(st["history"])
        self.norm_ema.update({k: np.array(v) for k, v in st["norm_ema"].items()})
        self.start_norms = {k: np.array(v) for k, v in st["start_norms"].items()}
        self.seconds = float(st["seconds"])
