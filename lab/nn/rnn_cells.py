"""Recurrent cells on vectors, each a forward/backward pair for one time step, and the sequence
runner that backpropagates through time (min-char-rnn's shape: per-step caches, backward walks time
in reverse carrying the state's gradient, weights used at every step accumulate with +=).

Cells (x: (N, D), state: a tuple of (N, H) arrays; ``v = [x, h_prev]`` concatenated):
- ``elman``: h = tanh(v W + b)  (``irnn``: ReLU with W_hh = I, Le, Jaitly & Hinton 2015)
- ``lstm``: [i, f, o, g] = v W + b; c = s(f) c_prev + s(i) tanh(g); h = s(o) tanh(c)
- ``ugrnn`` (Collins et al. 2017): c = tanh(v Wc + bc); u = s(v Wu + bu); h = u h_prev + (1 - u) c
- ``intersection`` (Collins et al. 2017): y_in = tanh(v Wy + by), h_in = tanh(v Wh + bh),
  gy = s(v Wgy + bgy), gh = s(v Wgh + bgh); the depth output y = gy x + (1 - gy) y_in (needs D = H),
  the state h = gh h_prev + (1 - gh) h_in.
- ``conv-ugrnn``: the UGRNN with convolutions for products, over image rows (``ConvUGRNNCell``).
The step output is h, except for the intersection cell, whose output is y.
"""

import numpy as np

from .activations import logistic
from .recurrent import convugrnn_step_backward, convugrnn_step_forward, init_convugrnn


def _glorot(rng, a, b, dtype):
    return (rng.standard_normal((a, b)) * np.sqrt(1.0 / a)).astype(dtype)


class Cell:
    name = ""
    n_state = 1

    def __init__(self, d_in, d_hidden):
        self.d_in, self.d_hidden = d_in, d_hidden

    def zero_state(self, n, dtype=np.float32):
        return tuple(np.zeros((n, self.d_hidden), dtype) for _ in range(self.n_state))


class ElmanCell(Cell):
    name = "elman"

    def __init__(self, d_in, d_hidden, relu=False):
        super().__init__(d_in, d_hidden)
        self.relu = relu

    def init(self, rng, dtype=np.float32):
        W = _glorot(rng, self.d_in + self.d_hidden, self.d_hidden, dtype)
        if self.relu:  # IRNN: identity recurrence, small input weights
            W[self.d_in:] = np.eye(self.d_hidden, dtype=dtype)
            W[:self.d_in] *= 0.1
        return {"W": W, "b": np.zeros(self.d_hidden, dtype)}

    def forward(self, x, state, p):
        v = np.concatenate([x, state[0]], axis=1)
        z = v @ p["W"] + p["b"]
        h = np.maximum(z, 0) if self.relu else np.tanh(z)
        return h, (h,), (v, h, z)

    def backward(self, dout, dstate, cache, p):
        v, h, z = cache
        dh = dout + dstate[0]
        dz = dh * (z > 0) if self.relu else dh * (1 - h * h)
        dv = dz @ p["W"].T
        return dv[:, :self.d_in], (dv[:, self.d_in:],), {"W": v.T @ dz, "b": dz.sum(axis=0)}


class LSTMCell(Cell):
    name = "lstm"
    n_state = 2

    def init(self, rng, dtype=np.float32):
        H = self.d_hidden
        b = np.zeros(4 * H, dtype)
        b[H:2 * H] = 1.0  # forget-gate bias 1: remember by default
        return {"W": _glorot(rng, self.d_in + H, 4 * H, dtype), "b": b}

    def forward(self, x, state, p):
        h_prev, c_prev = state
        H = self.d_hidden
        v = np.concatenate([x, h_prev], axis=1)
        z = v @ p["W"] + p["b"]
        i, f, o = logistic(z[:, :H]), logistic(z[:, H:2 * H]), logistic(z[:, 2 * H:3 * H])
        g = np.tanh(z[:, 3 * H:])
        c = f * c_prev + i * g
        tc = np.tanh(c)
        h = o * tc
        return h, (h, c), (v, i, f, o, g, c_prev, tc)

    def backward(self, dout, dstate, cache, p):
        v, i, f, o, g, c_prev, tc = cache
        dh = dout + dstate[0]
        do = dh * tc
        dc = dstate[1] + dh * o * (1 - tc * tc)                      # backprop into c through h = o tanh(c)
        dz = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f), do * o * (1 - o),
                             dc * i * (1 - g * g)], axis=1)
        dv = dz @ p["W"].T
        return dv[:, :self.d_in], (dv[:, self.d_in:], dc * f), {"W": v.T @ dz, "b": dz.sum(axis=0)}


class UGRNNCell(Cell):
    name = "ugrnn"

    def init(self, rng, dtype=np.float32):
        H = self.d_hidden
        b = np.zeros(2 * H, dtype)
        b[H:] = 1.0  # update-gate bias: keep the state at first
        return {"W": _glorot(rng, self.d_in + H, 2 * H, dtype), "b": b}

    def forward(self, x, state, p):
        h_prev = state[0]
        H = self.d_hidden
        v = np.concatenate([x, h_prev], axis=1)
        z = v @ p["W"] + p["b"]
        c, u = np.tanh(z[:, :H]), logistic(z[:, H:])
        h = u * h_prev + (1 - u) * c
        return h, (h,), (v, c, u, h_prev)

    def backward(self, dout, dstate, cache, p):
        v, c, u, h_prev = cache
        dh = dout + dstate[0]
        dz = np.concatenate([dh * (1 - u) * (1 - c * c), dh * (h_prev - c) * u * (1 - u)], axis=1)
        dv = dz @ p["W"].T
        dh_prev = dv[:, self.d_in:] + dh * u                         # h_prev is used twice: gradients add
        return dv[:, :self.d_in], (dh_prev,), {"W": v.T @ dz, "b": dz.sum(axis=0)}


class IntersectionCell(Cell):
    name = "intersection"

    def __init__(self, d_in, d_hidden):
        if d_in != d_hidden:
            raise ValueError(f"the intersection RNN's depth output carries x: input {d_in} must equal hidden {d_hidden}")
        super().__init__(d_in, d_hidden)

    def init(self, rng, dtype=np.float32):
        H = self.d_hidden
        b = np.zeros(4 * H, dtype)
        b[2 * H:] = 1.0  # both gates start open towards carrying
        return {"W": _glorot(rng, self.d_in + H, 4 * H, dtype), "b": b}

    def forward(self, x, state, p):
        h_prev = state[0]
        H = self.d_hidden
        v = np.concatenate([x, h_prev], axis=1)
        z = v @ p["W"] + p["b"]
        y_in, h_in = np.tanh(z[:, :H]), np.tanh(z[:, H:2 * H])
        gy, gh = logistic(z[:, 2 * H:3 * H]), logistic(z[:, 3 * H:])
        y = gy * x + (1 - gy) * y_in
        h = gh * h_prev + (1 - gh) * h_in
        return y, (h,), (v, x, h_prev, y_in, h_in, gy, gh)

    def backward(self, dout, dstate, cache, p):
        v, x, h_prev, y_in, h_in, gy, gh = cache
        dh = dstate[0]
        dz = np.concatenate([dout * (1 - gy) * (1 - y_in * y_in), dh * (1 - gh) * (1 - h_in * h_in),
                             dout * (x - y_in) * gy * (1 - gy), dh * (h_prev - h_in) * gh * (1 - gh)], axis=1)
        dv = dz @ p["W"].T
        dx = dv[:, :self.d_in] + dout * gy                            # x also carried to y
        dh_prev = dv[:, self.d_in:] + dh * gh
        return dx, (dh_prev,), {"W": v.T @ dz, "b": dz.sum(axis=0)}


class ConvUGRNNCell(Cell):
    """The convolutional update-gate RNN (``lab.nn.recurrent``'s, as on the GIF tab) over a sequence
    of image rows: each step's input (N, D) is a 1 x D image and the state C channels along the same
    row, so ``d_hidden`` = C x D (C = d_hidden / D, rounded); k x k kernels with zero padding, which
    on a one-pixel-high image is a 1-D convolution of width k along the row."""
    name = "conv-ugrnn"

    def __init__(self, d_in, d_hidden, kernel=3):
        self.channels, self.kernel = max(1, round(d_hidden / d_in)), kernel
        super().__init__(d_in, self.channels * d_in)

    def init(self, rng, dtype=np.float32):
        return init_convugrnn(1, self.channels, self.kernel, rng, dtype)

    def forward(self, x, state, p):
        n, d = x.shape
        h, cache = convugrnn_step_forward(x.reshape(n, 1, 1, d), state[0].reshape(n, self.channels, 1, d),
                                          p["Wx"], p["Wh"], p["b"])
        h = h.reshape(n, -1)
        return h, (h,), cache

    def backward(self, dout, dstate, cache, p):
        n = dout.shape[0]
        dh = (dout + dstate[0]).reshape(n, self.channels, 1, self.d_in)
        dx, dh_prev, dWx, dWh, db = convugrnn_step_backward(dh, cache)
        return dx.reshape(n, -1), (dh_prev.reshape(n, -1),), {"Wx": dWx, "Wh": dWh, "b": db}


CELLS = {"elman": ElmanCell, "irnn": lambda d, h: ElmanCell(d, h, relu=True), "lstm": LSTMCell,
         "ugrnn": UGRNNCell, "intersection": IntersectionCell, "conv-ugrnn": ConvUGRNNCell}


def sequence_forward(cell, xs, p, state=None):
    """xs: (T, N, D) -> outputs (T, N, H), caches."""
    state = state if state is not None else cell.zero_state(xs.shape[1], xs.dtype)
    outs, caches = [], []
    for x in xs:
        out, state, cache = cell.forward(x, state, p)
        outs.append(out)
        caches.append(cache)
    return np.stack(outs), caches


def sequence_backward(cell, douts, caches, p):
    """Backpropagation through time. douts: (T, N, H) -> dxs (T, N, D), grads, and the norm of the
    gradient on the state at every step (||dL/dh_t||, for the vanishing-gradient plot)."""
    dstate = tuple(np.zeros_like(douts[0]) for _ in range(cell.n_state))
    grads, dxs, norms = None, [], []
    for t in reversed(range(len(caches))):
        norms.append(float(np.linalg.norm(douts[t] + dstate[0])))   # everything that reaches step t's state
        dx, dstate, g = cell.backward(douts[t], dstate, caches[t], p)
        if grads is None:
            grads = g
        else:
            for k in grads:
                grads[k] += g[k]                                     # the same weights at every step
        dxs.append(dx)
    return np.stack(dxs[::-1]), grads, np.array(norms[::-1])
