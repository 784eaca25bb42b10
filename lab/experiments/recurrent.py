"""The recurrent family side by side: a vanilla (Elman) RNN, the identity-initialised ReLU RNN
(IRNN, Le, Jaitly & Hinton 2015), an LSTM, the update-gate RNN and the intersection RNN (Collins,
Sohl-Dickstein & Sussillo 2017), trained on the same minibatches with the same readout initialisation,
on a task where remembering across time is the point (``lab.data.sequence_tasks``): the adding
problem, the copy task, running sums (the seed's), or digits read one row per time step.

Each step also records ||dL/dh_t|| for every t (backpropagation through time; an exponential average
over steps): where it falls off towards t = 1, the early inputs cannot be learnt from. Its ratio
||dL/dh_1|| / ||dL/dh_T|| is the command line's ``grad_norm_ratio``.
"""

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..data.sequence_tasks import TASKS, adding, copy_task, rows_as_sequence, running_sum
from ..errors import DataError
from ..nn.losses import softmax_cross_entropy
from ..nn.rnn_cells import CELLS, sequence_backward, sequence_forward
from ..optim import Adam
from .base import Experiment, Snapshot, config_field
from .history import MetricHistory
from .registry import register

CELL_NAMES = ("rnn", "irnn", "lstm", "ugrnn", "intersection", "conv-ugrnn")
ROW_CELLS = ("conv-ugrnn",)           # cells that read each step as an image row: the row-digits task only
GATES = {"lstm": (("input", 1), ("forget", 2), ("output", 3)), "ugrnn": (("update", 2),),
         "intersection": (("depth gate", 5), ("state gate", 6)), "conv-ugrnn": (("update", 3),)}
MEAN_MSE = {"adding": 1 / 6}          # what predicting the mean scores


@dataclass
class RecurrentConfig:
    preset: str = config_field("default", "The preset this run started from", label="Preset")
    task: str = config_field("adding", "What the nets must remember", label="Task", choices=list(TASKS))
    length: int = config_field(50, "Sequence length T (adding, running sums) or the blank gap (copy); row digits "
                                   "read one row per step", label="Length T", min=2, max=200, slider=True,
                               applies={"task": ("adding", "copy", "running-sum")})
    cells: list = config_field(list(CELL_NAMES), "The cells that train side by side", label="Cells",
                               choices=list(CELL_NAMES))
    hidden: int = config_field(64, "Units of each cell's state", label="Hidden units", min=1, max=4096)
    batch_size: int = config_field(64, "Sequences per minibatch", label="Batch size", min=1, max=65536)
    lr: float = config_field(2e-3, "Adam learning rate (every cell)", label="Learning rate", min=1e-7, max=1.0,
                             log=True)
    clip: float = config_field(1.0, "Clip each cell's gradient to this global norm (0: off)", label="Gradient clip",
                               min=0.0, max=1e6)
    steps: int = config_field(2000, "Training steps the run plans", label="Steps", min=1, max=10_000_000)
    eval_every: int = config_field(50, "Steps between evaluations on the test sequences", label="Evaluate every",
                                   min=1, max=1_000_000)
    n_train: int = config_field(8000, "Row digits: training images (the same split as the other digit tabs)",
                                label="Train images (digits)", min=10, max=10_000_000,
                                applies={"task": ("row-digits",)})
    n_test: int = config_field(512, "Test sequences (synthetic tasks) or test images (row digits)",
                               label="Test size", min=10, max=1_000_000)
    data: str = config_field("", "Row digits: an MNIST-format IDX folder or file; empty: found files or the "
                                 "built-in digits", label="Data (digits)", kind="path",
                             applies={"task": ("row-digits",)})
    seed: int = config_field(0, "Seeds the data, the weights and the batches", label="Seed", min=0, max=2**31 - 1)
    show_cell: str = config_field("lstm", "Whose hidden state and gates the heat maps show", label="Show cell",
                                  choices=list(CELL_NAMES), view=True)


class SequenceNet:
    """One cell over the sequence and a linear readout at the steps the task scores. The intersection
    cell carries its input to its depth output, so it reads a learnt projection of x (D -> H)."""

    def __init__(self, name, d_in, hidden, n_out, rng):
        self.name = name
        self.proj = name == "intersection" and d_in != hidden
        self.cell = CELLS["elman" if name == "rnn" else name](hidden if self.proj else d_in, hidden)
        p = {f"cell.{k}": v for k, v in self.cell.init(np.random.default_rng(rng.integers(2**31))).items()}
        head = np.random.default_rng(rng.integers(2**31))
        out = self.cell.d_hidden                       # the conv cell's state: channels x row width
        p["head.W"] = (head.standard_normal((out, n_out)) / np.sqrt(out)).astype(np.float32)
        p["head.b"] = np.zeros(n_out, np.float32)
        if self.proj:
            p["proj.W"] = (head.standard_normal((d_in, hidden)) / np.sqrt(d_in)).astype(np.float32)
            p["proj.b"] = np.zeros(hidden, np.float32)
        self.params = p

    def cell_params(self):
        return {k[5:]: v for k, v in self.params.items() if k.startswith("cell.")}

    def forward(self, xs, readout):
        """xs (T, N, D) -> scores at the readout steps (k, N, out), cache."""
        p = self.params
        inp = xs @ p["proj.W"] + p["proj.b"] if self.proj else xs
        outs, caches = sequence_forward(self.cell, inp, self.cell_params())
        scores = outs[readout] @ p["head.W"] + p["head.b"]
        return scores, (xs, outs, caches, readout)

    def backward(self, dscores, cache):
        """-> grads (flat names), ||dL/dh_t|| for every t."""
        xs, outs, caches, readout = cache
        p = self.params
        douts = np.zeros_like(outs)
        douts[readout] = dscores @ p["head.W"].T
        dinp, g, norms = sequence_backward(self.cell, douts, caches, self.cell_params())
        grads = {f"cell.{k}": v for k, v in g.items()}
        grads["head.W"] = np.einsum("tnh,tno->ho", outs[readout], dscores)
        grads["head.b"] = dscores.sum(axis=(0, 1))
        if self.proj:
            grads["proj.W"] = np.einsum("tnd,tnh->dh", xs, dinp)
            grads["proj.b"] = dinp.sum(axis=(0, 1))
        return grads, norms


def clip_global(grads, limit):
    """Scale every gradient by min(1, limit / global norm) in place; returns the norm before."""
    norm = float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads.values())))
    if limit and norm > limit:
        for g in grads.values():
            g *= np.float32(limit / norm)
    return norm


@register
class RecurrentExperiment(Experiment):
    name = "recurrent"
    title = "Recurrent nets"
    Config = RecurrentConfig
    presets = {"default": {}, "adding": {"task": "adding", "length": 100, "steps": 3000},
               "copy": {"task": "copy", "length": 20, "steps": 3000},
               "running-sum": {"task": "running-sum", "length": 10, "cells": ["intersection", "ugrnn", "lstm"],
                               "steps": 600},
               "row-digits": {"task": "row-digits", "hidden": 128, "steps": 3000, "n_test": 2000},
               "quick": {"length": 20, "steps": 300}}
    preset_notes = {"default": "the adding problem at T = 50, five cells side by side",
                    "adding": "the adding problem at T = 100: the gated cells get under the mean's 0.167",
                    "copy": "recall 10 symbols after a gap of 20 blanks",
                    "running-sum": "the seed's task for the intersection RNN: output the sum so far at every step",
                    "row-digits": "MNIST read one row per time step (28 steps), classified at the end",
                    "quick": "the adding problem at T = 20 for 300 steps"}

    def __init__(self, config=None, data=None):
        super().__init__(config)
        c = self.config
        unknown = [k for k in c.cells if k not in CELL_NAMES]
        if unknown or not c.cells:
            raise DataError(f"cells {unknown or '(none)'}: choose from {', '.join(CELL_NAMES)}")
        if c.task not in TASKS:
            raise DataError(f"task {c.task!r}: choose from {', '.join(TASKS)}")
        # the cells that apply: a conv cell reads each step as an image row (row-digits)
        self.cells = [k for k in c.cells if k not in ROW_CELLS or c.task == "row-digits"]
        self.left_out = {k: "row-digits only (it reads image rows)"
                         for k in c.cells if k not in self.cells}       # said in the tab and the JSON
        if not self.cells:
            raise DataError(f"{', '.join(c.cells)} read each step as a row of an image: use the row-digits task")
        self.rng = np.random.default_rng([c.seed, 1])
        self._setup_task(data)
        init = np.random.default_rng([c.seed, 2])
        seeds = init.integers(2**31)                      # every cell draws from the same seed
        self.nets = {k: SequenceNet(k, self.d_in, c.hidden, self.n_out, np.random.default_rng(seeds))
                     for k in self.cells}
        self.opts = {k: Adam(lr=c.lr) for k in self.cells}
        self.norm_ema = {k: None for k in self.cells}
        self.history = MetricHistory()
        self.test_scores = {}
        self.seconds = 0.0

    # ------------------------------------------------------------------------------ the task
    def _setup_task(self, data):
        c = self.config
        test_rng = np.random.default_rng([c.seed, 99])
        if c.task == "row-digits":
            from ..data.mnist import load_digits_data
            from ..data.split import split_images
            d = data if data is not None else load_digits_data(c.data or None)
            self.source = d.source
            xtr, self.y_train, xte, y_test = split_images(d, c.n_train, c.n_test, c.seed)
            self.x_train = rows_as_sequence(xtr)
            self.test = (rows_as_sequence(xte), y_test)
            self.classify, self.d_in = True, self.x_train.shape[2]
            self.n_out = int(max(self.y_train.max(), y_test.max())) + 1
            self.perm, self.pos = self.rng.permutation(len(self.y_train)), 0
        else:
            self.source = f"generated ({c.task}, T = {c.length})"
            self.classify = c.task == "copy"
            self.test = self._batch(test_rng, c.n_test)
            self.d_in = self.test[0].shape[2]
            self.n_out = 8 if c.task == "copy" else 1
        T = self.test[0].shape[0]
        self.T = T
        self.readout = {"copy": slice(T - 10, T), "running-sum": slice(0, T)}.get(c.task, slice(T - 1, T))

    def _batch(self, rng, n):
        c = self.config
        if c.task == "adding":
            x, y = adding(rng, n, c.length)
            return x, y[None]                              # (1, n, 1): the last step's target
        if c.task == "copy":
            return copy_task(rng, n, c.length)
        if c.task == "running-sum":
            return running_sum(rng, n, c.length)
        if self.pos >= len(self.perm):
            self.perm, self.pos = self.rng.permutation(len(self.y_train)), 0
        idx = self.perm[self.pos:self.pos + n]
        self.pos += n
        return self.x_train[:, idx], self.y_train[idx][None]

    def _loss(self, scores, y):
        """-> (loss, dscores, per-readout accuracy or None)."""
        if self.classify:
            k, n, m = scores.shape
            loss, d = softmax_cross_entropy(scores.reshape(k * n, m), y.reshape(-1))
            return loss, d.reshape(scores.shape), float(np.mean(scores.argmax(2) == y))
        diff = scores - y
        return float(np.mean(diff * diff)), (2 * diff / diff.size).astype(np.float32), None

    # ------------------------------------------------------------------------------ training
    def step(self):
        c = self.config
        t0 = time.perf_counter()
        x, y = self._batch(self.rng, c.batch_size)
        metrics, updates = {}, []
        for k, net in self.nets.items():  # every cell's gradient first: a non-finite one updates none
            scores, cache = net.forward(x, self.readout)
            loss, dscores, acc = self._loss(scores, y)
            self._check_finite(**{f"{k}_loss": loss})
            grads, norms = net.backward(dscores, cache)
            norm = clip_global(grads, c.clip)
            self._check_finite(**{f"{k}_gradient_norm": norm})
            updates.append((k, net, grads, norms))
            metrics[f"grad_norm/{k}"] = norm
            metrics[f"loss/{k}"] = loss
        for k, net, grads, norms in updates:
            self.opts[k].update(net.params, grads)
            self.norm_ema[k] = norms if self.norm_ema[k] is None else 0.95 * self.norm_ema[k] + 0.05 * norms
        self.steps_done += 1
        self.seconds += time.perf_counter() - t0
        arrays = {}
        if self.steps_done % c.eval_every == 0 or self.steps_done == 1:
            metrics.update(self.evaluate())
            arrays = self.preview_arrays()
        metrics["it_per_s"] = self._tick_rate()
        self.history.add(self.steps_done, metrics)
        return Snapshot(self.steps_done, metrics, arrays)

    def evaluate(self):
        x, y = self.test
        out = {}
        for k, net in self.nets.items():
            scores = np.concatenate([net.forward(x[:, i:i + 1024], self.readout)[0]
                                     for i in range(0, x.shape[1], 1024)], axis=1)
            loss, _, acc = self._loss(scores, y)
            out[f"test_loss/{k}"] = loss
            if acc is not None:
                out[f"test_accuracy/{k}"] = acc
            self.test_scores[k] = (loss, acc)
        if self.config.task in MEAN_MSE:
            out["mean_predictor_mse"] = MEAN_MSE[self.config.task]
        return out

    def preview_arrays(self):
        """Per cell: ||dL/dh_t|| over t, one test sequence's step outputs (H, T), the gates' mean
        activation per step over 64 test sequences (gates, T)."""
        x = self.test[0][:, :64]
        arrays = {"input": x[:, 0].T}
        for k, net in self.nets.items():
            if self.norm_ema[k] is not None:
                arrays[f"grad_norms/{k}"] = self.norm_ema[k]
            _, (_, outs, caches, _) = net.forward(x, self.readout)
            arrays[f"hidden/{k}"] = outs[:, 0].T
            if k in GATES:
                arrays[f"gates/{k}"] = np.array([[float(cache[j].mean()) for cache in caches] for _, j in GATES[k]])
        return arrays

    def grad_norm_ratio(self, k):
        n = self.norm_ema[k]
        return float(n[0] / max(n[-1], 1e-30)) if n is not None else float("nan")

    def final_metrics(self):
        self.evaluate()
        key = "test_accuracy" if self.classify else "test_mse"
        runs = {k: {key: (acc if self.classify else loss), "grad_norm_ratio": self.grad_norm_ratio(k)}
                for k, (loss, acc) in self.test_scores.items()}
        out = {"task": self.config.task, "length": self.config.length, "runs": runs, "seconds": self.seconds}
        if self.left_out:
            out["left_out"] = self.left_out
        if self.config.task in MEAN_MSE:
            out["mean_predictor_mse"] = MEAN_MSE[self.config.task]
        return out

    def export_files(self, folder):
        from ..export.tables import write_csv
        folder = Path(folder)
        names = [k for k in self.nets if self.norm_ema[k] is not None]
        rows = [[t + 1, *[float(self.norm_ema[k][t]) for k in names]] for t in range(self.T)]
        write_csv(folder / "grad_norms.csv", ["t", *[f"grad_norm_{k}" for k in names]], rows)
        return [folder / "grad_norms.csv", self.history.write_csv(folder / "curves.csv")]

    # ------------------------------------------------------------------------------ state
    def state_dict(self):
        st = {"steps_done": self.steps_done, "rng": self.rng.bit_generator.state, "seconds": self.seconds,
              "nets": {k: n.params for k, n in self.nets.items()},
              "opts": {k: o.state_dict() for k, o in self.opts.items()}, "history": self.history.state_dict(),
              "norm_ema": {k: v for k, v in self.norm_ema.items() if v is not None}}
        if self.config.task == "row-digits":
            st.update(perm=self.perm, pos=self.pos)
        return st

    def load_state_dict(self, st):
        self.steps_done = int(st["steps_done"])
        self.rng.bit_generator.state = st["rng"]
        self.seconds = float(st["seconds"])
        for k, net in self.nets.items():
            net.params = {n: np.array(v, np.float32) for n, v in st["nets"][k].items()}
            self.opts[k].load_state_dict(st["opts"][k])
        self.history.load_state_dict(st["history"])
        self.norm_ema.update({k: np.array(v) for k, v in st["norm_ema"].items()})
        if "perm" in st:
            self.perm, self.pos = np.array(st["perm"]), int(st["pos"])
