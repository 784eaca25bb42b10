"""The CT seed's vanilla convolutional autoencoder (seed: "Only Numpy Medical: denoising lung CT
scans using auto-encoders"), kept so that its known failure (a white disc) can be reproduced.

encoder = 3 x (3x3 convolution, activation, 2x2 mean pooling) down to a flattened code;
decoder = 3 x (upsampling by repetition, 3x3 convolution), activations between, a linear last
layer. Parameters EW0..EW2, Eb0..Eb2 / DW0..DW2, Db0..Db2, so each half can have its own Adam.
"""

from .activations import ACTIVATIONS
from .cnn import init_cnn
from .conv import conv_backward, conv_forward
from .pool import avg_pool_backward, avg_pool_forward, upsample_backward, upsample_forward


class SeedAutoencoder:
    """forward(x: (N, 1, S, S)) -> (N, 1, S, S), cache; backward(dout, cache) -> (dx, grads).
    S must be a multiple of 8."""

    def __init__(self, channels, activation, rng):
        enc = init_cnn([1, channels, channels, channels], rng=rng)
        dec = init_cnn([channels, channels, channels, 1], rng=rng)
        self.params = {**{"E" + k: v for k, v in enc.items()}, **{"D" + k: v for k, v in dec.items()}}
        self.act = ACTIVATIONS[activation]

    def forward(self, x):
        p, caches, h = self.params, [], x
        for i in range(3):
            h, cc = conv_forward(h, p[f"EW{i}"], p[f"Eb{i}"])
            h, ac = self.act.forward(h)
            h, pc = avg_pool_forward(h, 2)
            caches.append((cc, ac, pc))
        code_shape = h.shape
        h = h.reshape(len(h), -1).reshape(code_shape)  # the flattened code, reshaped for the decoder
        for i in range(3):
            h, uc = upsample_forward(h, 2)              # upsampling by repetition
            h, cc = conv_forward(h, p[f"DW{i}"], p[f"Db{i}"])
            ac = None
            if i < 2:
                h, ac = self.act.forward(h)
            caches.append((cc, ac, uc))
        return h, caches

    def backward(self, dout, caches):
        grads, d = {}, dout
        for i in reversed(range(3)):
            cc, ac, uc = caches[3 + i]
            if ac is not None:
                d = self.act.backward(d, ac)
            d, grads[f"DW{i}"], grads[f"Db{i}"] = conv_backward(d, cc)
            d = upsample_backward(d, uc)                # backprop through repetition: sum over each block
        for i in reversed(range(3)):
            cc, ac, pc = caches[i]
            d = avg_pool_backward(d, pc)
            d = self.act.backward(d, ac)
            d, grads[f"EW{i}"], grads[f"Eb{i}"] = conv_backward(d, cc, need_dx=True)
        return d, grads
