"""2-D convolution, stride 1, 'same' zero padding for odd kernels, as BLAS GEMMs over a padded,
flattened channels-last copy of the input (no per-pixel loops, no windows materialised in backward).

The padded input is stored as one (N*Hp*Wp + tail, C) array. Output pixel (n, i, j) of tap (dy, dx)
reads row n*Hp*Wp + (i+dy)*Wp + (j+dx): every tap is the same array shifted by dy*Wp + dx rows,
so the k*k taps are k*k contiguous slices of one buffer, and no window is ever copied. Rows that
fall on the padding columns compute junk that is dropped (a few per cent extra work):
    forward:  out = sum over taps of shift_tap @ W[tap]            (k*k GEMMs, (M, C) x (C, F))
    backward: dW[tap] = shift_tap^T @ dout_padded                  (k*k GEMMs, long inner dimension)
              dX: shift_tap back += dout_padded @ W[tap]^T          (k*k GEMMs and slice-adds, no np.add.at)
``conv_forward_direct``/``conv_backward_direct`` are the textbook sliding-window forms, kept as the
reference the tests and ``bench/workloads.py --check`` compare against.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .gemm import matmul_into


def _corr(xp, w):
    """Valid cross-correlation. xp: (N, C, Hp, Wp), w: (F, C, k, k) -> (N, F, Hp-k+1, Wp-k+1)."""
    k = w.shape[-1]
    win = sliding_window_view(xp, (k, k), axis=(2, 3))          # (N, C, H, W, k, k), a view
    out = np.tensordot(win, w, axes=([1, 4, 5], [1, 2, 3]))     # (N, H, W, F)
    return out.transpose(0, 3, 1, 2)


def _pad(x, p):
    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))) if p else x


def conv_forward_direct(x, w, b):
    """x: (N, C, H, W), w: (F, C, k, k) with k odd, b: (F,) -> out (N, F, H, W), cache."""
    k = w.shape[-1]
    if k % 2 == 0:
        raise ValueError(f"kernel size {k}: use an odd size for 'same' padding")
    p = k // 2
    xp = _pad(x, p)
    out = _corr(xp, w)
    out += b[None, :, None, None]
    return out, (xp, w)


def conv_backward_direct(dout, cache, need_dx=True):
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


IM2COL_MAX = 144  # up to this many products per output pixel (16 channels at 3x3), im2col beats k*k GEMMs


def _layout(shape, k):
    N, C, H, W = shape
    p = k // 2
    Hp, Wp = H + 2 * p, W + 2 * p
    return p, Hp, Wp, N * Hp * Wp, (k - 1) * (Wp + 1)


def conv_forward(x, w, b):
    """x: (N, C, H, W), w: (F, C, k, k) with k odd, b: (F,) -> out (N, F, H, W), cache."""
    k = w.shape[-1]
    if k % 2 == 0:
        raise ValueError(f"kernel size {k}: use an odd size for 'same' padding")
    N, C, H, W = x.shape
    F = w.shape[0]
    p, Hp, Wp, M, tail = _layout(x.shape, k)
    buf = np.zeros((M + tail, C), x.dtype)                       # padded input, channels last, flattened
    buf[:M].reshape(N, Hp, Wp, C)[:, p:p + H, p:p + W] = x.transpose(0, 2, 3, 1)
    wk = np.ascontiguousarray(w.transpose(2, 3, 1, 0).reshape(k * k, C, F))  # one (C, F) matrix per tap
    if 1 < C * k * k <= IM2COL_MAX:                              # few input channels: one GEMM over k*k*C
        cols = np.empty((M, k * k * C), x.dtype)
        for t in range(k * k):
            o = (t // k) * Wp + t % k
            cols[:, t * C:(t + 1) * C] = buf[o:o + M]
        out = cols @ wk.reshape(k * k * C, F)
        out += b
    else:
        out = np.empty((M, F), x.dtype)
        out[...] = b                                             # the bias, then every tap accumulates on it
        for t in range(k * k):                                   # out += shifted input @ W[tap], in place
            o = (t // k) * Wp + t % k
            matmul_into(buf[o:o + M], wk[t], out, accumulate=True)
    y = np.ascontiguousarray(out.reshape(N, Hp, Wp, F)[:, :H, :W].transpose(0, 3, 1, 2))
    return y, (buf, wk, x.shape, F)


def conv_backward(dout, cache, need_dx=True):
    """dout: (N, F, H, W) -> dx (N, C, H, W) or None, dw (F, C, k, k), db (F,)."""
    buf, wk, shape, F = cache
    N, C, H, W = shape
    k = int(round(np.sqrt(len(wk))))
    p, Hp, Wp, M, tail = _layout(shape, k)
    db = dout.sum(axis=(0, 2, 3))
    dpad = np.zeros((M, F), dout.dtype)                          # dout on the padded grid, 0 on junk rows
    dpad.reshape(N, Hp, Wp, F)[:, :H, :W] = dout.transpose(0, 2, 3, 1)
    dwk = np.empty((k * k, C, F), dout.dtype)
    for t in range(k * k):                                       # dW[tap] = shifted input^T @ dout
        o = (t // k) * Wp + t % k
        np.matmul(buf[o:o + M].T, dpad, out=dwk[t])
    dw = dwk.reshape(k, k, C, F).transpose(3, 2, 0, 1).copy()
    dx = None
    if need_dx:
        dbuf = np.zeros((M + tail, C), dout.dtype)
        for t in range(k * k):                                   # backprop into x: each tap's share, shifted back
            o = (t // k) * Wp + t % k
            matmul_into(dpad, wk[t].T, dbuf[o:o + M], accumulate=True)
        dx = np.ascontiguousarray(dbuf[:M].reshape(N, Hp, Wp, C)[:, p:p + H, p:p + W].transpose(0, 3, 1, 2))
    return dx, dw, db
