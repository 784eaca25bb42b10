"""2-D convolution (stride 1, 'same' padding for odd kernels) with stride tricks + BLAS.

Every pass is one "valid" cross-correlation of a padded array with a kernel stack, computed as
a sliding-window view contracted by ``tensordot`` (no Python loops over pixels or images):
    forward:  out = corr(pad(x), w) + b
    backward: dx  = corr(pad(dout), flip(w) with in/out channels swapped)   (a full convolution)
              dw  = corr of pad(x) windows with dout, summed over the batch
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _corr(xp, w):
    """Valid cross-correlation. xp: (N, C, Hp, Wp), w: (F, C, k, k) -> (N, F, Hp-k+1, Wp-k+1)."""
    k = w.shape[-1]
    win = sliding_window_view(xp, (k, k), axis=(2, 3))          # (N, C, H, W, k, k), a view
    out = np.tensordot(win, w, axes=([1, 4, 5], [1, 2, 3]))     # (N, H, W, F)
    return out.transpose(0, 3, 1, 2)


def _pad(x, p):
    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))) if p else x


def conv_forward(x, w, b):
    """x: (N, C, H, W), w: (F, C, k, k) with k odd, b: (F,) -> out (N, F, H, W), cache."""
    k = w.shape[-1]
    if k % 2 == 0:
        raise ValueError(f"kernel size {k}: use an odd size for 'same' padding")
    p = k // 2
    xp = _pad(x, p)
    out = _corr(xp, w)
    out += b[None, :, None, None]
    return out, (xp, w)


def conv_backward(dout, cache, need_dx=True):
    """dout: (N, F, H, W) -> dx (N, C, H, W) or None, dw (F, C, k, k), db (F,)."""
    xp, w = cache
    k = w.shape[-1]
    p = k // 2
    db = dout.sum(axis=(0, 2, 3))
    win = sliding_window_view(xp, dout.shape[2:], axis=(2, 3))  # (N, C, k, k, H, W)
    dw = np.tensordot(dout, win, axes=([0, 2, 3], [0, 4, 5]))    # (F, C, k, k)
    dx = None
    if need_dx:
        w_flip = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)      # (C, F, k, k)
        dx = _corr(_pad(dout, k - 1 - p), w_flip)                 # backprop into x: a full convolution
    return dx, dw, db
