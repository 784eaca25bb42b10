"""Pooling and upsampling layers over (N, C, H, W) maps."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _windows(x, k, stride):
    """(N, C, Ho, Wo, k, k) view of the k x k windows at the given stride ('valid')."""
    return sliding_window_view(x, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]


def max_pool_forward(x, k=2, stride=None):
    """Max over k x k windows every ``stride`` pixels (default k): (N, C, H, W) -> (N, C, Ho, Wo)."""
    stride = stride or k
    win = _windows(x, k, stride)
    n, c, ho, wo = win.shape[:4]
    flat = win.reshape(n, c, ho, wo, k * k)
    arg = flat.argmax(axis=-1)
    out = np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]
    return out, (x.shape, k, stride, arg)


def max_pool_backward(dout, cache):
    """The gradient goes to the window's maximum (the first one on ties); overlapping windows add
    (k*k strided slice-adds, one per position inside the window)."""
    shape, k, stride, arg = cache
    ho, wo = dout.shape[2:]
    dx = np.zeros(shape, dout.dtype)
    for t in range(k * k):
        dy, dxk = divmod(t, k)
        dx[:, :, dy:dy + stride * (ho - 1) + 1:stride, dxk:dxk + stride * (wo - 1) + 1:stride] += dout * (arg == t)
    return dx


def pool_forward(x, k=2, stride=None, mode="avg"):
    """Average (or max) pooling with any kernel and stride ('valid')."""
    if mode == "max":
        return max_pool_forward(x, k, stride)
    stride = stride or k
    win = _windows(x, k, stride)
    return win.mean(axis=(-1, -2)), (x.shape, k, stride, "avg")


def pool_backward(dout, cache):
    if not isinstance(cache[-1], str):  # a max-pool cache ends with the argmax array
        return max_pool_backward(dout, cache)
    shape, k, stride, _ = cache
    dx = np.zeros(shape, dout.dtype)
    ho, wo = dout.shape[2:]
    share = dout / (k * k)
    for dy in range(k):                                          # k*k strided slice-adds, no per-pixel loop
        for dxk in range(k):
            dx[:, :, dy:dy + stride * (ho - 1) + 1:stride, dxk:dxk + stride * (wo - 1) + 1:stride] += share
    return dx


def global_avg_pool_forward(x):
    """(N, C, H, W) -> (N, C): the mean of each map."""
    return x.mean(axis=(2, 3)), x.shape


def global_avg_pool_backward(dout, shape):
    return np.broadcast_to(dout[:, :, None, None] / (shape[2] * shape[3]), shape).copy()


def avg_pool_forward(x, s):
    """Mean over non-overlapping s x s blocks: (N, C, H, W) -> (N, C, H/s, W/s)."""
    n, c, h, w = x.shape
    if h % s or w % s:
        raise ValueError(f"pool size {s} does not divide {h}x{w}")
    return x.reshape(n, c, h // s, s, w // s, s).mean(axis=(3, 5)), (x.shape, s)


def avg_pool_backward(dout, cache):
    shape, s = cache
    return np.repeat(np.repeat(dout, s, axis=2), s, axis=3) / (s * s)


def upsample_forward(x, s):
    """Nearest-neighbour upsampling by repetition: (N, C, H, W) -> (N, C, s H, s W)."""
    return np.repeat(np.repeat(x, s, axis=2), s, axis=3), s


def upsample_backward(dout, s):
    """Each input pixel fed an s x s block: its gradient is the block's sum."""
    n, c, h, w = dout.shape
    return dout.reshape(n, c, h // s, s, w // s, s).sum(axis=(3, 5))
