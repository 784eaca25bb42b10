"""LSTM GIF classifier (SPEC §3.4; seed: "Decoupled convolutional LSTM to classify puppy GIFs
and baby GIFs").

A stack of convolutional LSTM layers reads N frames of each GIF; the last hidden state of the
top layer, mean-pooled in blocks, feeds a fully-connected head (softmax cross-entropy, or the
seed's L2 cost on logistic outputs). Two ways to train, selectable and comparable:

- ``bptt``: full backpropagation through time, one Adam update per minibatch;
- ``dni``: decoupled neural interfaces (Jaderberg et al. 2017). Every layer and time step has a
  small linear model (a 1x1 convolution) that predicts the gradient of the loss with respect to
  its hidden state. As soon as a step has run forward, its layer updates from that *synthetic*
  gradient (backpropagated through that step only) without waiting for the rest of the
  sequence; each predictor is then trained towards the gradient that arrives from the step
  after it (bootstrapped) or from the head (the seed's three functions per layer: init,
  forward + synthetic update, synthetic-weight update).
"""

from dataclasses import dataclass

import numpy as np

from ..data.gif import load_gif_folder
from ..errors import DataError
from ..nn.conv import avg_pool_backward, avg_pool_forward
from ..nn.dense import dense_backward, dense_forward
from ..nn.losses import l2_loss, softmax, softmax_cross_entropy
from ..nn.activations import logistic
from ..nn.recurrent import convlstm_backward, convlstm_forward, convlstm_step_backward, convlstm_step_forward, init_convlstm
from ..optim import Adam, GradientNoise
from .base import Experiment, Snapshot, config_field, register


@dataclass
class GIFConfig:
    preset: str = config_field("default", "The preset this run started from", label="Preset")
    data: str = config_field("", "A folder with one subfolder of animated GIFs per class; empty: the built-in "
                                 "horizontal/vertical pan GIFs", label="Data", kind="path")
    seed: int = config_field(0, "Seeds the split, the weights and the batch order", label="Seed", min=0,
                             max=2**31 - 1)
    mode: str = config_field("bptt", "Backpropagation through time, or decoupled synthetic gradients",
                             label="Training", choices=["bptt", "dni"])
    frames: int = config_field(4, "Frames taken evenly over each animation", label="Frames", min=2, max=64)
    size: int = config_field(32, "Frames are resized to size x size", label="Size", min=8, max=256)
    color: bool = config_field(False, "Colour (3 channels) or grayscale", label="Colour")
    layers: list = config_field([8], "Hidden channels of each ConvLSTM layer (stacked)", label="ConvLSTM layers")
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
                                label="Synthetic-gradient LR", min=1e-8, max=1.0, log=True)
    grad_noise: float = config_field(0.0, "Annealed Gaussian gradient noise eta (0: off)", label="Gradient noise",
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
        "seed": {"size": 100, "frames": 3, "layers": [4], "kernel": 3, "pool": 10, "loss": "l2", "lr": 1e-3,
                 "epochs": 18, "batch_size": 4, "energy": False},
        "real-gifs": {"size": 48, "frames": 6, "color": True, "pool": 6, "epochs": 30, "batch_size": 6,
                      "energy": False},
    }
    preset_notes = {
        "default": "32x32, 4 frames, one ConvLSTM layer of 8 channels, global energy pooling, full BPTT, Adam 5e-3",
        "dni": "the same network trained with decoupled synthetic gradients",
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
        if data is None:
            from ..data.builtin import demo_gifs_folder
            data = load_gif_folder(c.data or demo_gifs_folder(), c.frames, c.size, c.color)
        self.data = data
        self.classes = data.classes
        self.rng = np.random.default_rng(c.seed)
        split = np.random.default_rng([c.seed, 11])
        train, test = [], []
        for k in range(len(self.classes)):  # per GIF, per class: never frames of one GIF on both sides
            idx = split.permutation(np.flatnonzero(data.labels == k))
            n_test = int(round(len(idx) * c.test_fraction)) if len(idx) > 1 else 0
            n_test = min(max(n_test, 1 if len(idx) > 1 and c.test_fraction > 0 else 0), len(idx) - 1)
            test += list(idx[:n_test])
            train += list(idx[n_test:])
        self.train_idx, self.test_idx = np.array(train), np.array(test, dtype=np.int64)
        clips = data.clips if data.clips.ndim == 5 else data.clips[..., None]   # (n, T, H, W, C)
        # (T, n, C, H, W), centred: pixels in [-1, 1]
        self.x = (np.ascontiguousarray(clips.transpose(1, 0, 4, 2, 3)) * 2 - 1).astype(np.float32)
        self.y = data.labels
        self.test_files = [data.files[i] for i in self.test_idx]
        c_in = self.x.shape[2]
        self.params = []
        for ch in c.layers:
            self.params.append(init_convlstm(c_in, ch, c.kernel, self.rng))
            c_in = ch
        feat = c.layers[-1] * (c.size // c.pool) ** 2
        self.head = {"W": (self.rng.standard_normal((feat, len(self.classes))) / np.sqrt(feat)).astype(np.float32),
                     "b": np.zeros(len(self.classes), np.float32)}
        self.opts = [self._optimizer(c.lr) for _ in self.params]
        self.head_opt = self._optimizer(c.lr)
        T, L = c.frames, len(c.layers)
        self.oracles = {(l, t): {"A": np.zeros((ch, ch), np.float32), "c": np.zeros(ch, np.float32)}
                        for l, ch in enumerate(c.layers) for t in range(T) if not (l == L - 1 and t == T - 1)}
        self.oracle_opt = Adam(lr=c.sg_lr)
        self.perm, self.pos = self.rng.permutation(self.train_idx), 0
        self.steps_per_epoch = max(1, int(np.ceil(len(self.train_idx) / c.batch_size)))
        self.before = self.predict(self.test_idx) if len(self.test_idx) else np.zeros((0, len(self.classes)))

    def _optimizer(self, lr):
        opt = Adam(lr=lr)
        return GradientNoise(opt, eta=self.config.grad_noise, rng=self.rng) if self.config.grad_noise else opt

    @property
    def total_steps(self):
        return self.config.epochs * self.steps_per_epoch

    # ------------------------------------------------------------------------- network
    def _head_forward(self, h_last):
        if self.config.energy:  # mean-pooled h^2: motion detectors respond with either sign
            pooled, pc = avg_pool_forward(h_last * h_last, self.config.pool)
            pc = (pc, h_last)
        else:
            pooled, pc = avg_pool_forward(h_last, self.config.pool)
        scores, dc = dense_forward(pooled.reshape(len(pooled), -1), self.head["W"], self.head["b"])
        return scores, (pc, dc, pooled.shape)

    def _head_backward(self, dscores, cache):
        pc, dc, shape = cache
        dfeat, dW, db = dense_backward(dscores, dc)
        if self.config.energy:
            pc, h_last = pc
            return 2 * h_last * avg_pool_backward(dfeat.reshape(shape), pc), {"W": dW, "b": db}
        return avg_pool_backward(dfeat.reshape(shape), pc), {"W": dW, "b": db}

    def _cost(self, scores, y):
        if self.config.loss == "softmax":
            return softmax_cross_entropy(scores, y)
        target = np.eye(len(self.classes), dtype=np.float32)[y]
        p = logistic(scores)
        loss, dp = l2_loss(p, target)
        return loss, dp * p * (1 - p)  # backprop through the logistic

    def probabilities(self, scores):
        if self.config.loss == "softmax":
            return softmax(scores)
        p = logistic(scores)
        return p / p.sum(axis=1, keepdims=True)

    def forward(self, xs):
        """xs (T, N, C, H, W) -> scores, per-layer (hs, caches)."""
        layers, inp = [], xs
        for p, ch in zip(self.params, self.config.layers):
            hs, caches = convlstm_forward(inp, p, ch)
            layers.append((hs, caches))
            inp = hs
        return self._head_forward(inp[-1]), layers

    def predict(self, idx, batch=64):
        out = []
        for i in range(0, len(idx), batch):
            (scores, _), _ = self.forward(self.x[:, idx[i:i + batch]])
            out.append(self.probabilities(scores))
        return np.concatenate(out) if out else np.zeros((0, len(self.classes)))

    # ------------------------------------------------------------------------- training
    def _bptt_step(self, xs, y):
        (scores, hc), layers = self.forward(xs)
        cost, dscores = self._cost(scores, y)
        self._check_finite(cost=cost)
        dh_last, hgrads = self._head_backward(dscores, hc)
        dhs = np.zeros_like(layers[-1][0])
        dhs[-1] = dh_last
        all_grads = []
        for l in reversed(range(len(layers))):
            dhs, grads = convlstm_backward(dhs, layers[l][1], need_dx=l > 0)  # backprop through time
            all_grads.append(grads)
        for l, grads in enumerate(reversed(all_grads)):
            self.opts[l].update(self.params[l], grads)
        self.head_opt.update(self.head, hgrads)
        return scores, cost, layers, {}

    def _synthetic(self, l, t, h):
        """The predictor works in units of the per-pixel gradient of the summed loss (gradients of
        a mean over N images of H x W pixels are O(1 / NHW): too small for a predictor to learn
        at a usual learning rate), so its output is divided by NHW before use."""
        o = self.oracles[(l, t)]
        return np.einsum("nchw,cd->ndhw", h, o["A"]) + o["c"][None, :, None, None]

    def _dni_step(self, xs, y):
        """Decoupled: each (layer, step) updates its layer from a predicted gradient right after
        its forward pass; predictors learn from the gradients that arrive later."""
        c = self.config
        T, L = xs.shape[0], len(c.layers)
        n, _, H, W = xs.shape[1:]
        hs = [np.zeros((n, ch, H, W), np.float32) for ch in c.layers]
        cs = [np.zeros_like(h) for h in hs]
        preds, targets, outs = {}, {}, [[None] * T for _ in range(L)]
        scale = np.float32(n * H * W)
        top_cache = None
        for t in range(T):
            inp = xs[t]
            for l in range(L):
                p = self.params[l]
                h, cell, cache = convlstm_step_forward(inp, hs[l], cs[l], p["Wx"], p["Wh"], p["b"])
                hs[l], cs[l], outs[l][t] = h, cell, (h, cache)
                inp = h
                if l == L - 1 and t == T - 1:
                    top_cache = cache
                    continue
                g = self._synthetic(l, t, h)                   # the synthetic gradient dL/dh_t, scaled
                preds[(l, t)] = (h, g)
                self._one_step_update(l, t, g / scale, cache, targets)
        (scores, hc) = self._head_forward(hs[-1])
        cost, dscores = self._cost(scores, y)
        self._check_finite(cost=cost)
        dh_true, hgrads = self._head_backward(dscores, hc)   # the true gradient arrives at the top, last step
        self._one_step_update(L - 1, T - 1, dh_true, top_cache, targets)
        self.head_opt.update(self.head, hgrads)
        sg_loss, count = 0.0, 0                               # train each predictor towards what arrived
        grads = {}
        for key, (h, g) in preds.items():
            err = g - targets.get(key, 0.0) * scale
            sg_loss += float(np.mean(err * err))
            count += 1
            m = err.size / err.shape[1]
            grads[f"{key[0]}.{key[1]}.A"] = np.einsum("nchw,ndhw->cd", h, err) / m
            grads[f"{key[0]}.{key[1]}.c"] = err.sum(axis=(0, 2, 3)) / m
        flat = {f"{l}.{t}.{k}": v for (l, t), o in self.oracles.items() for k, v in o.items()}
        self.oracle_opt.update(flat, grads)
        layers = [(np.stack([outs[l][t][0] for t in range(T)]), [outs[l][t][1] for t in range(T)]) for l in range(L)]
        return scores, cost, layers, {"sg_loss": sg_loss / max(count, 1)}

    def _one_step_update(self, l, t, dh, cache, targets):
        """Backprop dh through step t of layer l only, update layer l now, and hand the input and
        previous-state gradients on as targets for the predictors of (l-1, t) and (l, t-1)."""
        dx, dh_prev, _, dWx, dWh, db = convlstm_step_backward(dh, np.zeros_like(dh), cache, need_dx=l > 0)
        self.opts[l].update(self.params[l], {"Wx": dWx, "Wh": dWh, "b": db})
        if t > 0:
            targets[(l, t - 1)] = targets.get((l, t - 1), 0.0) + dh_prev
        if l > 0:
            targets[(l - 1, t)] = targets.get((l - 1, t), 0.0) + dx

    def step(self):
        c = self.config
        if self.pos >= len(self.perm):
            self.perm, self.pos = self.rng.permutation(self.train_idx), 0
        idx = self.perm[self.pos:self.pos + c.batch_size]
        self.pos += c.batch_size
        xs, y = self.x[:, idx], self.y[idx]
        scores, cost, layers, extra = (self._dni_step if c.mode == "dni" else self._bptt_step)(xs, y)
        self.steps_done += 1
        metrics = {"batch_cost": cost, "batch_accuracy": float(np.mean(scores.argmax(1) == y)),
                   "it_per_s": self._tick_rate(), **extra}
        arrays = {}
        if self.steps_done % c.preview_every == 0 or self.steps_done == 1:
            hs, caches = layers[-1]
            _, _, i, f, o, *_ = caches[-1]
            arrays.update(frames=(xs[:, 0].mean(axis=1) + 1) / 2, hidden=hs[:, 0].mean(axis=1),
                          gates=np.stack([i[0].mean(0), f[0].mean(0), o[0].mean(0)]))
        if self.steps_done % self.steps_per_epoch == 0:
            metrics.update(self.epoch_metrics())
            arrays["test_probs"] = self._last_probs
            arrays["before_probs"] = self.before
        metrics["epoch"] = self.steps_done / self.steps_per_epoch
        return Snapshot(self.steps_done, metrics, arrays, {"mode": c.mode})

    def _evaluate(self, idx):
        if not len(idx):
            return float("nan"), float("nan"), np.zeros((0, len(self.classes)))
        probs = self.predict(idx)
        cost = float(-np.mean(np.log(np.maximum(probs[np.arange(len(idx)), self.y[idx]], 1e-12))))
        return cost, float(np.mean(probs.argmax(1) == self.y[idx])), probs

    def epoch_metrics(self):
        tr_cost, tr_acc, _ = self._evaluate(self.train_idx)
        te_cost, te_acc, self._last_probs = self._evaluate(self.test_idx)
        out = {"train_cost": tr_cost, "train_accuracy": tr_acc}
        if len(self.test_idx):
            out.update(test_cost=te_cost, test_accuracy=te_acc)
        return out

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

        from ..export import write_csv
        folder = Path(folder)
        if not len(self.test_idx):
            return []
        _, _, probs = self._evaluate(self.test_idx)
        write_csv(folder / "predictions.csv",
                  ["file", "true class"] + [f"p({c}) before" for c in self.classes] + [f"p({c})" for c in self.classes],
                  [[f, self.classes[self.y[i]], *map(float, b), *map(float, p)]
                   for f, i, b, p in zip(self.test_files, self.test_idx, self.before, probs)])
        return [folder / "predictions.csv"]

    # ------------------------------------------------------------------------- state
    def state_dict(self):
        return {"steps_done": self.steps_done, "rng": self.rng.bit_generator.state, "params": self.params,
                "head": self.head, "opts": [o.state_dict() for o in self.opts], "head_opt": self.head_opt.state_dict(),
                "oracles": {f"{l}.{t}": o for (l, t), o in self.oracles.items()},
                "oracle_opt": self.oracle_opt.state_dict(), "perm": self.perm, "pos": self.pos}

    def load_state_dict(self, st):
        self.steps_done = int(st["steps_done"])
        self.rng.bit_generator.state = st["rng"]
        self.params = [{k: np.array(v, np.float32) for k, v in p.items()} for p in st["params"]]
        self.head = {k: np.array(v, np.float32) for k, v in st["head"].items()}
        for o, s in zip(self.opts, st["opts"]):
            o.load_state_dict(s)
        self.head_opt.load_state_dict(st["head_opt"])
        self.oracles = {tuple(int(v) for v in k.split(".")): {kk: np.array(vv, np.float32) for kk, vv in o.items()}
                        for k, o in st["oracles"].items()}
        self.oracle_opt.load_state_dict(st["oracle_opt"])
        self.perm, self.pos = np.array(st["perm"]), int(st["pos"])
