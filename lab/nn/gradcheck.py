"""Numerical gradients (centred differences) for checking backward passes, CS231n style."""

import numpy as np


def eval_numerical_gradient_array(f, x, dout, h=1e-5):
    """Gradient of sum(f(x) * dout) with respect to x, perturbing x in place.

    f: callable taking no arguments that reads x; x: float64 array; dout: like f()'s output.
    """
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        pos = np.sum(f() * dout)
        x[i] = old - h
        neg = np.sum(f() * dout)
        x[i] = old
        grad[i] = (pos - neg) / (2 * h)
        it.iternext()
    return grad


def eval_numerical_gradient(f, x, h=1e-5):
    """Gradient of a scalar function f() with respect to x (perturbed in place)."""
    return eval_numerical_gradient_array(lambda: np.asarray(f()), x, np.asarray(1.0), h)


def rel_error(a, b):
    """Max relative error, guarded against 0/0."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
