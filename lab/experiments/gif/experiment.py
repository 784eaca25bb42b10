"""LSTM GIF classifier (SPEC §3.4; seed: "Decoupled convolutional LSTM to classify puppy GIFs
and baby GIFs").

A :class:`~lab.nn.convlstm_classifier.ConvLSTMClassifier` (stacked convolutional LSTM layers,
the top layer's last hidden state mean-pooled into a fully-connected head) reads N frames of
each GIF. Two ways to train, selectable and comparable:

- ``bptt``: full backpropagation through time, one Adam update per minibatch;
- ``dni``: decoupled neural interfaces (``dni.SyntheticGradients``): each layer and time step
  updates at once from a predicted gradient; the predictors learn from the gradients that
  arrive later.
"""

from dataclasses import dataclass

import numpy as np

from ...data.gif import load_gif_folder
from ...errors import DataError
from ...nn.convlstm_classifier import ConvLSTMClassifier
from ...nn.data_parallel import default_parts
from ...nn.recurrent import last_gates
from ...optim import Adam, GradientNoise
from ..base import Experiment, Snapshot, config_field
from ..registry import register
from .dni import SyntheticGradients


@dataclass
class GIFConfig:
    preset: str = config_field("default", "The preset this run started from", label="Preset")
    data: str = config_field("", "A folder with one subfolder of animated GIFs per class; empty: the built-in "
                                 "shapes moving horizontally or vertically", label="Data", kind="path")
    seed: int = config_field(0, "Seeds the split, the weights and the batch order", label="Seed", min=0,
                             max=2**31 - 1)
    mode: str = config_field("bptt", "Backpropagation through time, or decoupled synthetic gradients",
                             label="Training", choices=["bptt", "dni"])
    frames: int = config_field(4, "Frames taken evenly over each animation", label="Frames", min=2, max=64)
    size: int = config_field(32, "Frames are resized to size x size", label="Size", min=8, max=256)
    color: bool = config_field(False, "Colour (3 channels) or grayscale", label="Colour")
    cell: str = config_field("convlstm", "The recurrent cell: a convolutional LSTM, or a convolutional update-gate "
                                         "RNN (one gate, no cell state)", label="Cell",
                             choices=["convlstm", "conv-ugrnn"])
    layers: list = config_field([8], "Hidden channels of each recurrent layer (stacked)", label="Layers")
    kernel: int = config_field(5, "Convolution kernel size (odd)", label="Kernel", min=1, max=15)
    pool: int = config_field(32, "Mean-pool the last hidden state in pool x pool blocks before the head (the frame "
                                 "size: one global mean per channel)",
                             label="Pool", min=1, max=64)
    energy: bool = config_field(True, "Feed the head the pooled energy h^2 instead of h (motion detectors answer "
                                       "with either sign)", label="Energy pooling")
    loss: str = config_field("softmax", "Softmax cross-entropy, or the seed's L2 cost on logistic outputs",
                             label="Cost", choices=["softmax", "l2"])
    lr: float = config_field(5e-3, "Adam learning rate", label="Learning rate", min=1e-8, max=1.0, log=True)
    sg_lr: float = config_field(1e-3, "Adam learning rate of the synthetic-gradient models (DNI)",
                                label="Synthetic-gradient LR", min=1e-8, max=1.0, log=True, applies={"mode": ("dni",)})
    dni_k: int = config_field(2, "DNI: frames per chunk of truncated BPTT between synthetic gradients (1: a synthetic "
                                 "gradient after every frame)", label="DNI chunk k", min=1, max=64,
                              applies={"mode": ("dni",)})
    sg_conditional: bool = config_field(True, "DNI: the predictor also sees the label (conditional DNI)",
                                        label="Conditional SG", applies={"mode": ("dni",)})
    sg_hidden: int = config_field(16, "DNI: channels of the predictor's hidden convolution", label="SG channels",
                                  min=1, max=256, applies={"mode": ("dni",)})
    grad_noise: float = config_field(0.0, "Annealed Gaussian gradient noise eta (0: off); with DNI, on the layers' "
                                          "and the synthetic-gradient models' weights", label="Gradient noise",
                                     min=0.0, max=10.0)
    batch_size: int = config_field(8, "GIFs per minibatch", label="Batch size", min=1, max=4096)
    epochs: int = config_field(40, "Passes over the training GIFs", label="Epochs", min=1, max=100_000)
    test_fraction: float = config_field(0.25, "Fraction of each class's GIFs held out for testing",
                                        label="Test fraction", min=0.0, max=0.9)
    preview_every: int = config_field(2, "Steps between previews of the frames and hidden state",
                                      label="Preview every", min=1, max=100_000)


@register
class GIFExperiment(Experiment):
    name = "gif"
    title = "LSTM GIF classifier"
    Config = GIFConfig
    presets = {
        "default": {},
        "dni": {"mode": "dni"},
        "conv-ugrnn": {"cell": "conv-ugrnn"},
        "seed": {"size": 100, "frames": 3, "layers": [4], "kernel": 3, "pool": 10, "loss": "l2", "lr": 1e-3,
                 "epochs": 18, "batch_size": 4, "energy": False},
        "real-gifs": {"size": 48, "frames": 6, "color": True, "pool": 6, "epochs": 30, "batch_size": 6,
                      "energy": False},
    }
    preset_notes = {
        "default": "32x32, 4 frames, one ConvLSTM layer of 8 channels, global energy pooling, full BPTT, Adam 5e-3",
        "dni": "the same network trained with decoupled synthetic gradients (chunks of 2 frames)",
        "conv-ugrnn": "the default with a convolutional update-gate RNN in place of the ConvLSTM",
        "seed": "the seed's set-up: 100x100, 3 frames, L2 cost (18 epochs)",
        "real-gifs": "colour 48x48, 6 frames, 6x6 mean pooling: for folders of real GIFs",
    }

    def __init__(self, config=None, data=None):
        super().__init__(config)
        c = self.config
        if c.kernel % 2 == 0:
            raise DataError(f"kernel size {c.kernel}: use an odd size")
        if c.size % c.pool:
            raise DataError(f"pool {c.pool} does not divide the frame size {c.size}")
        if c.mode == "dni" and c.cell != "convlstm":
            raise DataError(f"synthetic gradients (DNI) are built for the ConvLSTM cell, not {c.cell}: "
                            "train the conv-UGRNN with BPTT")
        if data is None:
            from ...data.builtin import demo_gifs_folder
            data = load_gif_folder(c.data or demo_gifs_folder(), c.frames, c.size, c.color)
        self.data = data
        self.source = self.data.source
        self.classes = data.classes
        self.rng = np.random.default_rng(c.seed)
        self.train_idx, self.test_idx = self._split(data.labels)
        clips = data.clips if data.clips.ndim == 5 else data.clips[..., None]   # (n, T, H, W, C)
        # (T, n, C, H, W), centred: pixels in [-1, 1]
        self.x = (np.ascontiguousarray(clips.transpose(1, 0, 4, 2, 3)) * 2 - 1).astype(np.float32)
        self.y = data.labels
        self.test_files = [data.files[i] for i in self.test_idx]
        self.net = ConvLSTMClassifier(self.x.shape[2], c.layers, c.kernel, c.size, c.pool, len(self.classes),
                                      energy=c.energy, loss=c.loss, rng=self.rng, cell=c.cell)
        self.noise_rng = np.random.default_rng([c.seed, 37])  # its own stream: noise never changes the batch order
        self.opts = [self._optimizer(c.lr) for _ in self.net.params]
        self.head_opt = self._optimizer(c.lr)
        self.dni = SyntheticGradients(c.layers, c.frames, c.sg_lr, len(self.classes), k=c.dni_k,
                                      conditional=c.sg_conditional, hidden=c.sg_hidden,
                                      rng=np.random.default_rng([c.seed, 23]))
        self.dni.opt = self._optimizer(c.sg_lr)   # with gradient noise on, the synthetic weights get it too
        self.perm, self.pos = self.rng.permutation(self.train_idx), 0
        self._epoch_tally = [0.0, 0.0, 0]                  # this epoch's -log P(true) sum, correct, seen
        self.steps_per_epoch = max(1, int(np.ceil(len(self.train_idx) / c.batch_size)))
        self.before = self.predict(self.test_idx)

    def _split(self, labels):
        """Per GIF, per class: never frames of one GIF on both sides."""
        c = self.config
        split = np.random.default_rng([c.seed, 11])
        train, test = [], []
        for k in range(len(self.classes)):
            idx = split.permutation(np.flatnonzero(labels == k))
            n_test = int(round(len(idx) * c.test_fraction)) if len(idx) > 1 else 0
            n_test = min(max(n_test, 1 if len(idx) > 1 and c.test_fraction > 0 else 0), len(idx) - 1)
            test += list(idx[:n_test])
            train += list(idx[n_test:])
        return np.array(train), np.array(test, dtype=np.int64)

    def class_examples(self, per_class=2):
        """A contact sheet's tiles: ``per_class`` GIFs of each class (the first of the training
        split), all their frames, in [0, 1]: (classes * per_class * T, H, W[, 3]), row-major with
        T frames per row, and the row labels."""
        tiles, labels = [], []
        for k, name in enumerate(self.classes):
            for i in [i for i in self.train_idx if self.y[i] == k][:per_class]:
                clip = (self.x[:, i] + 1) / 2                         # (T, C, H, W)
                tiles += list(clip.transpose(0, 2, 3, 1) if clip.shape[1] == 3 else clip[:, 0])
                labels.append(name)
        return np.asarray(tiles, np.float32), labels

    def _optimizer(self, lr):
        opt = Adam(lr=lr)
        return GradientNoise(opt, eta=self.config.grad_noise, rng=self.noise_rng) if self.config.grad_noise else opt

    @property
    def total_steps(self):
        return self.config.epochs * self.steps_per_epoch

    def predict(self, idx):
        if not len(idx):
            return np.zeros((0, len(self.classes)))
        return self.net.predict(self.x[:, idx], parts=default_parts())

    # ------------------------------------------------------------------------- training
    def _train_step(self, xs, y):
        if self.config.mode == "dni":
            return self.dni.train_step(self.net, self.opts, self.head_opt, xs, y, self._check_finite,
                                       compare=(self.steps_done + 1) % 10 == 0)
        scores, cost, layers, (grads, hgrads) = self.net.loss_and_grads(xs, y, parts=default_parts())
        self._check_finite(cost=cost)                      # before any update
        for l, g in enumerate(grads):
            self.opts[l].update(self.net.params[l], g)
        self.head_opt.update(self.net.head, hgrads)
        return scores, cost, layers, {}

    def step(self):
        c = self.config
        if self.pos >= len(self.perm):
            self.perm, self.pos = self.rng.permutation(self.train_idx), 0
        idx = self.perm[self.pos:self.pos + c.batch_size]
        self.pos += c.batch_size
        xs, y = self.x[:, idx], self.y[idx]
        scores, cost, layers, extra = self._train_step(xs, y)
        self._tally(scores, y)
        self.steps_done += 1
        metrics = {"batch_cost": cost, "batch_accuracy": float(np.mean(scores.argmax(1) == y)),
                   "it_per_s": self._tick_rate(), **extra}
        arrays = {}
        if self.steps_done % c.preview_every == 0 or self.steps_done == 1:
            hs, caches = layers[-1]
            gates = last_gates(c.cell, caches)             # DNI runs only the ConvLSTM (refused otherwise)
            arrays.update(frames=(xs[:, 0].mean(axis=1) + 1) / 2, hidden=hs[:, 0].mean(axis=1),
                          gates=np.stack([g[0].mean(0) for g in gates]))
        if self.steps_done % self.steps_per_epoch == 0:
            metrics.update(self.epoch_metrics())
            self._epoch_tally = [0.0, 0.0, 0]
            arrays["test_probs"] = self._last_probs
            arrays["before_probs"] = self.before
        metrics["epoch"] = self.steps_done / self.steps_per_epoch
        return Snapshot(self.steps_done, metrics, arrays, {"mode": c.mode})

    def _tally(self, scores, y):
        """The epoch's running train metrics, from the scores the training step computed anyway:
        -log P(true class) summed, correct answers, examples (the test set's definitions)."""
        probs = self.net.probabilities(scores)
        t = self._epoch_tally
        t[0] += float(-np.sum(np.log(np.maximum(probs[np.arange(len(y)), y], 1e-12))))
        t[1] += float(np.sum(probs.argmax(1) == y))
        t[2] += len(y)

    def _evaluate(self, idx):
        if not len(idx):
            return float("nan"), float("nan"), np.zeros((0, len(self.classes)))
        probs = self.predict(idx)
        cost = float(-np.mean(np.log(np.maximum(probs[np.arange(len(idx)), self.y[idx]], 1e-12))))
        return cost, float(np.mean(probs.argmax(1) == self.y[idx])), probs

    def epoch_metrics(self):
        """Train cost and accuracy: the mean over this epoch's minibatches as they were trained (as
        Keras reports them; a second pass over every training GIF each epoch cost more than half of
        a run). Test: a full pass over the held-out GIFs. Remembered until the next step."""
        if getattr(self, "_epoch_memo", (None,))[0] == self.steps_done:
            return dict(self._epoch_memo[1])
        cost_sum, correct, n = self._epoch_tally
        if n:
            out = {"train_cost": cost_sum / n, "train_accuracy": correct / n}
        else:                                              # no batch yet this epoch: a full pass
            tr_cost, tr_acc, _ = self._evaluate(self.train_idx)
            out = {"train_cost": tr_cost, "train_accuracy": tr_acc}
        te_cost, te_acc, self._last_probs = self._evaluate(self.test_idx)
        if len(self.test_idx):
            out.update(test_cost=te_cost, test_accuracy=te_acc)
        self._epoch_memo = (self.steps_done, out)
        return dict(out)

    def final_metrics(self):
        m = self.epoch_metrics()
        probs = self._last_probs
        return {**{k: v for k, v in m.items() if k in ("train_accuracy", "test_accuracy")}, "mode": self.config.mode,
                "classes": self.classes,
                "predictions": {f: dict(zip(self.classes, map(float, p))) for f, p in zip(self.test_files, probs)},
                "before_training": {f: dict(zip(self.classes, map(float, p))) for f, p in zip(self.test_files,
                                                                                            self.before)},
                "skipped": [{"file": f, "reason": r} for f, r in self.data.skipped], "notes": self.data.notes}

    def export_files(self, folder):
        from pathlib import Path

        from ...export.tables import write_csv
        folder = Path(folder)
        if not len(self.test_idx):
            return []
        self.epoch_metrics()
        probs = self._last_probs
        write_csv(folder / "predictions.csv",
                  ["file", "true class"] + [f"p({c}) before" for c in self.classes] + [f"p({c})" for c in self.classes],
                  [[f, self.classes[self.y[i]], *map(float, b), *map(float, p)]
                   for f, i, b, p in zip(self.test_files, self.test_idx, self.before, probs)])
        return [folder / "predictions.csv"]

    # ------------------------------------------------------------------------- state
    def state_dict(self):
        return {"steps_done": self.steps_done, "rng": self.rng.bit_generator.state,
                "noise_rng": self.noise_rng.bit_generator.state, "params": self.net.params,
                "head": self.net.head, "opts": [o.state_dict() for o in self.opts],
                "head_opt": self.head_opt.state_dict(), **self.dni.state_dict(), "perm": self.perm, "pos": self.pos,
                "epoch_tally": list(self._epoch_tally)}

    def load_state_dict(self, st):
        self.steps_done = int(st["steps_done"])
        self.rng.bit_generator.state = st["rng"]
        if "noise_rng" in st:
            self.noise_rng.bit_generator.state = st["noise_rng"]
        self.net.params = [{k: np.array(v, np.float32) for k, v in p.items()} for p in st["params"]]
        self.net.head = {k: np.array(v, np.float32) for k, v in st["head"].items()}
        for o, s in zip(self.opts, st["opts"]):
            o.load_state_dict(s)
        self.head_opt.load_state_dict(st["head_opt"])
        self.dni.load_state_dict(st)
        self.perm, self.pos = np.array(st["perm"]), int(st["pos"])
        self._epoch_tally = [float(v) for v in st.get("epoch_tally", (0.0, 0.0, 0))]
        self._epoch_tally[2] = int(self._epoch_tally[2])
        self._epoch_memo = (None, {})
