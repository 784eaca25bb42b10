"""L1/L2 losses x L1/L2 regularisation (seed: "Only Numpy: implementing L1/L2 norm/regularization
... with interactive code"): one regression network 1 -> 100 -> 104 -> 200 -> 1 (arctan hidden
activations, identity output), six cases from one initialisation on one noisy 1-D set with
outliers, trained side by side on the same minibatches with Adam:

    l1, l2 (no penalty), l1+l1reg, l2+l2reg, l1+l2reg, l2+l1reg

The L1 loss and the L1 penalty use the real subgradient of |x|: sign(x), 0 at 0 (the seed "broke
the rule" and used a non-zero value there). What to see: the penalised nets keep much smaller
weights (sum |W|), the L1 penalty drives weights to exactly near zero (a spike in the histogram),
and the L1 loss, which weighs an outlier by 1 instead of by its squared distance, follows the
clean curve best.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..nn.losses import l1_loss, l2_loss
from ..nn.mlp import MLP
from ..optim import Adam
from .base import Experiment, Snapshot, config_field
from .history import MetricHistory
from .registry import register

CASES = ("l1", "l2", "l1+l1reg", "l2+l2reg", "l1+l2reg", "l2+l1reg")


def target_curve(x):
    """The clean function the noisy points come from."""
    return np.sin(1.5 * x) + 0.3 * x


@dataclass
class RegularizationConfig:
    preset: str = config_field("default", "The preset", label="Preset")
    seed: int = config_field(0, "Seeds the data, the shared initialisation and the batches", label="Seed", min=0,
                             max=2**31 - 1)
    n_points: int = config_field(200, "Training points", label="Points", min=20, max=100_000)
    noise: float = config_field(0.15, "Standard deviation of the noise on y", label="Noise", min=0.0, max=10.0)
    outliers: float = config_field(0.1, "Fraction of points moved far off the curve", label="Outlier fraction",
                                   min=0.0, max=0.5)
    hidden: list = config_field([100, 104, 200], "Hidden layer sizes (the seed's 100, 104, 200)", label="Hidden")
    lam_l1: float = config_field(1e-4, "Weight of the L1 penalty lambda sum |W|", label="L1 penalty", min=1e-9,
                                 max=10.0, log=True)
    lam_l2: float = config_field(1e-3, "Weight of the L2 penalty lambda/2 sum W^2", label="L2 penalty", min=1e-9,
                                 max=10.0, log=True)
    lr: float = config_field(2e-3, "Adam learning rate (every case)", label="Learning rate", min=1e-7, max=1.0,
                             log=True)
    batch_size: int = config_field(32, "Points per minibatch", label="Batch size", min=1, max=100_000)
    steps: int = config_field(3000, "Steps the run plans", label="Steps", min=1, max=1_000_000)
    preview_every: int = config_field(25, "Steps between redraws of the fitted curves and histograms",
                                      label="Preview every", min=1, max=100_000)


@register
class RegularizationExperiment(Experiment):
    name = "regularization"
    title = "L1/L2 loss × regularisation"
    Config = RegularizationConfig
    presets = {"default": {}, "no-outliers": {"outliers": 0.0}, "strong-penalty": {"lam_l1": 1e-3, "lam_l2": 1e-2}}
    preset_notes = {"default": "200 points, 10 % outliers, six cases from one initialisation",
                    "no-outliers": "the same without outliers: the L1 loss loses its edge",
                    "strong-penalty": "ten times the penalties: flatter fits, far smaller weights"}

    def __init__(self, config=None):
        super().__init__(config)
        c = self.config
        drng = np.random.default_rng([c.seed, 1])
        self.x = np.sort(drng.uniform(-3, 3, c.n_points)).astype(np.float32)
        self.y = (target_curve(self.x) + c.noise * drng.standard_normal(c.n_points)).astype(np.float32)
        n_out = int(round(c.outliers * c.n_points))
        self.outlier_idx = np.sort(drng.choice(c.n_points, n_out, replace=False)) if n_out else np.zeros(0, int)
        self.y[self.outlier_idx] += (drng.choice([-1, 1], n_out) * drng.uniform(2.0, 4.0, n_out)).astype(np.float32)
        self.grid = np.linspace(-3, 3, 400).astype(np.float32)
        self.clean = target_curve(self.grid).astype(np.float32)
        self.source = (f"built-in: {c.n_points} points of sin(1.5x) + 0.3x with noise {c.noise:g} and "
                       f"{n_out} outliers")
        self.rng = np.random.default_rng(c.seed)
        init = MLP([1, *c.hidden, 1], hidden="arctan", output="identity", rng=self.rng, init="xavier")
        self.nets, self.opts = {}, {}
        for case in CASES:  # one initialisation, copied byte for byte
            self.nets[case], self.opts[case] = init.clone(), Adam(lr=c.lr)
        self.history = MetricHistory()

    @property
    def total_steps(self):
        return self.config.steps

    @staticmethod
    def parts(case):
        loss, _, reg = case.partition("+")
        return loss, reg.removesuffix("reg") or None

    def predict(self, case, x):
        return self.nets[case].forward(np.asarray(x, np.float32)[:, None])[0][:, 0]

    def sum_abs_w(self, case):
        return float(sum(np.abs(v).sum() for k, v in self.nets[case].params.items() if k.startswith("W")))

    def test_rmse(self, case):
        """RMSE of the fit against the clean curve (not the noisy points) on a dense grid."""
        return float(np.sqrt(np.mean((self.predict(case, self.grid) - self.clean) ** 2)))

    def full_loss(self, case):
        """The case's own loss over every training point (what its minibatch losses estimate)."""
        pred = self.predict(case, self.x)
        err = pred - self.y
        return float(np.mean(np.abs(err))) if self.parts(case)[0] == "l1" else float(np.mean(err * err)) / 2

    def step(self):
        c = self.config
        idx = self.rng.integers(0, len(self.x), c.batch_size)  # the same batch for every case
        xb, yb = self.x[idx][:, None], self.y[idx][:, None]
        metrics = {}
        for case in CASES:
            net = self.nets[case]
            kind, reg = self.parts(case)
            pred, cache = net.forward(xb)
            loss, dpred = (l1_loss if kind == "l1" else l2_loss)(pred, yb)
            self._check_finite(**{f"{case}_loss": loss})
            _, grads = net.backward(dpred, cache)
            penalty = 0.0
            for k, w in net.params.items():
                if not k.startswith("W") or reg is None:
                    continue
                if reg == "l1":
                    penalty += c.lam_l1 * float(np.abs(w).sum())
                    grads[k] += np.float32(c.lam_l1) * np.sign(w)  # the subgradient of |w|: 0 at 0
                else:
                    penalty += 0.5 * c.lam_l2 * float(np.sum(w * w))
                    grads[k] += np.float32(c.lam_l2) * w
            self.opts[case].update(net.params, grads)
            metrics[f"loss/{case}"] = loss
            metrics[f"objective/{case}"] = loss + penalty
        self.steps_done += 1
        arrays = {}
        if self.steps_done % c.preview_every == 0 or self.steps_done == 1:
            for case in CASES:
                arrays[f"fit/{case}"] = self.predict(case, self.grid)
                w = np.concatenate([v.ravel() for k, v in self.nets[case].params.items() if k.startswith("W")])
                arrays[f"weights_hist/{case}"] = np.histogram(np.clip(w, -1, 1), bins=np.linspace(-1, 1, 81))[0]
                metrics[f"sum_abs_w/{case}"] = self.sum_abs_w(case)
                metrics[f"test_rmse/{case}"] = self.test_rmse(case)
                metrics[f"full_loss/{case}"] = self.full_loss(case)
        if self.steps_done == 1:
            arrays.update(x=self.x, y=self.y, outliers=self.outlier_idx, grid=self.grid, clean=self.clean)
        self.history.add(self.steps_done, metrics)
        return Snapshot(self.steps_done, metrics, arrays)

    def final_metrics(self):
        return {"runs": {case: {"loss": self.full_loss(case), "sum_abs_w": self.sum_abs_w(case),
                                "test_rmse": self.test_rmse(case)} for case in CASES},
                "outliers": len(self.outlier_idx)}

    def export_files(self, folder):
        from ..export.tables import write_csv
        folder = Path(folder)
        write_csv(folder / "regularization.csv", ["case", "loss", "sum_abs_w", "test_rmse"],
                  [[case, r["loss"], r["sum_abs_w"], r["test_rmse"]] for case, r in self.final_metrics()["runs"].items()])
        write_csv(folder / "fits.csv", ["x", "clean", *CASES],
                  [[float(g), float(cl), *map(float, row)] for g, cl, row in
                   zip(self.grid, self.clean, np.stack([self.predict(c, self.grid) for c in CASES], axis=1))])
        return [folder / "regularization.csv", folder / "fits.csv", self.history.write_csv(folder / "curves.csv")]

    def state_dict(self):
        return {"steps_done": self.steps_done, "rng": self.rng.bit_generator.state,
                "nets": {c: n.params for c, n in self.nets.items()},
                "opts": {c: o.state_dict() for c, o in self.opts.items()},
                "history": self.history.state_dict()}

    def load_state_dict(self, st):
        self.steps_done = int(st["steps_done"])
        self.rng.bit_generator.state = st["rng"]
        for c, params in st["nets"].items():
            self.nets[c].params = {k: np.array(v, np.float32) for k, v in params.items()}
            self.opts[c].load_state_dict(st["opts"][c])
        self.history.load_state_dict(st["history"])
