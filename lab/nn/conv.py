"""2-D convolution, stride 1, 'same' zero padding for odd kernels, as BLAS GEMMs over a padded,
flattened channels-last copy of the input (no per-pixel loops, no windows materialised in backward).

The padded input is stored as one (N*Hp*Wp + tail, C) array. Output pixel (n, i, j) of tap (dy, dx)
reads row n*Hp*Wp + (i+dy)*Wp + (j+dx): every tap is the same array shifted by dy*Wp + dx rows,
so the k*k taps are k*k contiguous slices of one buffer. Rows that fall on the padding columns
compute junk that is dropped (a few per cent extra work). Two forms:
    training (the im2col fits COLS_BUDGET): cols = the k*k shifted slices side by side, built by one
              strided copy; out = cols @ W (one GEMM), dW = cols^T @ dout (one GEMM, cols kept);
    otherwise, and under ``inference()``: out = sum over taps of shift_tap @ W[tap], k*k GEMMs
              accumulating in place (BLAS beta = 1, ``lab.nn.gemm``), nothing extra kept;
              dW[tap] = shift_tap^T @ dout_padded (k*k GEMMs, long inner dimension)
    dX:       shift_tap back += dout_padded @ W[tap]^T, k*k GEMMs accumulating into shifted slices
              of one buffer (no np.add.at, no temporaries)
``conv_forward_direct``/``conv_backward_direct`` are the textbook sliding-window forms, kept as the
reference the tests and ``bench/workloads.py --check`` compare against. ``lab.nn.conv_stack`` keeps a
whole stack of these in the padded layout (no transposes between layers).
"""

import threading
from contextlib import contextmanager

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

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


COLS_BUDGET = 48 << 20   # bytes: up to this (training batches), an im2col is built and kept for dW;
#                          larger inputs (whole test sets at inference) take the k*k GEMMs and keep nothing extra


_STATE = threading.local()


@contextmanager
def inference():
    """Within it (per thread), convolutions run forward only: no im2col is built or kept for a
    weight gradient, so the k*k accumulating GEMMs are the faster form (measured 10-40 % less
    forward time), and memory stays one output per layer. ``conv_backward`` cannot follow."""
    before = getattr(_STATE, "inference", False)
    _STATE.inference = True
    try:
        yield
    finally:
        _STATE.inference = before


def inference_active():
    return getattr(_STATE, "inference", False)


def _layout(shape, k):
    N, C, H, W = shape
    p = k // 2
    Hp, Wp = H + 2 * p, W + 2 * p
    return p, Hp, Wp, N * Hp * Wp, (k - 1) * (Wp + 1)


def im2col_rows(buf, M, Wp, k, out=None):
    """(M, k*k*C) columns of a padded channels-last buffer (taps major, channels minor), by one
    strided copy of the k*k shifted row windows (a copy per tap into column blocks is several times
    slower); into ``out`` when given (a reused buffer)."""
    C, item = buf.shape[1], buf.itemsize
    win = as_strided(buf, (M, k, k, C), (C * item, Wp * C * item, C * item, item))
    cols = np.empty((M, k * k * C), buf.dtype) if out is None else out
    np.copyto(cols.reshape(M, k, k, C), win)
    return cols


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
    out = np.empty((M, F), x.dtype)
    training = not inference_active()
    if training and M * k * k * C * x.itemsize <= COLS_BUDGET:   # one GEMM over k*k*C; cols kept for dW
        cols = im2col_rows(buf, M, Wp, k)
        matmul_into(cols, wk.reshape(k * k * C, F), out)
        out += b
        kept = cols
    else:                                                        # k*k GEMMs accumulating on the bias
        out[...] = b
        for t in range(k * k):
            o = (t // k) * Wp + t % k
            matmul_into(buf[o:o + M], wk[t], out, accumulate=True)
        kept = buf if training else None
    y = np.ascontiguousarray(out.reshape(N, Hp, Wp, F)[:, :H, :W].transpose(0, 3, 1, 2))
    return y, (kept, wk, x.shape, F)


def conv_backward(dout, cache, need_dx=True):
    """dout: (N, F, H, W) -> dx (N, C, H, W) or None, dw (F, C, k, k), db (F,)."""
    kept, wk, shape, F = cache
    N, C, H, W = shape
    k = int(round(np.sqrt(len(wk))))
    p, Hp, Wp, M, tail = _layout(shape, k)
    db = dout.sum(axis=(0, 2, 3))
    dpad = np.zeros((M, F), dout.dtype)                          # dout on the padded grid, 0 on junk rows
    dpad.reshape(N, Hp, Wp, F)[:, :H, :W] = dout.transpose(0, 2, 3, 1)
    if kept.shape[0] == M:                                       # the im2col: one GEMM
        dwk = kept.T @ dpad
    else:
        dwk = np.empty((k * k, C, F), dout.dtype)
        for t in range(k * k):                                   # dW[tap] = shifted input^T @ dout
            o = (t // k) * Wp + t % k
            np.matmul(kept[o:o + M].T, dpad, out=dwk[t])
    dw = dwk.reshape(k, k, C, F).transpose(3, 2, 0, 1).copy()
    dx = None
    if need_dx:
        dbuf = np.empty((M + tail, C), dout.dtype)
        dbuf[M:] = 0
        for t in range(k * k):                                   # backprop into x: each tap's share, shifted back
            o = (t // k) * Wp + t % k                            # (o = 0 first: it initialises rows [0, M))
            matmul_into(dpad, wk[t].T, dbuf[o:o + M], accumulate=t > 0)
        dx = np.ascontiguousarray(dbuf[:M].reshape(N, Hp, Wp, C)[:, p:p + H, p:p + W].transpose(0, 3, 1, 2))
    return dx, dw, db
