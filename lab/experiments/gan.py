"""GAN sample grid (SPEC §3.3; seed: "Implementing GAN and Adam optimizer using only NumPy").

An MLP generator maps uniform noise in [-1, 1] to 784-pixel images; an MLP discriminator
scores images as real or fake. Both have hand-written backward passes (``lab.nn``) and are
trained with our Adam. Each ``step()`` is one discriminator and one generator update.

The seed's runs are presets ("seed-200-560", ...): a saturating minimax loss and its
"extreme step decay" (a high learning rate, then x0.01). It collapsed to one digit. The
default preset adds what the field learnt since (non-saturating generator loss, one-sided
label smoothing, leaky ReLU, Adam beta1 = 0.5), and a separately trained classifier counts
the digit classes in the sample grid live, so collapse shows as it happens.
"""

from dataclasses import dataclass

import numpy as np

from ..nn.digit_classifier import DigitClassifier
from ..data.mnist import load_digits_data
from ..nn.losses import bce_with_logits
from ..nn.mlp import MLP
from ..optim import SCHEDULES, Adam, scheduled_lr
from .base import Experiment, Snapshot, config_field
from .registry import register

ACTS = ["leaky_relu", "relu", "elu", "tanh", "logistic", "arctan"]


@dataclass
class GANConfig:
    preset: str = config_field("default", "The preset this run started from", label="Preset")
    data: str = config_field("", "MNIST-format IDX folder or images file; empty: found files or the built-in digits",
                             label="Data", kind="path")
    seed: int = config_field(0, "Seeds the weights, the data order, the noise and the fixed sample batch",
                             label="Seed", min=0, max=2**31 - 1)
    steps: int = config_field(30000, "How many iterations a run plans (progress bar, ETA, command line)",
                              label="Steps", min=1, max=10_000_000)
    noise_size: int = config_field(100, "Size of the uniform noise vector z fed to the generator",
                                   label="Noise size", min=1, max=2048)
    g_hidden: list = config_field([256, 512], "Generator hidden layer sizes", label="G hidden")
    d_hidden: list = config_field([512, 256], "Discriminator hidden layer sizes", label="D hidden")
    g_activation: str = config_field("leaky_relu", "Generator hidden activation", label="G activation", choices=ACTS)
    d_activation: str = config_field("leaky_relu", "Discriminator hidden activation", label="D activation", choices=ACTS)
    loss: str = config_field("non_saturating",
                             "Generator loss: non_saturating maximises log D(G(z)); minimax (the seed) minimises "
                             "log(1 - D(G(z)))", label="G loss", choices=["non_saturating", "minimax"])
    real_label: float = config_field(0.9, "Target for real images in the discriminator loss (1 = no smoothing)",
                                     label="Real label", min=0.5, max=1.0)
    batch_size: int = config_field(64, "Images per minibatch", label="Batch size", min=1, max=4096)
    g_lr: float = config_field(2e-4, "Generator Adam learning rate", label="G learning rate", min=1e-8, max=1.0, log=True)
    d_lr: float = config_field(2e-4, "Discriminator Adam learning rate", label="D learning rate", min=1e-8, max=1.0,
                               log=True)
    beta1: float = config_field(0.5, "Adam first-moment decay", label="Adam beta1", min=0.0, max=0.999)
    schedule: str = config_field("constant", "Learning-rate schedule; extreme_step is the seed's trick",
                                 label="LR schedule", choices=list(SCHEDULES))
    decay_steps: int = config_field(2000, "Steps before (each) decay", label="Decay after", min=1, max=10_000_000,
                                    applies={"schedule": SCHEDULES[1:]})
    decay_factor: float = config_field(0.01, "Learning-rate factor at each decay", label="Decay factor",
                                       min=1e-6, max=1.0, log=True, applies={"schedule": SCHEDULES[1:]})
    preview_every: int = config_field(25, "Steps between sample-grid previews", label="Preview every",
                                      min=1, max=100_000)
    history_every: int = config_field(250, "Steps between grids kept for the scrubber and the GIF",
                                      label="Keep grid every", min=1, max=1_000_000)


SEED_NOTE = "the seed's generator sizes, saturating loss and extreme step decay"


def _seed_preset(g_hidden, noise, act="relu"):
    return {"g_hidden": g_hidden, "noise_size": noise, "d_hidden": [128], "g_activation": act,
            "d_activation": "relu", "loss": "minimax", "real_label": 1.0, "beta1": 0.9, "g_lr": 2e-3,
            "d_lr": 2e-3, "schedule": "extreme_step", "decay_steps": 500, "decay_factor": 0.01}


@register
class GANExperiment(Experiment):
    name = "gan"
    key_metric = "g_loss"
    title = "GAN sample grid"
    Config = GANConfig
    presets = {
        "default": {},
        "w1": {"g_hidden": [256, 512], "d_hidden": [512, 256], "noise_size": 100, "batch_size": 64},
        "small-fast": {"g_hidden": [128, 256], "d_hidden": [256, 128]},
        "seed-200-560": _seed_preset([200, 560], 100),
        "seed-245-960-tanh": _seed_preset([245, 960], 100, act="tanh"),
        "seed-326-356-412": _seed_preset([326, 356, 412], 326),
        "seed-420-640": _seed_preset([420, 640], 350),
        "seed-660-780": _seed_preset([660, 780], 600),
        "seed-320-480": _seed_preset([320, 480], 200),
    }
    preset_notes = {
        "default": "works: non-saturating loss, label smoothing 0.9, leaky ReLU, Adam 2e-4 / beta1 0.5",
        "w1": "the benchmark shape: G 100-256-512-784, D 784-512-256-1",
        "small-fast": "half the width, about twice the speed",
        **{k: SEED_NOTE for k in ("seed-200-560", "seed-245-960-tanh", "seed-326-356-412", "seed-420-640",
                                   "seed-660-780", "seed-320-480")},
    }
    grid_size = 64
    interp_steps = 10

    def __init__(self, config=None, data=None):
        super().__init__(config)
        c = self.config
        self.data = data if data is not None else load_digits_data(c.data or None)
        self.source = self.data.source
        imgs = self.data.images
        self.image_shape = imgs.shape[1:]
        self.x = (imgs.reshape(len(imgs), -1) * 2 - 1).astype(np.float32)  # pixels in [-1, 1]
        self.rng = np.random.default_rng(c.seed)
        n_pix = self.x.shape[1]
        self.G = MLP([c.noise_size, *c.g_hidden, n_pix], hidden=c.g_activation, output="tanh", rng=self.rng)
        self.D = MLP([n_pix, *c.d_hidden, 1], hidden=c.d_activation, output="identity", rng=self.rng)
        self.g_opt = Adam(lr=c.g_lr, beta1=c.beta1)
        self.d_opt = Adam(lr=c.d_lr, beta1=c.beta1)
        fixed_rng = np.random.default_rng([c.seed, 1])  # the fixed batch does not depend on training
        self.z_fixed = fixed_rng.uniform(-1, 1, (self.grid_size, c.noise_size)).astype(np.float32)
        self.interp_pair = (0, 1)  # indices into the fixed batch; a viewer may change them
        self.perm, self.pos = self.rng.permutation(len(self.x)), 0
        self.history_steps, self.history = [], []  # grids kept for the scrubber and the GIF (uint8)
        self.judge = None
        self.last = {}

    # --------------------------------------------------------------------------- training
    def _next_batch(self):
        b = self.config.batch_size
        if self.pos + b > len(self.perm):
            self.perm, self.pos = self.rng.permutation(len(self.x)), 0
        idx = self.perm[self.pos:self.pos + b]
        self.pos += b
        return self.x[idx]

    def _ensure_judge(self):
        if self.judge is None and self.data.labels is not None:
            n_classes = int(self.data.labels.max()) + 1
            self.judge = DigitClassifier(n_classes, rng=np.random.default_rng([self.config.seed, 2]))
            self.judge.fit(self.data.images, self.data.labels)

    def learning_rates(self, step=None):
        c, s = self.config, self.steps_done if step is None else step
        return (scheduled_lr(c.g_lr, s, c.schedule, c.decay_steps, c.decay_factor),
                scheduled_lr(c.d_lr, s, c.schedule, c.decay_steps, c.decay_factor))

    def train_step(self):
        """One discriminator and one generator update; returns the step's metrics."""
        c = self.config
        g_lr, d_lr = self.learning_rates()
        self.g_opt.lr, self.d_opt.lr = g_lr, d_lr
        real = self._next_batch()
        b = len(real)
        z = self.rng.uniform(-1, 1, (b, c.noise_size)).astype(np.float32)
        fake, g_cache = self.G.forward(z)

        # discriminator: real and fake in one pass; loss = BCE(D(x), real_label) + BCE(D(G(z)), 0)
        logits, d_cache = self.D.forward(np.concatenate([real, fake]))
        targets = np.concatenate([np.full((b, 1), c.real_label, np.float32), np.zeros((b, 1), np.float32)])
        loss, dlogits = bce_with_logits(logits, targets)
        d_loss = 2 * loss  # the mean over 2b is half the sum of the two means
        self._check_finite(discriminator_loss=d_loss)
        _, d_grads = self.D.backward(dlogits * 2, d_cache)
        self.d_opt.update(self.D.params, d_grads)

        # generator: through the updated discriminator, on the same fake batch
        logits_f, df_cache = self.D.forward(fake)
        if c.loss == "non_saturating":
            g_loss, dl = bce_with_logits(logits_f, 1.0)       # -log D(G(z))
        else:
            nl, dnl = bce_with_logits(logits_f, 0.0)          # log(1 - D(G(z))) = -BCE(s, 0)
            g_loss, dl = -nl, -dnl
        self._check_finite(generator_loss=g_loss)
        dfake, _ = self.D.backward(dl, df_cache, need_dx=True, param_grads=False)  # backprop into G(z)
        _, g_grads = self.G.backward(dfake, g_cache)
        self.g_opt.update(self.G.params, g_grads)
        self.steps_done += 1

        sig = 1 / (1 + np.exp(-np.clip(logits[:, 0], -60, 60)))
        return {"d_loss": d_loss, "g_loss": g_loss, "d_real": float(sig[:b].mean()),
                "d_fake": float(sig[b:].mean()), "g_lr": g_lr, "d_lr": d_lr}

    def samples(self, z=None):
        """Images from the generator for noise ``z`` (default: the fixed batch): (N, 28, 28) in [0, 1]."""
        out, _ = self.G.forward(self.z_fixed if z is None else z)
        return ((out + 1) * 0.5).reshape((-1,) + self.image_shape)

    def interpolation(self, i=None, j=None, n=None):
        """Samples along the straight line between fixed noise vectors i and j."""
        i, j = (self.interp_pair if i is None else (i, j))
        t = np.linspace(0, 1, n or self.interp_steps, dtype=np.float32)[:, None]
        z = (1 - t) * self.z_fixed[i] + t * self.z_fixed[j]
        return self.samples(z)

    def step(self):
        self._ensure_judge()
        metrics = self.train_step()
        metrics["it_per_s"] = self._tick_rate()
        arrays, text = {}, {}
        c, s = self.config, self.steps_done
        if s == 1 or s % c.preview_every == 0 or s % c.history_every == 0:
            grid = self.samples()
            arrays["grid"] = grid
            text["grid_step"] = str(s)
            arrays["interpolation"] = self.interpolation()
            if self.judge is not None:
                found, conf, counts = self.judge.diversity(grid)
                metrics.update(classes_found=found, mean_confidence=conf)
                arrays["class_counts"] = counts
                text["judge"] = f"judge: {len(counts)}-class MLP, {self.judge.val_accuracy:.1%} held-out accuracy"
            self.last = dict(metrics)
            if s == 1 or s % c.history_every == 0:
                g8 = (np.clip(grid, 0, 1) * 255 + 0.5).astype(np.uint8)
                g8.setflags(write=False)
                self.history_steps.append(s)
                self.history.append(g8)
        return Snapshot(s, metrics, arrays, text)

    # --------------------------------------------------------------------------- outputs
    def final_metrics(self):
        """Diversity of the current fixed-batch grid (for the command line's last line)."""
        self._ensure_judge()
        if self.judge is None:
            return {}
        found, conf, counts = self.judge.diversity(self.samples())
        return {"classes_found": found, "mean_confidence": conf, "class_counts": counts.tolist(),
                "judge_val_accuracy": self.judge.val_accuracy}

    def export_files(self, folder):
        """samples.npz, grid.png, interpolation.png and progress.gif (the kept grids) in ``folder``."""
        from pathlib import Path

        from ..atomic import atomic_path
        from ..export.images import save_gif, save_png, tile_grid

        folder = Path(folder)
        samples = self.samples().astype(np.float32)
        with atomic_path(folder / "samples.npz") as tmp:
            with open(tmp, "wb") as f:
                np.savez(f, samples=np.clip(samples, 0, 1), z=self.z_fixed, step=self.steps_done)
        save_png(folder / "grid.png", tile_grid(samples, 8), scale=4)
        save_png(folder / "interpolation.png", tile_grid(self.interpolation(), self.interp_steps), scale=4)
        written = [folder / "samples.npz", folder / "grid.png", folder / "interpolation.png"]
        if self.history:
            frames = [tile_grid(h.astype(np.float32) / 255, 8) for h in self.history]
            save_gif(folder / "progress.gif", frames, duration_ms=150, scale=2)
            written.append(folder / "progress.gif")
        return written

    # --------------------------------------------------------------------------- state
    def state_dict(self):
        hist = np.stack(self.history) if self.history else np.zeros((0, self.grid_size) + self.image_shape, np.uint8)
        return {"steps_done": self.steps_done, "rng": self.rng.bit_generator.state,
                "G": dict(self.G.params), "D": dict(self.D.params),
                "g_opt": self.g_opt.state_dict(), "d_opt": self.d_opt.state_dict(),
                "perm": self.perm, "pos": self.pos, "interp_pair": list(self.interp_pair),
                "history_steps": np.asarray(self.history_steps, np.int64), "history": hist}

    def load_state_dict(self, st):
        self.steps_done = int(st["steps_done"])
        self.rng.bit_generator.state = st["rng"]
        for net, key in ((self.G, "G"), (self.D, "D")):
            for k, v in st[key].items():
                if net.params[k].shape != v.shape:
                    raise ValueError(f"checkpoint {key}.{k} has shape {v.shape}, the config makes {net.params[k].shape}")
                net.params[k] = np.array(v, dtype=np.float32)
        self.g_opt.load_state_dict(st["g_opt"])
        self.d_opt.load_state_dict(st["d_opt"])
        self.perm, self.pos = np.array(st["perm"]), int(st["pos"])
        self.interp_pair = tuple(st.get("interp_pair", (0, 1)))
        self.history_steps = [int(s) for s in st["history_steps"]]
        self.history = [np.array(h) for h in st["history"]]
