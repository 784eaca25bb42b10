"""The highway layer (Srivastava et al. 2015): y = T(x) H(x) + (1 - T(x)) x, with the transform
gate T = sigmoid(x Wt + bt) and H = act(x Wh + bh). A negative gate bias starts the layer as a
near-identity ("carry"), which is what lets deep stacks train."""

import numpy as np

from .activations import ACTIVATIONS, logistic


def init_highway(d, rng, gate_bias=-2.0, dtype=np.float32):
    s = np.sqrt(1.0 / d)
    return {"Wh": (rng.standard_normal((d, d)) * s).astype(dtype), "bh": np.zeros(d, dtype),
            "Wt": (rng.standard_normal((d, d)) * s).astype(dtype), "bt": np.full(d, gate_bias, dtype)}


def highway_forward(x, p, activation="relu"):
    """x: (N, D) -> y (N, D), cache; the gate values are cache[2] (for a per-layer gate plot)."""
    act = ACTIVATIONS[activation]
    h, hc = act.forward(x @ p["Wh"] + p["bh"])
    t = logistic(x @ p["Wt"] + p["bt"])
    return t * h + (1 - t) * x, (x, h, t, hc, activation)


def highway_backward(dy, cache, p):
    """-> dx, grads {Wh, bh, Wt, bt}"""
    x, h, t, hc, activation = cache
    dh = dy * t
    dt = dy * (h - x)
    dzt = dt * t * (1 - t)                                   # through the sigmoid gate
    dzh = ACTIVATIONS[activation].backward(dh, hc)
    dx = dy * (1 - t)                                        # the carry path
    dx += dzh @ p["Wh"].T                                    # x is used three times: gradients add
    dx += dzt @ p["Wt"].T
    return dx, {"Wh": x.T @ dzh, "bh": dzh.sum(axis=0), "Wt": x.T @ dzt, "bt": dzt.sum(axis=0)}
