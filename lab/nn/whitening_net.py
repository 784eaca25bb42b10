"""The whitening classifier's network (seed: "Back-propagating through ZCA whitening"): a
3-layer fully-connected net with an optional centring layer on the input and an optional ZCA
whitening layer after the first layer, before its activation.

    x -> [centre] -> dense W1 -> [ZCA whiten] -> act -> dense W2 -> act -> dense W3 -> scores
"""

import numpy as np

from .activations import ACTIVATIONS
from .dense import dense_backward, dense_forward
from .whitening import ZCAWhitening, centre_forward


class WhiteningClassifier:
    """sizes = [D, H1, H2, classes]. forward(x: (N, D), train) -> scores (N, classes), cache;
    backward(dscores, cache) -> (None, grads keyed like params). ``zca`` holds the whitening
    layer's running statistics (None without whitening)."""

    def __init__(self, sizes, activation="relu", centre=True, whiten=True, eps=1e-3, decomposition="eig",
                 symmetrize=True, group_size=16, rng=None):
        rng = rng if rng is not None else np.random.default_rng(0)
        self.act = ACTIVATIONS[activation]
        self.centre = centre
        self.params = {}
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            self.params[f"W{i}"] = (rng.standard_normal((a, b)) * np.sqrt(2.0 / a)).astype(np.float32)
            self.params[f"b{i}"] = np.zeros(b, np.float32)
        self.zca = ZCAWhitening(sizes[1], eps, decomposition, symmetrize=symmetrize,
                                group_size=group_size) if whiten else None

    def forward(self, x, train=True):
        p = self.params
        h, c0 = centre_forward(x) if self.centre else (x, None)
        a1, c1 = dense_forward(h, p["W1"], p["b1"])
        cz = None
        if self.zca is not None:
            a1, cz = self._whiten_forward(a1, train)
        h1, ca1 = self.act.forward(a1)
        a2, c2 = dense_forward(h1, p["W2"], p["b2"])
        h2, ca2 = self.act.forward(a2)
        scores, c3 = dense_forward(h2, p["W3"], p["b3"])
        return scores, (c0, c1, cz, ca1, c2, ca2, c3)

    def _whiten_forward(self, a, train):
        # the eigen-problem in float64 (float32 divided differences are too coarse), the rest in float32
        y, cache = self.zca.forward(a.astype(np.float64), train=train)
        return y.astype(a.dtype), cache

    def backward(self, dscores, cache):
        c0, c1, cz, ca1, c2, ca2, c3 = cache
        g = {}
        dh2, g["W3"], g["b3"] = dense_backward(dscores, c3)
        da2 = self.act.backward(dh2, ca2)                       # backprop through activation 2
        dh1, g["W2"], g["b2"] = dense_backward(da2, c2)
        da1 = self.act.backward(dh1, ca1)                       # backprop through activation 1
        if cz is not None:
            da1 = self.zca.backward(da1.astype(np.float64), cz).astype(da1.dtype)  # through the whitening
        _, g["W1"], g["b1"] = dense_backward(da1, c1, need_dx=False)
        return None, g
