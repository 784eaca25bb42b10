"""Deep fully-connected classifiers of one width: plain, highway or residual layers.

    h_0 = act(x W_in + b_in)                                   (input projection, D -> width)
    plain:     h_i = act(h_{i-1} W_i + b_i)
    residual:  h_i = h_{i-1} + act(h_{i-1} W_i + b_i) / sqrt(L)
    highway:   h_i = T_i act(h_{i-1} Wh_i + bh_i) + (1 - T_i) h_{i-1},  T_i = sigmoid(h_{i-1} Wt_i + bt_i)
    scores = dropout(h_L) W_out + b_out                         (inverted dropout while training)

``DeepMLP.share_init(other)`` gives the plain, residual and highway nets the same W_in, W_i (= Wh_i)
and W_out, so what differs between them is only the connection. The residual branch is scaled by
1/sqrt(L) (L = depth): unscaled, each layer would add the variance of its branch and a 20-layer
stack's signal would grow by (3/2)^20 with ReLU. ``backward`` also returns, per layer,
the norm of the gradient reaching that layer's output, dL/dh_i, per example (the vanishing-gradient
plot), and ``forward`` the mean transform gate per layer (highway).
"""

import numpy as np

from .activations import ACTIVATIONS
from .dense import dense_backward, dense_forward
from .highway import highway_backward, highway_forward
from .norm import dropout_backward, dropout_forward

KINDS = ("plain", "highway", "residual")


class DeepMLP:
    """kind: plain | highway | residual; depth: hidden layers of ``width`` units; sizes d_in -> classes.
    forward(x (N, D), train) -> scores (N, classes), cache; backward(dscores, cache) -> grads."""

    def __init__(self, kind, depth, width, d_in, n_classes, activation="relu", gate_bias=-2.0, init="xavier",
                 rng=None, dtype=np.float32, dropout=0.0):
        if kind not in KINDS:
            raise ValueError(f"unknown layer kind {kind!r}; choose from {', '.join(KINDS)}")
        rng = rng if rng is not None else np.random.default_rng(0)
        self.kind, self.depth, self.width, self.activation = kind, int(depth), int(width), activation
        self.branch_scale = dtype(1.0 / np.sqrt(self.depth))
        self.dropout = float(dropout)
        gain = 2.0 if init == "he" else 1.0
        p = {"W_in": rng.standard_normal((d_in, width)) * np.sqrt(2.0 / d_in), "b_in": np.zeros(width)}
        for i in range(1, self.depth + 1):
            W = rng.standard_normal((width, width)) * np.sqrt(gain / width)
            if kind == "highway":
                p[f"Wh{i}"], p[f"bh{i}"] = W, np.zeros(width)
                p[f"Wt{i}"] = rng.standard_normal((width, width)) * np.sqrt(1.0 / width)
                p[f"bt{i}"] = np.full(width, gate_bias)
            else:
                p[f"W{i}"], p[f"b{i}"] = W, np.zeros(width)
        p["W_out"] = rng.standard_normal((width, n_classes)) * np.sqrt(1.0 / width)
        p["b_out"] = np.zeros(n_classes)
        self.params = {k: np.asarray(v, dtype) for k, v in p.items()}

    def transform_key(self, i):
        """The name of layer i's transform weights (whose gradient norm is plotted)."""
        return f"Wh{i}" if self.kind == "highway" else f"W{i}"

    def share_init(self, other):
        """Copy ``other``'s input, transform and output weights (one initialisation for all kinds)."""
        for k in ("W_in", "b_in", "W_out", "b_out"):
            self.params[k] = other.params[k].copy()
        for i in range(1, self.depth + 1):
            self.params[self.transform_key(i)] = other.params[other.transform_key(i)].copy()
        return self

    @property
    def n_params(self):
        return int(sum(v.size for v in self.params.values()))

    def forward(self, x, rng=None):
        """rng given: training (dropout active); None: evaluation."""
        p, act = self.params, ACTIVATIONS[self.activation]
        a, c_in = dense_forward(x, p["W_in"], p["b_in"])
        h, a_in = act.forward(a)
        caches, gates = [], []
        for i in range(1, self.depth + 1):
            if self.kind == "highway":
                h, hc = highway_forward(h, {"Wh": p[f"Wh{i}"], "bh": p[f"bh{i}"], "Wt": p[f"Wt{i}"],
                                            "bt": p[f"bt{i}"]}, self.activation)
                gates.append(float(hc[2].mean()))
            else:
                z, dc = dense_forward(h, p[f"W{i}"], p[f"b{i}"])
                g, ac = act.forward(z)
                hc = (dc, ac)
                h = h + g * self.branch_scale if self.kind == "residual" else g
            caches.append(hc)
        h, mask = dropout_forward(h, self.dropout, rng, rng is not None)
        scores, c_out = dense_forward(h, p["W_out"], p["b_out"])
        return scores, (c_in, a_in, caches, (c_out, mask), gates)

    def backward(self, dscores, cache):
        """-> grads (keyed like params), layer_norms (depth,): the mean over the batch of each example's
        ||d loss / d h_i|| (h_i: layer i's output), i = 1..depth."""
        c_in, a_in, caches, c_out, _ = cache
        p, act = self.params, ACTIVATIONS[self.activation]
        grads = {}
        c_out, mask = c_out
        dh, grads["W_out"], grads["b_out"] = dense_backward(dscores, c_out)
        dh = dropout_backward(dh, mask)
        n = len(dscores)
        norms = np.zeros(self.depth)
        for i in range(self.depth, 0, -1):
            norms[i - 1] = n * float(np.sqrt(np.einsum("ij,ij->i", dh, dh)).mean())  # dscores carry 1/n
            hc = caches[i - 1]
            if self.kind == "highway":
                sub = {"Wh": p[f"Wh{i}"], "Wt": p[f"Wt{i}"]}
                dh, g = highway_backward(dh, hc, sub)
                for k, v in g.items():
                    grads[f"{k}{i}"] = v
            else:
                dc, ac = hc
                dz = act.backward(dh * self.branch_scale if self.kind == "residual" else dh, ac)
                d_in, grads[f"W{i}"], grads[f"b{i}"] = dense_backward(dz, dc)
                if self.kind == "residual":
                    d_in += dh                                    # h_{i-1} is used twice: gradients add
                dh = d_in
        da = act.backward(dh, a_in)
        _, grads["W_in"], grads["b_in"] = dense_backward(da, c_in, need_dx=False)
        return grads, norms
