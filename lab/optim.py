"""Optimizers, learning-rate schedules and annealed gradient noise.

Every optimizer has one signature: ``opt.update(params, grads)`` updates the arrays of the
``params`` dict in place from the same-keyed ``grads``, keeping its state per parameter
name (as numpy-ml does). ``opt.lr`` may be changed between steps (schedules).
``state_dict()``/``load_state_dict()`` make checkpoints exact.

The update rules are the published ones (Ruder 2016, "An overview of gradient descent
optimization algorithms", which the seed articles cite):
SGD, momentum, Nesterov momentum, Adagrad, Adadelta, RMSProp, Adam, Nadam, AMSGrad (Reddi et al.
2018). Noise around any of them is a wrapper: annealed Gaussian gradient noise (Neelakantan et al.
2015) and the GIF/optimizer seed's "noise training" (Gumbel noise on the gradient).
"""

import math

import numpy as np


class Optimizer:
    name = "base"
    defaults = {}

    def __init__(self, lr=1e-3, **hyper):
        self.lr = float(lr)
        self.hyper = dict(self.defaults)
        unknown = set(hyper) - set(self.defaults)
        if unknown:
            raise ValueError(f"{self.name}: unknown hyper-parameters {sorted(unknown)}")
        self.hyper.update(hyper)
        self.t = 0
        self.state = {}  # param name -> {slot: array}

    def _slots(self, key, w, names):
        st = self.state.get(key)
        if st is None:
            st = self.state[key] = {n: np.zeros_like(w) for n in names}
        return st

    def update(self, params, grads):
        self.t += 1
        for key, g in grads.items():
            self._update_one(key, params[key], g)

    def _update_one(self, key, w, g):
        raise NotImplementedError

    def state_dict(self):
        return {"lr": self.lr, "t": self.t, "hyper": dict(self.hyper),
                "state": {k: {s: a.copy() for s, a in v.items()} for k, v in self.state.items()}}

    def load_state_dict(self, d):
        self.lr, self.t = float(d["lr"]), int(d["t"])
        self.hyper.update(d.get("hyper", {}))
        self.state = {k: {s: np.array(a) for s, a in v.items()} for k, v in d["state"].items()}


class SGD(Optimizer):
    name = "sgd"

    def _update_one(self, key, w, g):
        w -= self.lr * g


class Momentum(Optimizer):
    """v = mu v - lr g;  w += v"""
    name = "momentum"
    defaults = {"mu": 0.9}

    def _update_one(self, key, w, g):
        v = self._slots(key, w, ["v"])["v"]
        v *= self.hyper["mu"]
        v -= self.lr * g
        w += v


class Nesterov(Optimizer):
    """Nesterov momentum in the look-ahead form (Bengio et al. 2012):
    v' = mu v - lr g;  w += -mu v + (1 + mu) v'"""
    name = "nesterov"
    defaults = {"mu": 0.9}

    def _update_one(self, key, w, g):
        st = self._slots(key, w, ["v"])
        mu = self.hyper["mu"]
        v_prev = st["v"]
        v = mu * v_prev - self.lr * g
        w += -mu * v_prev + (1 + mu) * v
        st["v"] = v


class Adagrad(Optimizer):
    """c += g^2;  w -= lr g / (sqrt(c) + eps)"""
    name = "adagrad"
    defaults = {"eps": 1e-8}

    def _update_one(self, key, w, g):
        c = self._slots(key, w, ["cache"])["cache"]
        c += g * g
        w -= self.lr * g / (np.sqrt(c) + self.hyper["eps"])


class Adadelta(Optimizer):
    """Zeiler 2012: E[g^2] = rho E[g^2] + (1-rho) g^2;  dx = -RMS[dx]/RMS[g] g;
    E[dx^2] = rho E[dx^2] + (1-rho) dx^2;  w += lr dx  (lr = 1 in the paper)."""
    name = "adadelta"
    defaults = {"rho": 0.95, "eps": 1e-6}

    def __init__(self, lr=1.0, **hyper):
        super().__init__(lr, **hyper)

    def _update_one(self, key, w, g):
        st = self._slots(key, w, ["Eg2", "Edx2"])
        rho, eps = self.hyper["rho"], self.hyper["eps"]
        st["Eg2"] *= rho
        st["Eg2"] += (1 - rho) * g * g
        dx = -np.sqrt(st["Edx2"] + eps) / np.sqrt(st["Eg2"] + eps) * g
        st["Edx2"] *= rho
        st["Edx2"] += (1 - rho) * dx * dx
        w += self.lr * dx


class RMSProp(Optimizer):
    """c = rho c + (1-rho) g^2;  w -= lr g / (sqrt(c) + eps)"""
    name = "rmsprop"
    defaults = {"rho": 0.9, "eps": 1e-8}

    def _update_one(self, key, w, g):
        c = self._slots(key, w, ["cache"])["cache"]
        rho = self.hyper["rho"]
        c *= rho
        c += (1 - rho) * g * g
        w -= self.lr * g / (np.sqrt(c) + self.hyper["eps"])


class Adam(Optimizer):
    """Kingma & Ba 2015: m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
    m^ = m / (1-b1^t);  v^ = v / (1-b2^t);  w -= lr m^ / (sqrt(v^) + eps)"""
    name = "adam"
    defaults = {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}

    def _moments(self, key, w, g):
        st = self._slots(key, w, ["m", "v", "tmp"])
        b1, b2 = self.hyper["beta1"], self.hyper["beta2"]
        m, v, tmp = st["m"], st["v"], st["tmp"]
        m *= b1
        np.multiply(g, 1 - b1, out=tmp)
        m += tmp
        v *= b2
        np.multiply(g, g, out=tmp)
        tmp *= 1 - b2
        v += tmp
        return m, v, tmp

    def _step_with(self, w, m, v, tmp, extra=None):
        """w -= lr m^ / (sqrt(v^) + eps), in the paper's equivalent efficient form
        w -= lr_t m / (sqrt(v) + eps_t) with lr_t = lr sqrt(1-b2^t) / (1-b1^t), eps_t = eps sqrt(1-b2^t)
        (fewer passes over the parameters). ``extra`` is added to m (Nadam's look-ahead term)."""
        c2 = np.sqrt(1 - self.hyper["beta2"] ** self.t)
        lr_t = self.lr * c2 / (1 - self.hyper["beta1"] ** self.t)
        np.sqrt(v, out=tmp)
        tmp += self.hyper["eps"] * c2
        np.divide(m if extra is None else m + extra, tmp, out=tmp)
        tmp *= lr_t
        w -= tmp

    def _update_one(self, key, w, g):
        m, v, tmp = self._moments(key, w, g)
        self._step_with(w, m, v, tmp)

    def state_dict(self):
        d = super().state_dict()
        for slots in d["state"].values():
            slots.pop("tmp", None)  # scratch buffer, not state
        return d

    def load_state_dict(self, d):
        super().load_state_dict(d)
        for slots in self.state.values():
            slots["tmp"] = np.zeros_like(slots["m"])


class Nadam(Adam):
    """Dozat 2016 as written by Ruder: w -= lr / (sqrt(v^) + eps) * (b1 m^ + (1-b1) g / (1-b1^t))"""
    name = "nadam"

    def _update_one(self, key, w, g):
        m, v, tmp = self._moments(key, w, g)
        b1 = self.hyper["beta1"]
        # b1 m^ + (1-b1) g / (1-b1^t) = (b1 m + (1-b1) g) / (1-b1^t): the bias correction is shared
        self._step_with(w, b1 * m, v, tmp, extra=(1 - b1) * g)


class AMSGrad(Adam):
    """Reddi et al. 2018: Adam with v^max = max(v^max, v) in the denominator (never a growing step):
    w -= lr m^ / (sqrt(v^max / (1-b2^t)) + eps)"""
    name = "amsgrad"

    def _update_one(self, key, w, g):
        m, v, tmp = self._moments(key, w, g)
        vmax = self.state[key].setdefault("vmax", np.zeros_like(w))
        np.maximum(vmax, v, out=vmax)
        self._step_with(w, m, vmax, tmp)


OPTIMIZERS = {cls.name: cls for cls in (SGD, Momentum, Nesterov, Adagrad, Adadelta, RMSProp, Adam, Nadam, AMSGrad)}


def make_optimizer(name, lr, **hyper):
    try:
        cls = OPTIMIZERS[name]
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r}; choose from {sorted(OPTIMIZERS)}") from None
    return cls(lr=lr, **hyper)


class GradientNoise:
    """Annealed Gaussian gradient noise (Neelakantan et al. 2015), around any optimizer:
    g <- g + N(0, sigma_t^2) with sigma_t^2 = eta / (1 + t)^gamma, t counted from 0."""

    def __init__(self, optimizer, eta=0.01, gamma=0.55, rng=None):
        self.opt, self.eta, self.gamma = optimizer, float(eta), float(gamma)
        self.rng = rng if rng is not None else np.random.default_rng(0)

    @property
    def lr(self):
        return self.opt.lr

    @property
    def t(self):
        return self.opt.t

    @lr.setter
    def lr(self, value):
        self.opt.lr = value

    def sigma(self, t):
        return float(np.sqrt(self.eta / (1 + t) ** self.gamma))

    def update(self, params, grads):
        s = self.sigma(self.opt.t)
        noisy = {k: g + (s * self.rng.standard_normal(g.shape)).astype(g.dtype) for k, g in grads.items()}
        self.opt.update(params, noisy)

    def state_dict(self):
        return self.opt.state_dict()

    def load_state_dict(self, d):
        self.opt.load_state_dict(d)


class GumbelNoise(GradientNoise):
    """The seed's "noise training": g <- g + beta (G - gamma_E), G ~ Gumbel(0, 1) per weight (centred by
    the Euler-Mascheroni constant, so the noise has mean 0 and no drift), around any optimizer."""

    EULER_GAMMA = 0.5772156649015329

    def __init__(self, optimizer, beta=1.0, rng=None):
        super().__init__(optimizer, eta=0.0, rng=rng)
        self.beta = float(beta)

    def update(self, params, grads):
        b = self.beta
        noisy = {k: g + (b * (self.rng.gumbel(size=g.shape) - self.EULER_GAMMA)).astype(g.dtype)
                 for k, g in grads.items()}
        self.opt.update(params, noisy)


SCHEDULES = ("constant", "step", "extreme_step", "exponential", "cosine")


def scheduled_lr(base_lr, step, kind="constant", decay_steps=1000, factor=0.1):
    """Learning rate at ``step`` (0-based).

    constant: base; step: base * factor^(step // decay_steps);
    extreme_step: the seed's "extreme step decay": base for the first phase, then base * factor
    (factor 0.01 in the seed); exponential: base * factor^(step / decay_steps); cosine: a half
    cosine from base at step 0 to base * factor at ``decay_steps``, and base * factor after.
    """
    if kind == "constant":
        return base_lr
    if kind == "step":
        return base_lr * factor ** (step // decay_steps)
    if kind == "extreme_step":
        return base_lr if step < decay_steps else base_lr * factor
    if kind == "exponential":
        return base_lr * factor ** (step / decay_steps)
    if kind == "cosine":
        t = min(1.0, step / max(1, decay_steps))
        return base_lr * (factor + (1 - factor) * 0.5 * (1 + math.cos(math.pi * t)))
    raise ValueError(f"unknown schedule {kind!r}; choose from {SCHEDULES}")
