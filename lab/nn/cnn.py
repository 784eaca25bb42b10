"""A plain convolutional network of 3x3 'same' convolutions with ReLU between them
(DnCNN-style when used on residuals): params W0, b0, ..., W{L-1}, b{L-1}."""

import numpy as np

from .activations import relu_backward, relu_forward
from .conv import conv_backward, conv_forward


def init_cnn(channels, k=3, rng=None, dtype=np.float32):
    """channels = [C_in, C1, ..., C_out]: He-initialised kernels, zero biases."""
    rng = rng if rng is not None else np.random.default_rng(0)
    p = {}
    for i, (a, b) in enumerate(zip(channels[:-1], channels[1:])):
        p[f"W{i}"] = (rng.standard_normal((b, a, k, k)) * np.sqrt(2.0 / (a * k * k))).astype(dtype)
        p[f"b{i}"] = np.zeros(b, dtype)
    return p


def cnn_forward(x, p):
    """x: (N, C_in, H, W) -> (N, C_out, H, W), caches."""
    n_layers = len(p) // 2
    caches, h = [], x
    for i in range(n_layers):
        h, cc = conv_forward(h, p[f"W{i}"], p[f"b{i}"])
        rc = None
        if i < n_layers - 1:
            h, rc = relu_forward(h)
        caches.append((cc, rc))
    return h, caches


def cnn_backward(dout, caches, need_dx=False):
    grads, d = {}, dout
    for i in reversed(range(len(caches))):
        cc, rc = caches[i]
        if rc is not None:
            d = relu_backward(d, rc)
        d, grads[f"W{i}"], grads[f"b{i}"] = conv_backward(d, cc, need_dx=(i > 0 or need_dx))
    return d, grads
