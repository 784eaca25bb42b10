"""Residual nets are polynomials (seed 001, "understanding networks, residual connections and
activations from function approximation"): fit a target on [-1, 1] with

- ``plain-x2``: the scalar chain F_i = (w_i F_{i-1})^2, a single monomial c x^(2^n);
- ``residual-x2-scalar``: the scalar chain with skips, F_i = (w_i F_{i-1})^2 + F_{i-1}, a full
  polynomial whose n + 3 weights reach only a thin family of them;
- ``residual-x2``: the same with k units per layer (k x k weights);
- ``residual-relu2``: k units, ReLU^2 with biases and skips (a piecewise polynomial);
- ``legendre`` / ``chebyshev``: the least-squares projections of the same degree 2^n.

Every network is trained at every depth 1..6 side by side (one initialisation per depth, Adam, the
same points); the view follows the chosen depth. The x^2 networks are expanded exactly into
power-basis coefficients and shown beside the Legendre projection's, with the largest difference
between the network and its expansion as the check. Errors are the unweighted L2 RMSE over
[-1, 1] (Gauss-Legendre quadrature), which the Legendre projection minimises over every polynomial
of its degree: a network that is such a polynomial can at best match it.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..nn.residual_chain import ResidualChain
from ..optim import Adam, scheduled_lr
from ..stats.orthogonal import chebyshev_projection, l2_rmse, legendre_projection, power_coefficients
from .base import Experiment, Snapshot, config_field
from .history import MetricHistory
from .registry import register

TARGETS = {"sin3x": "np.sin(3 * x)", "exp": "np.exp(x)", "abs": "np.abs(x)", "step": "np.where(x < 0, -0.5, 0.5)",
           "runge": "1 / (1 + 25 * x**2)"}
NETS = {"plain-x2": ("plain-x2", 1), "residual-x2-scalar": ("residual-x2", 1), "residual-x2": ("residual-x2", None),
        "residual-relu2": ("residual-relu2", None)}
PROJECTIONS = ("legendre", "chebyshev")
FITS = (*NETS, *PROJECTIONS)
DEPTHS = range(1, 7)
_NAMESPACE = {"np": np, "pi": np.pi, "e": np.e, **{f: getattr(np, f) for f in (
    "sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "arctan", "sign", "where", "maximum", "minimum")}}


def target_function(target, expression=""):
    """The target as a vectorised callable on [-1, 1]; ``expression`` is NumPy text in x (e.g.
    ``np.sin(5 * x) * x``) used when target is 'expression'. Raises DataError naming the text."""
    text = expression.strip() if target == "expression" else TARGETS.get(target)
    if not text:
        raise DataError(f"target {target!r}: choose one of {', '.join([*TARGETS, 'expression'])}"
                        if target != "expression" else "target 'expression': type a NumPy expression in x")
    try:
        code = compile(text, "<target>", "eval")
    except SyntaxError as e:
        raise DataError(f"target expression {text!r}: {e.msg}") from None

    def f(x):
        with np.errstate(all="ignore"):  # a division by zero shows as "not finite" below
            return np.broadcast_to(np.asarray(eval(code, {"__builtins__": {}}, {**_NAMESPACE, "x": x}), np.float64),
                               np.shape(x))
    try:
        y = f(np.linspace(-1, 1, 101))
    except Exception as e:  # the user's text: any error is a message, not a traceback
        raise DataError(f"target expression {text!r}: {type(e).__name__}: {e}") from None
    if not np.all(np.isfinite(y)):
        raise DataError(f"target expression {text!r}: not finite everywhere on [-1, 1]")
    return f, text


@dataclass
class PolynomialConfig:
    preset: str = config_field("default", "The preset", label="Preset")
    target: str = config_field("sin3x", "The function to fit on [-1, 1]", label="Target",
                               choices=[*TARGETS, "expression"])
    expression: str = config_field("np.sin(5 * x) * x", "NumPy expression in x, used when the target is 'expression'",
                                   label="Expression")
    depth: int = config_field(3, "Layers n shown (every depth 1..6 trains, so this only switches the view; "
                                 "degree 2^n)", label="Depth",
                              min=1, max=6, slider=True, view=True)
    width: int = config_field(8, "Units per layer of the residual x² net and the ReLU² net (the scalar chains have 1)",
                              label="Width", min=2, max=64)
    points: int = config_field(256, "Training points, evenly spaced on [-1, 1]", label="Points", min=16, max=100_000)
    lr: float = config_field(1e-2, "Adam learning rate (every network), decayed on a cosine to 5 % by the last step",
                             label="Learning rate", min=1e-6, max=1.0,
                             log=True)
    clip: float = config_field(1.0, "Largest gradient norm per network and step (x² chains are stiff)",
                               label="Gradient clip", min=1e-3, max=1e6, log=True)
    steps: int = config_field(4000, "Steps the run plans", label="Steps", min=1, max=1_000_000)
    seed: int = config_field(0, "Seeds the initialisations", label="Seed", min=0, max=2**31 - 1)
    preview_every: int = config_field(50, "Steps between redraws of the fits and coefficients", label="Preview every",
                                      min=1, max=100_000)


@register
class PolynomialExperiment(Experiment):
    name = "polynomial"
    title = "Residual nets as polynomials"
    Config = PolynomialConfig
    presets = {"default": {}, "runge": {"target": "runge"}, "abs": {"target": "abs"}, "exp": {"target": "exp"},
               "step": {"target": "step"}}
    preset_notes = {"default": "sin 3x at depth 3 (degree 8): the plain x² chain is one even monomial, the residual "
                               "chain a full polynomial",
                    "runge": "Runge's 1/(1+25x²): hard for any polynomial; Legendre and Chebyshev weight the ends "
                             "differently",
                    "abs": "|x|: a kink, slow polynomial convergence",
                    "exp": "eˣ: smooth, every method converges fast",
                    "step": "a jump: Gibbs overshoot in every polynomial fit"}

    def __init__(self, config=None):
        super().__init__(config)
        c = self.config
        if c.depth not in DEPTHS:
            raise DataError(f"depth {c.depth}: choose 1 to {DEPTHS[-1]} (every one of them trains; degree 2^depth)")
        self.f, self.expression = target_function(c.target, c.expression)
        self.source = f"built-in: y = {self.expression} on [-1, 1], {c.points} points"
        self.x = np.linspace(-1, 1, c.points).astype(np.float32)
        self.y = self.f(self.x).astype(np.float32)
        self.grid = np.linspace(-1, 1, 401)
        self.rng = np.random.default_rng(c.seed)
        self.nets, self.opts, self.diverged = {}, {}, {}
        for d in DEPTHS:
            for name, (kind, width) in NETS.items():
                key = (name, d)
                self.nets[key] = ResidualChain(kind, d, width or c.width, rng=np.random.default_rng([c.seed, d]))
                self.opts[key] = Adam(lr=c.lr)
                self.diverged[key] = 0
        self.projections = {(p, d): (legendre_projection if p == "legendre" else chebyshev_projection)(self.f, 2 ** d)
                            for p in PROJECTIONS for d in DEPTHS}
        self._projection_rmse = {key: l2_rmse(self.f, proj) for key, proj in self.projections.items()}
        self.history = MetricHistory()
        self._expansions = {}

    @property
    def total_steps(self):
        return self.config.steps

    # ------------------------------------------------------------------ errors and expansions
    def rmse(self, fit, depth):
        """Unweighted L2 RMSE over [-1, 1] of one fit against the target."""
        if fit in PROJECTIONS:
            return self._projection_rmse[(fit, depth)]
        return l2_rmse(self.f, self.network_function(fit, depth))

    def network_function(self, fit, depth):
        """The trained network as a float64 callable (the expansion check compares against this)."""
        net = self.nets[(fit, depth)]
        p64 = {k: v.astype(np.float64) for k, v in net.params.items()}
        return lambda x: net.forward(np.asarray(x, np.float64), p64)[0]

    def curve(self, fit, depth):
        if fit in PROJECTIONS:
            return self.projections[(fit, depth)](self.grid)
        return self.network_function(fit, depth)(self.grid)

    def expansion(self, fit, depth):
        """(power-basis coefficients, max |network(x) - expansion(x)| over the grid) for an x^2 net,
        computed once per step."""
        key = (fit, depth, self.steps_done)
        if key not in self._expansions:
            if len(self._expansions) > 64:
                self._expansions.clear()
            poly = self.nets[(fit, depth)].as_polynomial()
            err = float(np.max(np.abs(self.network_function(fit, depth)(self.grid) - poly(self.grid))))
            self._expansions[key] = (poly.coef, err)
        return self._expansions[key]

    def expansion_error(self, depth=None):
        """The largest |network - expansion| of the x^2 networks at the chosen depth (or all depths)."""
        depths = DEPTHS if depth is None else [depth]
        return max(self.expansion(fit, d)[1] for fit in NETS if self.nets[(fit, 1)].expandable for d in depths)

    # ------------------------------------------------------------------ protocol
    def step(self):
        c = self.config
        metrics = {}
        lr = scheduled_lr(c.lr, self.steps_done, "cosine", c.steps, 0.05)
        for key, net in self.nets.items():
            if self.diverged[key]:
                continue
            self.opts[key].lr = lr
            pred, cache = net.forward(self.x)
            err = pred - self.y
            loss = float(np.mean(err * err))
            grads = net.backward(2 * err / len(err), cache)
            norm = float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))
            if not (np.isfinite(loss) and np.isfinite(norm)):
                self.diverged[key] = self.steps_done + 1             # keep its last finite weights
                continue
            if norm > c.clip:
                for g in grads.values():
                    g *= np.float32(c.clip / norm)
            self.opts[key].update(net.params, grads)
            metrics[f"loss_d{key[1]}/{key[0]}"] = loss
        self.steps_done += 1
        arrays, tables = {}, {}
        if self.steps_done % c.preview_every == 0 or self.steps_done in (1, c.steps):
            # every depth, so that a viewer switches depth without waiting for the next preview
            for d in DEPTHS:
                for fit in FITS:
                    metrics[f"rmse_d{d}/{fit}"] = self.rmse(fit, d)
                    arrays[f"fit_d{d}/{fit}"] = self.curve(fit, d)
                arrays.update(self.coefficient_arrays(d))
                metrics[f"expansion_error_d{d}"] = self.expansion_error(d)
                tables[f"fits_d{d}"] = self.fit_rows(d)
        if self.steps_done == 1:
            arrays.update(grid=self.grid, target=self.f(self.grid), x=self.x, y=self.y)
        self.history.add(self.steps_done, metrics)
        return Snapshot(self.steps_done, metrics, arrays, tables=tables)

    def coefficient_arrays(self, depth):
        """coef_d{depth}/{name}: power-basis coefficients c_0..c_(2^depth) of the Legendre projection and
        of the expanded x^2 networks."""
        d = depth
        out = {f"coef_d{d}/legendre": power_coefficients(self.projections[("legendre", d)], 2 ** d)}
        for fit in ("residual-x2", "residual-x2-scalar", "plain-x2"):
            out[f"coef_d{d}/{fit}"] = np.pad(self.expansion(fit, d)[0], (0, 2 ** d + 1))[: 2 ** d + 1]
        return out

    def fit_rows(self, depth):
        d = depth
        best = self.rmse("legendre", d)
        rows = []
        for fit in FITS:
            r = self.rmse(fit, d)
            rows.append({"fit": fit, "degree": 2 ** d, "rmse": r, "vs_legendre": r / best if best > 0 else float("nan"),
                         "diverged_at": self.diverged.get((fit, d), 0)})
        return rows

    def final_metrics(self):
        d = self.config.depth
        return {"target": self.expression, "depth": d,
                "fits": {fit: {"rmse": self.rmse(fit, d), "degree": 2 ** d} for fit in FITS},
                "rmse_by_depth": {fit: {str(k): self.rmse(fit, k) for k in DEPTHS} for fit in FITS},
                "expansion_max_abs_error": self.expansion_error(d),
                "output_scale": float(np.max(np.abs(self.f(self.grid)))),
                "diverged": {f"{fit}@{k}": s for (fit, k), s in self.diverged.items() if s}}

    def export_files(self, folder):
        from ..export.tables import write_csv
        folder = Path(folder)
        d = self.config.depth
        write_csv(folder / "fits.csv", ["x", "target", *FITS],
                  [[float(g), float(t), *map(float, row)] for g, t, row in
                   zip(self.grid, self.f(self.grid), np.stack([self.curve(f, d) for f in FITS], axis=1))])
        write_csv(folder / "rmse_by_depth.csv", ["depth", "degree", *FITS],
                  [[k, 2 ** k, *[self.rmse(f, k) for f in FITS]] for k in DEPTHS])
        coef = self.coefficient_arrays(d)
        names = ["legendre", "residual-x2", "residual-x2-scalar", "plain-x2"]
        write_csv(folder / "coefficients.csv", ["power", *names],
                  [[p, *[float(coef[f"coef_d{d}/{n}"][p]) for n in names]] for p in range(2 ** d + 1)])
        return [folder / "fits.csv", folder / "rmse_by_depth.csv", folder / "coefficients.csv",
                self.history.write_csv(folder / "curves.csv")]

    def state_dict(self):
        return {"steps_done": self.steps_done,
                "nets": {f"{n}@{d}": net.params for (n, d), net in self.nets.items()},
                "opts": {f"{n}@{d}": o.state_dict() for (n, d), o in self.opts.items()},
                "diverged": {f"{n}@{d}": s for (n, d), s in self.diverged.items()},
                "history": self.history.state_dict()}

    def load_state_dict(self, st):
        self.steps_done = int(st["steps_done"])
        for (n, d), net in self.nets.items():
            key = f"{n}@{d}"
            net.params = {k: np.array(v, np.float32) for k, v in st["nets"][key].items()}
            self.opts[(n, d)].load_state_dict(st["opts"][key])
            self.diverged[(n, d)] = int(st["diverged"][key])
        self.history.load_state_dict(st["history"])
