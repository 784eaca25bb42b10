"""A multi-layer perceptron built from the dense layer and the activation pairs.

Models hold a ``params`` dict and never optimise themselves: an optimizer from
``lab.optim`` updates ``params`` from the gradients ``backward`` returns.
"""

import numpy as np

from .activations import ACTIVATIONS
from .dense import dense_backward, dense_forward


class MLP:
    """sizes = [D, H1, ..., M]; ``hidden`` activation between layers (one name, or one per hidden
    layer), ``output`` at the end.

    forward(x: (N, D)) -> out: (N, M), cache; backward(dout: (N, M), cache) -> dx, grads.
    Parameters are named W1, b1, W2, b2, ... (layer i maps sizes[i-1] -> sizes[i]).
    """

    def __init__(self, sizes, hidden="leaky_relu", output="identity", rng=None,
                 dtype=np.float32, init="he"):
        if len(sizes) < 2:
            raise ValueError(f"an MLP needs at least an input and an output size, got {sizes}")
        names = list(hidden) if isinstance(hidden, (list, tuple)) else [hidden]
        hidden = names if isinstance(hidden, (list, tuple)) else names * (len(sizes) - 2)
        if len(hidden) != len(sizes) - 2:
            raise ValueError(f"{len(hidden)} hidden activations for {len(sizes) - 2} hidden layers")
        for name in (*names, output):
            if name not in ACTIVATIONS:
                raise ValueError(f"unknown activation {name!r}; choose from {sorted(ACTIVATIONS)}")
        rng = rng if rng is not None else np.random.default_rng(0)
        self.sizes = [int(s) for s in sizes]
        self.hidden, self.output = hidden, output
        self.params = {}
        for i, (fan_in, fan_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:]), start=1):
            gain = 2.0 if (init == "he" and i < len(self.sizes) - 1) else 1.0
            std = np.sqrt(gain / fan_in)
            self.params[f"W{i}"] = (rng.standard_normal((fan_in, fan_out)) * std).astype(dtype)
            self.params[f"b{i}"] = np.zeros(fan_out, dtype=dtype)

    def clone(self):
        """A copy with the same sizes, activations and byte-identical parameters (one initialisation
        for several runs that race)."""
        twin = MLP.__new__(MLP)
        twin.sizes, twin.hidden, twin.output = list(self.sizes), list(self.hidden), self.output
        twin.params = {k: v.copy() for k, v in self.params.items()}
        return twin

    @property
    def n_layers(self):
        return len(self.sizes) - 1

    def forward(self, x):
        caches = []
        h = x
        for i in range(1, self.n_layers + 1):
            a, dense_cache = dense_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
            act = self.hidden[i - 1] if i < self.n_layers else self.output
            h, act_cache = ACTIVATIONS[act].forward(a)
            caches.append((dense_cache, act, act_cache))
        return h, caches

    def backward(self, dout, caches, need_dx=False, param_grads=True):
        """Returns (dx or None, grads dict keyed like params).

        ``param_grads=False`` only carries the gradient back to the input (the generator's
        step backpropagates through the discriminator without updating it)."""
        grads = {}
        d = dout
        for i in range(self.n_layers, 0, -1):
            dense_cache, act, act_cache = caches[i - 1]
            d = ACTIVATIONS[act].backward(d, act_cache)  # backprop through the activation
            if param_grads:
                d, grads[f"W{i}"], grads[f"b{i}"] = dense_backward(d, dense_cache, need_dx=(i > 1 or need_dx))
            else:
                d = d @ dense_cache[1].T  # backprop into the layer's input only
        return d, grads
