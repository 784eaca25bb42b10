"""Convolution with any stride and 'same' or 'valid' zero padding, and its adjoint, the transposed
convolution (learned upsampling), as forward/backward pairs.

    out[n, f, i, j] = sum_{c, dy, dx} xp[n, c, s i + dy, s j + dx] w[f, c, dy, dx] + b[f]

Forward contracts strided k x k windows (a stride-tricks view) with the kernels by ``tensordot``;
backward into x is k*k strided slice-adds (no np.add.at). The stride-1 'same' case has the faster
``lab.nn.conv`` path; this module is for downsampling (ResNet's projection shortcuts, strided
stems) and upsampling.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _pad_amount(k, padding):
    if padding == "same":
        return k // 2
    if padding == "valid":
        return 0
    raise ValueError(f"padding {padding!r}: use 'same' or 'valid'")


def conv2d_forward(x, w, b, stride=1, padding="same"):
    """x: (N, C, H, W), w: (F, C, k, k), b: (F,) -> out (N, F, Ho, Wo), cache;
    Ho = (H + 2p - k) // stride + 1 with p = k // 2 ('same') or 0 ('valid')."""
    k = w.shape[-1]
    p = _pad_amount(k, padding)
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))) if p else x
    win = sliding_window_view(xp, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]   # (N, C, Ho, Wo, k, k)
    out = np.tensordot(win, w, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)
    out = out + b[None, :, None, None]
    return np.ascontiguousarray(out), (x.shape, xp, w, stride, p)


def conv2d_backward(dout, cache, need_dx=True):
    """dout: (N, F, Ho, Wo) -> dx (N, C, H, W) or None, dw (F, C, k, k), db (F,)."""
    shape, xp, w, stride, p = cache
    k = w.shape[-1]
    ho, wo = dout.shape[2:]
    win = sliding_window_view(xp, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]
    dw = np.tensordot(dout, win, axes=([0, 2, 3], [0, 2, 3]))                       # (F, C, k, k)
    db = dout.sum(axis=(0, 2, 3))
    dx = None
    if need_dx:
        dxp = np.zeros(xp.shape, dout.dtype)
        for dy in range(k):
            for dxk in range(k):                                    # each tap's share, slid back into place
                share = np.tensordot(dout, w[:, :, dy, dxk], axes=([1], [0])).transpose(0, 3, 1, 2)
                dxp[:, :, dy:dy + stride * (ho - 1) + 1:stride, dxk:dxk + stride * (wo - 1) + 1:stride] += share
        dx = dxp[:, :, p:p + shape[2], p:p + shape[3]] if p else dxp
        dx = np.ascontiguousarray(dx)
    return dx, dw, db


def conv_transpose_forward(x, w, b, stride=2, out_size=None):
    """The adjoint of a 'valid' strided convolution: x (N, F, h, w), w (F, C, k, k) -> (N, C, H, W) with
    H = (h - 1) * stride + k (or ``out_size``), plus a bias b (C,). Learned upsampling."""
    n, f, h, wd = x.shape
    k = w.shape[-1]
    H, W = out_size or ((h - 1) * stride + k, (wd - 1) * stride + k)
    fake = (np.zeros((n, w.shape[1], H, W), x.dtype), np.zeros((n, w.shape[1], H, W), x.dtype), w, stride, 0)
    out, _, _ = conv2d_backward(x, fake)
    return out + b[None, :, None, None], (x, w, stride, (H, W))


def conv_transpose_backward(dout, cache):
    """-> dx (N, F, h, w), dw (F, C, k, k), db (C,): the forward convolution of dout, and the kernel
    gradient with the roles of input and output swapped."""
    x, w, stride, _ = cache
    dx, _ = conv2d_forward(dout, w, np.zeros(w.shape[0], dout.dtype), stride, "valid")
    _, dw, _ = conv2d_backward(x, (dout.shape, dout, w, stride, 0), need_dx=False)
    return dx, dw, dout.sum(axis=(0, 2, 3))
