"""Online against batch linear regression (SPEC §7): points of a line y = a x + b + noise arrive
one per step. Four learners watch the same stream:

- ``online_sgd``: one gradient step per new point on its squared error, with a decaying rate
  eta_t = eta0 / (1 + t / tau); the reported weights are the Polyak-Ruppert average of the iterates
  (what makes online SGD converge to the least-squares answer rather than jitter around it);
- ``rls``: recursive least squares (a rank-one update of the inverse Gram matrix per point, with
  a forgetting factor lambda <= 1; 1 = exact least squares on everything seen);
- ``batch_gd``: full-batch gradient descent on every point seen so far, a few steps per new point;
- ``lstsq``: the closed form on every point seen so far (``np.linalg.lstsq``).

The drifting preset changes the true line halfway: least squares on everything averages the two
lines, while the forgetting RLS (and SGD with a constant rate) follows the new one.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import RunFinished
from .base import Experiment, Snapshot, config_field
from .history import MetricHistory
from .registry import register

LEARNERS = ("online_sgd", "rls", "batch_gd", "lstsq")


@dataclass
class OnlineConfig:
    preset: str = config_field("default", "The preset", label="Preset")
    seed: int = config_field(0, "Seeds the stream", label="Seed", min=0, max=2**31 - 1)
    slope: float = config_field(1.5, "The true line's slope a", label="True slope", min=-100.0, max=100.0)
    intercept: float = config_field(-0.5, "The true line's intercept b", label="True intercept", min=-100.0,
                                    max=100.0)
    noise: float = config_field(0.3, "Standard deviation of the noise on y", label="Noise", min=0.0, max=100.0)
    drift: bool = config_field(False, "Halfway, the true line changes (slope -1, intercept 1)", label="Drift")
    samples: int = config_field(2000, "Points in the stream (one per step)", label="Samples", min=10,
                                max=1_000_000)
    sgd_lr: float = config_field(0.2, "Online SGD: the initial rate eta0", label="SGD rate", min=1e-6, max=10.0,
                                 log=True)
    sgd_tau: float = config_field(200.0, "Online SGD: the rate halves after tau points (0: constant rate)",
                                  label="SGD decay tau", min=0.0, max=1e9)
    forget: float = config_field(1.0, "RLS forgetting factor lambda (1: remember everything)", label="RLS lambda",
                                 min=0.5, max=1.0)
    batch_lr: float = config_field(0.1, "Batch gradient descent: step size", label="Batch GD rate", min=1e-6,
                                   max=10.0, log=True)
    batch_iters: int = config_field(5, "Batch gradient descent: steps per new point", label="Batch GD steps",
                                    min=1, max=1000)


@register
class OnlineRegressionExperiment(Experiment):
    name = "online-regression"
    title = "Online vs batch regression"
    Config = OnlineConfig
    presets = {"default": {}, "drift": {"drift": True, "forget": 0.98, "sgd_tau": 0.0, "sgd_lr": 0.02}}
    preset_notes = {"default": "a fixed line, 2,000 points: every learner ends at least squares",
                    "drift": "the line changes halfway: forgetting RLS and constant-rate SGD follow it"}

    def __init__(self, config=None):
        super().__init__(config)
        c = self.config
        rng = np.random.default_rng([c.seed, 2])
        self.xs = rng.uniform(-2, 2, c.samples)
        self.true_w = np.tile([c.slope, c.intercept], (c.samples, 1)).astype(np.float64)
        if c.drift:
            self.true_w[c.samples // 2:] = [-1.0, 1.0]
        self.ys = self.true_w[:, 0] * self.xs + self.true_w[:, 1] + c.noise * rng.standard_normal(c.samples)
        self.source = (f"built-in: a stream of {c.samples} points of y = {c.slope:g} x + {c.intercept:g} + noise "
                       f"{c.noise:g}" + (" (drifting halfway)" if c.drift else ""))
        self.w = {k: np.zeros(2) for k in LEARNERS}
        self.sgd_w = np.zeros(2)                       # the SGD iterate (w["online_sgd"] is its average)
        self.P = np.eye(2) * 1e6                       # RLS: inverse Gram matrix, a vague prior
        self.paths = {k: [np.zeros(2)] for k in LEARNERS}
        self.history = MetricHistory()

    @property
    def total_steps(self):
        return self.config.samples

    def _features(self, n):
        return np.stack([self.xs[:n], np.ones(n)], axis=1)

    def step(self):
        c = self.config
        if self.steps_done >= c.samples:
            raise RunFinished(f"the stream ended after its {c.samples} points: Reset with more samples to go on")
        t = self.steps_done
        phi, y = np.array([self.xs[t], 1.0]), self.ys[t]
        lr = c.sgd_lr / (1 + t / c.sgd_tau) if c.sgd_tau > 0 else c.sgd_lr
        self.sgd_w -= lr * (phi @ self.sgd_w - y) * phi                       # online SGD on this point
        self.w["online_sgd"] += (self.sgd_w - self.w["online_sgd"]) / (t + 1) if c.sgd_tau > 0 else \
            self.sgd_w - self.w["online_sgd"]                                  # Polyak average (decaying rate)
        Pphi = self.P @ phi                                                    # RLS: rank-one update
        k = Pphi / (c.forget + phi @ Pphi)
        self.w["rls"] += k * (y - phi @ self.w["rls"])
        self.P = (self.P - np.outer(k, Pphi)) / c.forget
        X, Y = self._features(t + 1), self.ys[:t + 1]
        for _ in range(c.batch_iters):                                         # batch GD on all points so far
            self.w["batch_gd"] -= c.batch_lr * X.T @ (X @ self.w["batch_gd"] - Y) / len(Y)
        self.w["lstsq"] = np.linalg.lstsq(X, Y, rcond=None)[0]
        self.steps_done += 1
        for k_ in LEARNERS:
            self.paths[k_].append(self.w[k_].copy())
        metrics = {}
        for k_ in LEARNERS:
            metrics[f"slope/{k_}"], metrics[f"intercept/{k_}"] = self.w[k_]
            if k_ != "lstsq":
                metrics[f"distance/{k_}"] = self.distance(k_)
            metrics[f"to_truth/{k_}"] = float(np.linalg.norm(self.w[k_] - self.true_w[t]))
        arrays = {"point": np.array([self.xs[t], y]), "true_w": self.true_w[t]}
        self.history.add(self.steps_done, metrics)
        return Snapshot(self.steps_done, metrics, arrays)

    def distance(self, learner):
        """|w - w_lstsq| / |w_lstsq|: how far from the closed form on the points seen so far."""
        ref = self.w["lstsq"]
        return float(np.linalg.norm(self.w[learner] - ref) / max(np.linalg.norm(ref), 1e-12))

    def loss_grid(self, n=80):
        """Mean squared error over the points seen so far on a grid of (slope, intercept), from the
        moments of the data: mean((Xw - y)²) = wᵀ(XᵀX/t)w − 2wᵀ(Xᵀy/t) + mean(y²), so the cost does
        not grow with the points seen (the GUI draws it)."""
        t = max(self.steps_done, 1)
        X, Y = self._features(t), self.ys[:t]
        G, h, yy = X.T @ X / t, X.T @ Y / t, float(Y @ Y) / t
        a = np.linspace(-3, 3, n)
        b = np.linspace(-3, 3, n)
        A, B = np.meshgrid(a, b)
        mse = G[0, 0] * A * A + 2 * G[0, 1] * A * B + G[1, 1] * B * B - 2 * (h[0] * A + h[1] * B) + yy
        return a, b, np.log1p(np.maximum(mse, 0.0))

    def final_metrics(self):
        return {k: {"weights": self.w[k].tolist(), "distance_to_lstsq": self.distance(k),
                    "distance_to_truth": float(np.linalg.norm(self.w[k] - self.true_w[max(self.steps_done - 1, 0)]))}
                for k in LEARNERS} | {"samples": self.steps_done}

    def export_files(self, folder):
        from ..export.tables import write_csv
        folder = Path(folder)
        rows = [[i, k, *p] for k in LEARNERS for i, p in enumerate(self.paths[k])]
        write_csv(folder / "weight-paths.csv", ["samples", "learner", "slope", "intercept"], rows)
        return [folder / "weight-paths.csv", self.history.write_csv(folder / "curves.csv")]

    def state_dict(self):
        return {"steps_done": self.steps_done, "w": dict(self.w), "sgd_w": self.sgd_w, "P": self.P,
                "paths": {k: np.array(v) for k, v in self.paths.items()}, "history": self.history.state_dict()}

    def load_state_dict(self, st):
        self.steps_done = int(st["steps_done"])
        self.w = {k: np.array(v, np.float64) for k, v in st["w"].items()}
        self.sgd_w, self.P = np.array(st["sgd_w"]), np.array(st["P"])
        self.paths = {k: list(np.array(v)) for k, v in st["paths"].items()}
        self.history.load_state_dict(st["history"])
