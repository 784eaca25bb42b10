"""Batch normalisation and dropout: layers whose behaviour differs between training and evaluation."""

import numpy as np


def batchnorm_forward(x, gamma, beta, running=None, train=True, momentum=0.9, eps=1e-5):
    """Normalise each feature over the batch (and, for maps, over the pixels), then scale and shift.

    x: (N, D) or (N, C, H, W); gamma, beta: (D,) or (C,); running: {"mean", "var"} updated in place
    while training, used at evaluation -> out like x, cache (None at evaluation)."""
    axes = (0,) if x.ndim == 2 else (0, 2, 3)
    shape = (1, -1) if x.ndim == 2 else (1, -1, 1, 1)
    if not train:
        xhat = (x - running["mean"].reshape(shape)) / np.sqrt(running["var"].reshape(shape) + eps)
        return gamma.reshape(shape) * xhat + beta.reshape(shape), None
    mu = x.mean(axis=axes)
    var = x.var(axis=axes)
    inv = 1 / np.sqrt(var + eps)
    xhat = (x - mu.reshape(shape)) * inv.reshape(shape)
    if running is not None:
        running["mean"] *= momentum
        running["mean"] += (1 - momentum) * mu
        running["var"] *= momentum
        running["var"] += (1 - momentum) * var
    return gamma.reshape(shape) * xhat + beta.reshape(shape), (xhat, inv, gamma, axes, shape)


def batchnorm_backward(dout, cache):
    """-> dx, dgamma, dbeta (the compact form: dx = inv/m (m dxhat - sum dxhat - xhat sum dxhat xhat))."""
    xhat, inv, gamma, axes, shape = cache
    m = dout.size // dout.shape[1]
    dbeta = dout.sum(axis=axes)
    dgamma = (dout * xhat).sum(axis=axes)
    dxhat = dout * gamma.reshape(shape)
    dx = (inv.reshape(shape) / m) * (m * dxhat - dxhat.sum(axis=axes).reshape(shape)
                                     - xhat * (dxhat * xhat).sum(axis=axes).reshape(shape))
    return dx, dgamma, dbeta


def dropout_forward(x, p, rng, train=True):
    """Inverted dropout: zero each unit with probability p while training and scale the rest by
    1/(1-p), so evaluation needs no rescaling. -> out, mask (None at evaluation)."""
    if not train or p == 0:
        return x, None
    mask = (rng.random(x.shape) >= p).astype(x.dtype) / x.dtype.type(1 - p)
    return x * mask, mask


def dropout_backward(dout, mask):
    return dout if mask is None else dout * mask
