"""Chains of x^2 (or ReLU^2) layers on a scalar input: the residual-as-polynomial seed.

With g(x) = x^2 and no bias, a plain chain F_i = (F_{i-1} W_i)^2 is one monomial c x^(2^n); with a
skip connection F_i = (F_{i-1} W_i)^2 + F_{i-1} it is a full polynomial of degree 2^n with every
lower power present, like a Taylor expansion. ``ReLU^2`` (with biases) makes a piecewise polynomial
of the same degree.

A chain of width k maps x (N,) through F_0 = x u (u: (1, k)), n layers W_i (k, k) [+ b_i], and a
readout y = F_n v + c (v: (k, 1), c: (1,)). Width 1 is the seed's scalar chain. Parameters are
named u, W1..Wn, [b1..bn], v, c. ``as_polynomial`` expands an x^2 chain exactly into power-basis
coefficients by composing ``numpy.polynomial.Polynomial`` objects layer by layer.
"""

import numpy as np
from numpy.polynomial import Polynomial

from .activations import ACTIVATIONS

KINDS = {"plain-x2": ("square", False), "residual-x2": ("square", True), "residual-relu2": ("relu2", True)}


class ResidualChain:
    """kind: one of ``KINDS``; depth n >= 1 layers; width k >= 1 units per layer.

    forward(x: (N,)) -> y (N,), cache; backward(dy: (N,), cache) -> grads (keyed like params)."""

    def __init__(self, kind, depth, width=1, rng=None, scale=0.5, dtype=np.float32):
        if kind not in KINDS:
            raise ValueError(f"unknown chain {kind!r}; choose from {', '.join(KINDS)}")
        self.kind, self.depth, self.width = kind, int(depth), int(width)
        self.activation, self.skip = KINDS[kind]
        self.bias = self.activation == "relu2"
        rng = rng if rng is not None else np.random.default_rng(0)
        k = self.width
        p = {"u": np.ones((1, k)) if k == 1 else rng.standard_normal((1, k))}
        for i in range(1, self.depth + 1):
            # residual chains start near the identity; a plain x^2 chain needs |w| near 1 or it
            # vanishes (|w| < 1) or explodes (|w| > 1) like w^(2^n)
            p[f"W{i}"] = (np.eye(k) if not self.skip and k == 1 else rng.standard_normal((k, k)) * scale / np.sqrt(k))
            if self.bias:
                p[f"b{i}"] = rng.standard_normal(k) * 0.1
        p["v"] = np.ones((k, 1)) / k if k == 1 else rng.standard_normal((k, 1)) / np.sqrt(k)
        p["c"] = np.zeros(1)
        self.params = {name: np.asarray(a, dtype) for name, a in p.items()}

    def forward(self, x, params=None):
        p = self.params if params is None else params
        act = ACTIVATIONS[self.activation]
        h = x[:, None] * p["u"]                                  # (N, k)
        caches = []
        for i in range(1, self.depth + 1):
            a = h @ p[f"W{i}"]
            if self.bias:
                a = a + p[f"b{i}"]
            g, gc = act.forward(a)
            caches.append((h, gc))
            h = g + h if self.skip else g
        y = (h @ p["v"])[:, 0] + p["c"][0]
        return y, (x, caches, h)

    def backward(self, dy, cache, params=None):
        p = self.params if params is None else params
        x, caches, h = cache
        act = ACTIVATIONS[self.activation]
        grads = {"v": h.T @ dy[:, None], "c": np.array([dy.sum()], dy.dtype)}
        dh = dy[:, None] @ p["v"].T                              # (N, k)
        for i in range(self.depth, 0, -1):
            h_in, gc = caches[i - 1]
            da = act.backward(dh, gc)
            grads[f"W{i}"] = h_in.T @ da
            if self.bias:
                grads[f"b{i}"] = da.sum(axis=0)
            d_in = da @ p[f"W{i}"].T
            if self.skip:
                d_in += dh                                       # h_in is used twice: gradients add
            dh = d_in
        grads["u"] = (x[:, None] * dh).sum(axis=0, keepdims=True)
        return grads

    def predict(self, x):
        return self.forward(np.asarray(x, self.params["u"].dtype))[0]

    @property
    def degree(self):
        """Degree of the polynomial (of each piece, for ReLU^2): 2^depth."""
        return 2 ** self.depth

    @property
    def expandable(self):
        """True when the whole network is one polynomial (x^2 chains; ReLU^2 is piecewise)."""
        return self.activation == "square"

    def as_polynomial(self):
        """The network written out exactly as a ``numpy.polynomial.Polynomial`` in x (float64),
        composed layer by layer: unit j of F_i is (sum_l F_{i-1}[l] W_i[l, j])^2 (+ F_{i-1}[j]), each
        unit's polynomial a row of coefficients (a weighted sum is a matrix product, a square a
        convolution)."""
        if not self.expandable:
            raise ValueError(f"{self.kind}: ReLU^2 makes a piecewise polynomial, not one polynomial")
        p = {k: v.astype(np.float64) for k, v in self.params.items()}
        H = np.zeros((self.width, 2))                             # row j: unit j's coefficients c_0, c_1, ...
        H[:, 1] = p["u"][0]
        for i in range(1, self.depth + 1):
            pre = p[f"W{i}"].T @ H                                 # sum_l F[l] W[l, j], coefficient-wise
            sq = np.stack([np.convolve(r, r) for r in pre])       # squaring a polynomial: its coefficients' convolution
            if self.skip:
                sq[:, :H.shape[1]] += H
            H = sq
        y = Polynomial(p["v"][:, 0] @ H + np.eye(1, H.shape[1])[0] * p["c"][0])
        return Polynomial(y.coef, domain=[-1, 1], window=[-1, 1])
