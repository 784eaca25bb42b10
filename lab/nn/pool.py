"""Pooling and upsampling layers over (N, C, H, W) maps."""

import numpy as np


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
