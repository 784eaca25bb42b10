"""Mini-VGG (the seed's "VGG-7"): blocks of two 3x3 convolutions with ReLU and a 2x2 max pool,
then a fully-connected ReLU layer and a softmax layer (Simonyan & Zisserman 2015, scaled down
for 28x28 digits).

    x (N, 1, 28, 28) -> [conv-relu-conv-relu-maxpool] x len(channels) -> dense-relu -> dropout -> dense
"""

import numpy as np

from .activations import relu_backward, relu_forward
from .conv_units import conv_unit_backward, conv_unit_forward, init_conv
from .dense import dense_backward, dense_forward
from .norm import dropout_backward, dropout_forward
from .pool import max_pool_backward, max_pool_forward


class MiniVGG:
    """forward(x, train, rng, keep) -> scores (N, classes), cache; backward(dscores, cache) -> grads.
    ``keep=True`` also returns every conv unit's output (the feature-map view) in cache["maps"]."""

    def __init__(self, channels=(16, 32), hidden=128, side=28, n_classes=10, dropout=0.25, rng=None,
                 dtype=np.float32):
        rng = rng if rng is not None else np.random.default_rng(0)
        self.channels, self.dropout, self.state = tuple(channels), float(dropout), {}
        self.params, self.units = {}, []
        c_in = 1
        for bi, c in enumerate(self.channels, start=1):
            for j in "ab":
                name = f"conv{bi}{j}"
                init_conv(self.params, name, c_in, c, 3, rng, dtype=dtype)
                self.units.append(name)
                c_in = c
            side //= 2
        flat = c_in * side * side
        self.params["fc1.W"] = (rng.standard_normal((flat, hidden)) * np.sqrt(2.0 / flat)).astype(dtype)
        self.params["fc1.b"] = np.zeros(hidden, dtype)
        self.params["fc2.W"] = (rng.standard_normal((hidden, n_classes)) * np.sqrt(1.0 / hidden)).astype(dtype)
        self.params["fc2.b"] = np.zeros(n_classes, dtype)

    @property
    def layer_names(self):
        return list(self.units)

    @property
    def first_filters(self):
        return self.params["conv1a.W"][:, 0]

    def forward(self, x, train=True, rng=None, keep=False):
        caches, pools, maps = [], [], {}
        h = x
        for i, name in enumerate(self.units):
            h, c = conv_unit_forward(h, self.params, name)
            caches.append(c)
            if keep:
                maps[name] = h
            if i % 2 == 1:
                h, pc = max_pool_forward(h, 2)
                pools.append(pc)
        shape = h.shape
        a, c1 = dense_forward(h.reshape(len(h), -1), self.params["fc1.W"], self.params["fc1.b"])
        a, r1 = relu_forward(a)
        a, mask = dropout_forward(a, self.dropout, rng, train and rng is not None)
        scores, c2 = dense_forward(a, self.params["fc2.W"], self.params["fc2.b"])
        return scores, {"convs": caches, "pools": pools, "shape": shape, "fc": (c1, r1, mask, c2), "maps": maps}

    def backward(self, dscores, cache):
        grads = {}
        c1, r1, mask, c2 = cache["fc"]
        da, grads["fc2.W"], grads["fc2.b"] = dense_backward(dscores, c2)
        da = relu_backward(dropout_backward(da, mask), r1)
        dh, grads["fc1.W"], grads["fc1.b"] = dense_backward(da, c1)
        dh = dh.reshape(cache["shape"])
        for i in reversed(range(len(self.units))):
            if i % 2 == 1:
                dh = max_pool_backward(dh, cache["pools"][i // 2])
            dh = conv_unit_backward(dh, cache["convs"][i], grads, need_dx=i > 0)
        return grads
