"""Convolutional LSTM (Shi et al. 2015): the gates are convolutions over the frame and the
previous hidden state.

    z = conv(x_t, Wx) + conv(h_{t-1}, Wh) + b          (4 Ch channels: i, f, o, g; computed as
                                                        one convolution over [x_t; h_{t-1}])
    i, f, o = sigmoid(z_i, z_f, z_o);  g = tanh(z_g)
    c_t = f * c_{t-1} + i * g;         h_t = o * tanh(c_t)

``convlstm_step_forward/backward`` is one time step (what decoupled training updates on its
own); ``convlstm_forward/backward`` run a whole sequence, backward walking time in reverse and
carrying dh_next, dc_next (backpropagation through time), accumulating dWx, dWh, db with +=. They
are the reference; ``convlstm_rows`` computes the same sequence in the padded row layout, 1.3-1.6x
faster (GIF tab, W3), and is what the models (``CONV_CELLS``) run.
"""

import numpy as np

from .activations import logistic
from .conv import conv_backward, conv_forward
from .convlstm_rows import SeqCache, convlstm_rows_backward, convlstm_rows_forward


def convlstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """x: (N, Cin, H, W); h_prev, c_prev: (N, Ch, H, W); Wx: (4Ch, Cin, k, k); Wh: (4Ch, Ch, k, k);
    b: (4Ch,) -> h, c: (N, Ch, H, W), cache"""
    ch = h_prev.shape[1]
    # one convolution over [x; h_prev] (the kernels side by side): the same sum as two, half the passes
    z, cache_xh = conv_forward(np.concatenate([x, h_prev], axis=1), np.concatenate([Wx, Wh], axis=1), b)
    i = logistic(z[:, :ch])
    f = logistic(z[:, ch:2 * ch])
    o = logistic(z[:, 2 * ch:3 * ch])
    g = np.tanh(z[:, 3 * ch:])
    c = f * c_prev + i * g
    tc = np.tanh(c)
    h = o * tc
    return h, c, (cache_xh, x.shape[1], i, f, o, g, c_prev, tc)


def convlstm_step_backward(dh, dc, cache, need_dx=True):
    """dh, dc: gradients on h_t and c_t -> dx, dh_prev, dc_prev, dWx, dWh, db"""
    cache_xh, c_in, i, f, o, g, c_prev, tc = cache
    do = dh * tc
    dc = dc + dh * o * (1 - tc * tc)                  # backprop into c through h = o tanh(c)
    di, df, dg = dc * g, dc * c_prev, dc * i
    dc_prev = dc * f                                  # backprop into c_{t-1}
    dz = np.concatenate([di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g * g)], axis=1)
    dxh, dW, db = conv_backward(dz, cache_xh)         # backprop into x_t and h_{t-1} at once
    dx = np.ascontiguousarray(dxh[:, :c_in]) if need_dx else None
    dh_prev = np.ascontiguousarray(dxh[:, c_in:])
    return dx, dh_prev, dc_prev, np.ascontiguousarray(dW[:, :c_in]), np.ascontiguousarray(dW[:, c_in:]), db


def init_convlstm(c_in, c_hidden, k, rng, dtype=np.float32):
    """Parameters of one layer: Glorot-scaled kernels, forget-gate bias 1 (remember by default)."""
    fan = (c_in + c_hidden) * k * k
    b = np.zeros(4 * c_hidden, dtype)
    b[c_hidden:2 * c_hidden] = 1.0
    return {"Wx": (rng.standard_normal((4 * c_hidden, c_in, k, k)) / np.sqrt(fan)).astype(dtype),
            "Wh": (rng.standard_normal((4 * c_hidden, c_hidden, k, k)) / np.sqrt(fan)).astype(dtype),
            "b": b}


def convlstm_forward(xs, p, c_hidden):
    """xs: (T, N, Cin, H, W) -> hs: (T, N, Ch, H, W), caches (one per step)."""
    T, n, _, H, W = xs.shape
    h = np.zeros((n, c_hidden, H, W), xs.dtype)
    c = np.zeros_like(h)
    hs, caches = [], []
    for t in range(T):
        h, c, cache = convlstm_step_forward(xs[t], h, c, p["Wx"], p["Wh"], p["b"])
        hs.append(h)
        caches.append(cache)
    return np.stack(hs), caches


def convlstm_backward(dhs, caches, need_dx=True):
    """dhs: (T, N, Ch, H, W) gradients on every h_t -> dxs (T, N, Cin, H, W) or None, grads."""
    T = len(caches)
    grads = None
    dh_next = np.zeros_like(dhs[0])
    dc_next = np.zeros_like(dhs[0])
    dxs = []
    for t in reversed(range(T)):
        dx, dh_next, dc_next, dWx, dWh, db = convlstm_step_backward(dhs[t] + dh_next, dc_next, caches[t], need_dx)
        if grads is None:
            grads = {"Wx": dWx, "Wh": dWh, "b": db}
        else:
            grads["Wx"] += dWx  # the same weights at every time step: gradients add up
            grads["Wh"] += dWh
            grads["b"] += db
        dxs.append(dx)
    return (np.stack(dxs[::-1]) if need_dx else None), grads


# ------------------------------------------------------------------ the convolutional update-gate RNN
def init_convugrnn(c_in, c_hidden, k, rng, dtype=np.float32):
    """Parameters of a convolutional UGRNN layer (Collins et al. 2017's update-gate RNN with its
    products replaced by convolutions): kernels for [candidate; update gate], update-gate bias 1."""
    fan = (c_in + c_hidden) * k * k
    b = np.zeros(2 * c_hidden, dtype)
    b[c_hidden:] = 1.0
    return {"Wx": (rng.standard_normal((2 * c_hidden, c_in, k, k)) / np.sqrt(fan)).astype(dtype),
            "Wh": (rng.standard_normal((2 * c_hidden, c_hidden, k, k)) / np.sqrt(fan)).astype(dtype),
            "b": b}


def convugrnn_step_forward(x, h_prev, Wx, Wh, b):
    """c = tanh(conv([x; h_prev], W_c)), u = sigmoid(conv([x; h_prev], W_u)), h = u h_prev + (1 - u) c.
    x: (N, Cin, H, W), h_prev: (N, Ch, H, W) -> h, cache."""
    ch = h_prev.shape[1]
    z, cache_xh = conv_forward(np.concatenate([x, h_prev], axis=1), np.concatenate([Wx, Wh], axis=1), b)
    c = np.tanh(z[:, :ch])
    u = logistic(z[:, ch:])
    h = u * h_prev + (1 - u) * c
    return h, (cache_xh, x.shape[1], c, u, h_prev)


def convugrnn_step_backward(dh, cache, need_dx=True):
    """dh: gradient on h_t -> dx, dh_prev, dWx, dWh, db."""
    cache_xh, c_in, c, u, h_prev = cache
    dz = np.concatenate([dh * (1 - u) * (1 - c * c), dh * (h_prev - c) * u * (1 - u)], axis=1)
    dxh, dW, db = conv_backward(dz, cache_xh)
    dx = np.ascontiguousarray(dxh[:, :c_in]) if need_dx else None
    dh_prev = dxh[:, c_in:] + dh * u                    # h_prev is used twice: gradients add
    return dx, dh_prev, np.ascontiguousarray(dW[:, :c_in]), np.ascontiguousarray(dW[:, c_in:]), db


def convugrnn_forward(xs, p, c_hidden):
    """xs: (T, N, Cin, H, W) -> hs: (T, N, Ch, H, W), caches (one per step)."""
    T, n, _, H, W = xs.shape
    h = np.zeros((n, c_hidden, H, W), xs.dtype)
    hs, caches = [], []
    for t in range(T):
        h, cache = convugrnn_step_forward(xs[t], h, p["Wx"], p["Wh"], p["b"])
        hs.append(h)
        caches.append(cache)
    return np.stack(hs), caches


def convugrnn_backward(dhs, caches, need_dx=True):
    """dhs: (T, N, Ch, H, W) gradients on every h_t -> dxs or None, grads (through time)."""
    grads, dxs = None, []
    dh_next = np.zeros_like(dhs[0])
    for t in reversed(range(len(caches))):
        dx, dh_next, dWx, dWh, db = convugrnn_step_backward(dhs[t] + dh_next, caches[t], need_dx)
        if grads is None:
            grads = {"Wx": dWx, "Wh": dWh, "b": db}
        else:
            grads["Wx"] += dWx
            grads["Wh"] += dWh
            grads["b"] += db
        dxs.append(dx)
    return (np.stack(dxs[::-1]) if need_dx else None), grads


CONV_CELLS = {"convlstm": (init_convlstm, convlstm_rows_forward, convlstm_rows_backward),   # the fast path
              "conv-ugrnn": (init_convugrnn, convugrnn_forward, convugrnn_backward)}


def last_gates(cell, caches):
    """The gates of the last time step, each (N, Ch, H, W): (i, f, o) of a ConvLSTM, (u,) of a UGRNN.
    ``caches``: a sequence's (``convlstm_rows.SeqCache``) or a list of per-step caches."""
    if isinstance(caches, SeqCache):
        return caches.gates_last()
    return tuple(caches[-1][2:5]) if cell == "convlstm" else (caches[-1][3],)
