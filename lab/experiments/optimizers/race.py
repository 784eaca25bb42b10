"""The optimizer race (seed: "Only Numpy: implementing and comparing gradient descent
optimization algorithms + Google Brain's gradient noise"): one 3-layer network (ELU, tanh, then
the logistic/softmax output) classifies MNIST 0 vs 1, and twelve optimizers start from one
byte-identical initialisation and train in lockstep on the same minibatches.

(a) SGD, (b) momentum, (c) Nesterov, (d) Adagrad, (e) Adadelta, (f) RMSProp, (g) Adam, (h) Nadam,
(i) SGD + annealed Gaussian gradient noise (Neelakantan et al. 2015: sigma_t^2 = eta / (1 + t)^gamma),
(j) the seed author's "noise training": SGD on the gradient plus (centred) Gumbel noise,
(k) noise training + the annealed Gaussian noise, (l) Adam + noise training.
A run whose cost stops being finite or climbs above 100 times its first value, or whose weights
leave +-1e6 (on their way to float32 overflow), is marked diverged at that step and stops; the
others go on.
"""

from dataclasses import dataclass

import numpy as np

from ...data.mnist import load_digits_data
from ...errors import DataError
from ...nn.losses import softmax_cross_entropy
from ...nn.mlp import MLP
from ...optim import GradientNoise, GumbelNoise, make_optimizer
from ..base import Experiment, Snapshot, config_field
from ..history import MetricHistory
from ..registry import register

RUNS = ("sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam", "nadam", "gradient-noise",
        "noise-training", "noise-training+gaussian", "adam+noise-training")
WEIGHT_LIMIT = 1e6  # a weight beyond this (or a NaN) means the run has diverged: float32 overflow is near
COST_LIMIT = 100    # ... and so does a cost above 100 times the run's first one
LR_DEFAULTS = {"sgd": 0.1, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.01, "adadelta": 1.0, "rmsprop": 1e-3,
               "adam": 1e-3, "nadam": 1e-3, "gradient-noise": 0.1, "noise-training": 0.01,
               "noise-training+gaussian": 0.01, "adam+noise-training": 1e-3}


def _lr_field(name):
    return config_field(LR_DEFAULTS[name], f"Learning rate of {name}", label=f"LR {name}", min=1e-8, max=10.0,
                        log=True)


@dataclass
class RaceConfig:
    preset: str = config_field("default", "The preset", label="Preset")
    data: str = config_field("", "MNIST-format IDX folder or images file; empty: found files or the built-in digits",
                             label="Data", kind="path")
    classes: str = config_field("0-1", "Which digits: 0 against 1 (the seed), or all ten", label="Digits",
                                choices=["0-1", "0-9"])
    seed: int = config_field(0, "Seeds the split, the one shared initialisation, the batches and the noise",
                             label="Seed", min=0, max=2**31 - 1)
    race: list = config_field(list(RUNS), "The optimizers that race", label="Optimizers", choices=list(RUNS))
    steps: int = config_field(2000, "Steps the run plans", label="Steps", min=1, max=1_000_000)
    batch_size: int = config_field(64, "Images per minibatch (the same batch for every optimizer)",
                                   label="Batch size", min=1, max=4096)
    hidden: list = config_field([64, 32], "Sizes of the ELU and tanh hidden layers", label="Hidden")
    eval_every: int = config_field(50, "Steps between test-set evaluations", label="Evaluate every", min=1,
                                   max=100_000)
    mu: float = config_field(0.9, "Momentum and Nesterov: the velocity's decay", label="Momentum mu", min=0.0,
                             max=0.999)
    noise_eta: float = config_field(0.01, "Gradient noise: eta in sigma_t^2 = eta / (1 + t)^gamma (0.01, 0.3 or 1 "
                                          "in the paper)", label="Noise eta", min=0.0, max=10.0)
    noise_gamma: float = config_field(0.55, "Gradient noise: the annealing exponent gamma", label="Noise gamma",
                                      min=0.0, max=2.0)
    gumbel_beta: float = config_field(0.1, "Noise training: the scale of the Gumbel noise added to the gradient",
                                      label="Gumbel beta", min=0.0, max=10.0)
    lr_sgd: float = _lr_field("sgd")
    lr_momentum: float = _lr_field("momentum")
    lr_nesterov: float = _lr_field("nesterov")
    lr_adagrad: float = _lr_field("adagrad")
    lr_adadelta: float = _lr_field("adadelta")
    lr_rmsprop: float = _lr_field("rmsprop")
    lr_adam: float = _lr_field("adam")
    lr_nadam: float = _lr_field("nadam")
    lr_gradient_noise: float = _lr_field("gradient-noise")
    lr_noise_training: float = _lr_field("noise-training")
    lr_noise_training_gaussian: float = _lr_field("noise-training+gaussian")
    lr_adam_noise_training: float = _lr_field("adam+noise-training")


def lr_key(name):
    """The config field of a run's learning rate: "noise-training+gaussian" -> "lr_noise_training_gaussian"."""
    return "lr_" + name.replace("+", "_").replace("-", "_")


def make_run_optimizer(name, c, rng, lr=None):
    """The optimizer of run ``name`` from the config (``lr`` overrides its learning rate)."""
    lr = getattr(c, lr_key(name)) if lr is None else lr
    rule = {"gradient-noise": "sgd", "noise-training": "sgd", "noise-training+gaussian": "sgd",
            "adam+noise-training": "adam"}.get(name, name)       # the update rule under the noise
    opt = make_optimizer(rule, lr, **({"mu": c.mu} if rule in ("momentum", "nesterov") else {}))
    if name in ("noise-training", "noise-training+gaussian", "adam+noise-training"):
        opt = GumbelNoise(opt, beta=c.gumbel_beta, rng=rng)
    if name in ("gradient-noise", "noise-training+gaussian"):
        opt = GradientNoise(opt, eta=c.noise_eta, gamma=c.noise_gamma, rng=rng)
    return opt


def digit_split(images, labels, classes, seed, n_train=8000, n_test=2000):
    """The seed's data: the set split n_train/n_test by the seed, then (for "0-1") only 0s and 1s."""
    n = len(images)
    order = np.random.default_rng([seed, 7]).permutation(n)
    n_train = min(n_train, n - max(1, min(n_test, n // 5)))
    tr, te = order[:n_train], order[n_train:n_train + n_test]
    if classes == "0-1":
        tr, te = tr[labels[tr] <= 1], te[labels[te] <= 1]
    x = images.reshape(n, -1).astype(np.float32)
    return x[tr], labels[tr].astype(np.int64), x[te], labels[te].astype(np.int64)


@register
class RaceExperiment(Experiment):
    name = "optimizers"
    title = "Optimizer race"
    Config = RaceConfig
    presets = {"default": {}, "0-9": {"classes": "0-9", "steps": 3000},
               "seed-noise-lr": {"lr_noise_training": 1e-5, "lr_noise_training_gaussian": 1e-5,
                                 "lr_adam_noise_training": 1e-5, "gumbel_beta": 1.0}}
    preset_notes = {"default": "MNIST 0 vs 1, twelve optimizers from one initialisation, 2,000 steps",
                    "0-9": "all ten digits",
                    "seed-noise-lr": "the seed's learning rate 1e-5 for the three noise-training runs"}

    def __init__(self, config=None, data=None):
        super().__init__(config)
        c = self.config
        unknown = set(c.race) - set(RUNS)
        if unknown or not c.race:
            raise DataError(f"choose optimizers from {', '.join(RUNS)} (got {', '.join(c.race) or 'none'})")
        self.data = data if data is not None else load_digits_data(c.data or None)
        self.source = self.data.source
        if self.data.labels is None:
            raise DataError(f"{self.source}: the race needs labels (a *-labels-idx1-ubyte file beside it)")
        self.x_train, self.y_train, self.x_test, self.y_test = digit_split(self.data.images, self.data.labels,
                                                                           c.classes, c.seed)
        if len(self.x_train) < c.batch_size or not len(self.x_test):
            raise DataError(f"{self.source}: too few images of digits {c.classes} ({len(self.x_train)} to train)")
        self.n_classes = 2 if c.classes == "0-1" else int(self.y_train.max()) + 1
        self.rng = np.random.default_rng(c.seed)
        init = MLP([self.x_train.shape[1], *c.hidden, self.n_classes], hidden=["elu", "tanh"][:len(c.hidden)]
                   + ["tanh"] * max(0, len(c.hidden) - 2), rng=self.rng, init="xavier")
        self.runs = list(c.race)
        self.nets, self.opts = {}, {}
        for name in self.runs:  # one initialisation, copied byte for byte
            self.nets[name] = init.clone()
            self.opts[name] = make_run_optimizer(name, c, np.random.default_rng([c.seed, RUNS.index(name)]))
        self.same_init = all(all(np.array_equal(self.nets[n].params[k], init.params[k]) for k in init.params)
                             for n in self.runs)
        self.diverged = {n: None for n in self.runs}
        self.cost = {n: float("nan") for n in self.runs}
        self.first_cost = {}
        self.accuracy = {n: float("nan") for n in self.runs}
        self.steps_to_95 = {n: None for n in self.runs}
        self.perm, self.pos = self.rng.permutation(len(self.x_train)), 0
        self.history = MetricHistory()

    @property
    def total_steps(self):
        return self.config.steps

    def _batch(self):
        if self.pos + self.config.batch_size > len(self.perm):
            self.perm, self.pos = self.rng.permutation(len(self.x_train)), 0
        idx = self.perm[self.pos:self.pos + self.config.batch_size]
        self.pos += self.config.batch_size
        return self.x_train[idx], self.y_train[idx]

    def test_accuracy(self, name):
        scores, _ = self.nets[name].forward(self.x_test)
        return float(np.mean(scores.argmax(1) == self.y_test))

    def step(self):
        xb, yb = self._batch()  # the same batch for every optimizer
        self.steps_done += 1
        t = self.steps_done
        metrics = {}
        for name in self.runs:
            if self.diverged[name] is not None:
                continue
            net = self.nets[name]
            with np.errstate(all="ignore"):
                scores, cache = net.forward(xb)
                cost, dscores = softmax_cross_entropy(scores, yb)
                if np.isfinite(cost):
                    _, grads = net.backward(dscores, cache)
                    self.opts[name].update(net.params, grads)
            first = self.first_cost.setdefault(name, cost)
            if (not np.isfinite(cost) or cost > COST_LIMIT * max(first, 1e-3)
                    or not all(np.abs(p).max() < WEIGHT_LIMIT for p in net.params.values())):
                self.diverged[name] = t  # reported, never drawn as a NaN curve
                self.cost[name] = float("nan")
                continue
            self.cost[name] = cost
            metrics[f"cost/{name}"] = cost
        evaluate = t % self.config.eval_every == 0 or t == 1
        if evaluate:
            for name in self.runs:
                if self.diverged[name] is None:
                    acc = self.test_accuracy(name)
                    self.accuracy[name] = acc
                    metrics[f"acc/{name}"] = acc
                    if acc >= 0.95 and self.steps_to_95[name] is None:
                        self.steps_to_95[name] = t
        self.history.add(t, metrics)
        return Snapshot(t, metrics, tables={"race": self.table()} if evaluate or any(
            d == t for d in self.diverged.values()) else {})

    def table(self):
        return [{"run": n, "cost": self.cost[n], "accuracy": self.accuracy[n], "steps_to_95": self.steps_to_95[n],
                 "diverged_at": self.diverged[n]} for n in self.runs]

    def final_metrics(self):
        runs = {}
        for n in self.runs:
            ok = self.diverged[n] is None
            runs[n] = {"cost": self.cost[n] if ok else None, "accuracy": self.test_accuracy(n) if ok else
                       self.accuracy[n] if np.isfinite(self.accuracy[n]) else None,
                       "diverged_at": self.diverged[n], "steps_to_95": self.steps_to_95[n]}
        return {"runs": runs, "same_init": self.same_init, "train_images": len(self.x_train),
                "test_images": len(self.x_test)}

    def export_files(self, folder):
        from pathlib import Path

        from ...export.tables import write_csv
        folder = Path(folder)
        write_csv(folder / "race.csv", ["run", "cost", "test_accuracy", "steps_to_95", "diverged_at"],
                  [[r["run"], r["cost"], r["accuracy"], r["steps_to_95"] or "", r["diverged_at"] or ""]
                   for r in self.table()])
        return [folder / "race.csv", self.history.write_csv(folder / "curves.csv")]

    def state_dict(self):
        return {"steps_done": self.steps_done, "rng": self.rng.bit_generator.state, "perm": self.perm, "pos": self.pos,
                "nets": {n: net.params for n, net in self.nets.items()},
                "opts": {n: o.state_dict() for n, o in self.opts.items()},
                "noise_rngs": {n: o.rng.bit_generator.state for n, o in self.opts.items() if hasattr(o, "rng")},
                "diverged": {n: -1 if d is None else d for n, d in self.diverged.items()},
                "steps_to_95": {n: -1 if d is None else d for n, d in self.steps_to_95.items()},
                "cost": self.cost, "accuracy": self.accuracy, "first_cost": self.first_cost,
                "history": self.history.state_dict()}

    def load_state_dict(self, st):
        self.steps_done = int(st["steps_done"])
        self.rng.bit_generator.state = st["rng"]
        self.perm, self.pos = np.array(st["perm"]), int(st["pos"])
        for n, params in st["nets"].items():
            self.nets[n].params = {k: np.array(v, np.float32) for k, v in params.items()}
            self.opts[n].load_state_dict(st["opts"][n])
        for n, s in st["noise_rngs"].items():
            self.opts[n].rng.bit_generator.state = s
        self.diverged = {n: None if int(d) < 0 else int(d) for n, d in st["diverged"].items()}
        self.steps_to_95 = {n: None if int(d) < 0 else int(d) for n, d in st["steps_to_95"].items()}
        self.cost = {n: float(v) for n, v in st["cost"].items()}
        self.accuracy = {n: float(v) for n, v in st["accuracy"].items()}
        self.first_cost = {n: float(v) for n, v in st.get("first_cost", {}).items()}
        self.history.load_state_dict(st["history"])
