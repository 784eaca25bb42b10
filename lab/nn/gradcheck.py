"""Numerical gradients (centred differences) for checking backward passes, CS231n style."""

import numpy as np


def eval_numerical_gradient_array(f, x, dout, h=1e-5, order=2):
    """Gradient of sum(f(x) * dout) with respect to x, perturbing x in place.

    f: callable taking no arguments that reads x; x: float64 array; dout: like f()'s output.
    order=2: central difference, error O(h^2); order=4: the five-point stencil, error O(h^4),
    for smooth layers whose second-order error would dominate (e.g. matrix square roots);
    use it with a larger h (1e-3).
    """
    stencil = {2: ((1, 0.5), (-1, -0.5)), 4: ((2, -1 / 12), (1, 8 / 12), (-1, -8 / 12), (-2, 1 / 12))}[order]
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        i = it.multi_index
        old = x[i]
        total = 0.0
        for shift, weight in stencil:
            x[i] = old + shift * h
            total += weight * np.sum(f() * dout)
        x[i] = old
        grad[i] = total / h
        it.iternext()
    return grad


def eval_numerical_gradient(f, x, h=1e-5):
    """Gradient of a scalar function f() with respect to x (perturbed in place)."""
    return eval_numerical_gradient_array(lambda: np.asarray(f()), x, np.asarray(1.0), h)


def rel_error(a, b):
    """Max relative error, guarded against 0/0."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
