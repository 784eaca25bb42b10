"""A spatial (2-D) LSTM that scans an image grid row by row, each cell reading its input and the
states of the cells above and to the left (Graves, Fernández & Schmidhuber 2007, multi-dimensional
RNNs), with a forget gate per direction:

    v = [x_ij, h_up, h_left];  [i, f_up, f_left, o, g] = v W + b
    c_ij = s(f_up) c_up + s(f_left) c_left + s(i) tanh(g);   h_ij = s(o) tanh(c_ij)

States outside the grid are 0. The grid is usually an image cut into p x p patches (x_ij: the patch's
pixels), so a 28 x 28 digit is 7 x 7 = 49 steps. Backward walks the grid in reverse order; a cell's
state gradients come from the cell below (through its "up" inputs) and the cell to the right
(through its "left" inputs), and weights used at every cell accumulate with +=.
"""

import numpy as np

from .activations import logistic


def patches(images, p):
    """(N, H, W) images -> (gh, gw, N, p*p) non-overlapping p x p patches (H, W multiples of p)."""
    N, H, W = images.shape
    if H % p or W % p:
        raise ValueError(f"image {H}x{W}: not a multiple of the patch size {p}")
    x = images.reshape(N, H // p, p, W // p, p).transpose(1, 3, 0, 2, 4)
    return np.ascontiguousarray(x.reshape(H // p, W // p, N, p * p))


def init_spatial_lstm(d_in, hidden, rng, dtype=np.float32):
    """W: (d_in + 2 hidden, 5 hidden) Glorot-scaled; forget biases 1 (remember by default)."""
    W = (rng.standard_normal((d_in + 2 * hidden, 5 * hidden)) / np.sqrt(d_in + 2 * hidden)).astype(dtype)
    b = np.zeros(5 * hidden, dtype)
    b[hidden:3 * hidden] = 1.0
    return {"W": W, "b": b}


def spatial_lstm_forward(x, p):
    """x: (gh, gw, N, D) -> h: (gh, gw, N, H) every cell's output, cache."""
    gh, gw, N, _ = x.shape
    H = p["b"].shape[0] // 5
    h = np.zeros((gh + 1, gw + 1, N, H), x.dtype)        # row 0 and column 0: the zero border
    c = np.zeros_like(h)
    caches = {}
    for i in range(1, gh + 1):
        for j in range(1, gw + 1):
            v = np.concatenate([x[i - 1, j - 1], h[i - 1, j], h[i, j - 1]], axis=1)
            z = v @ p["W"] + p["b"]
            gi, fu, fl, o = (logistic(z[:, k * H:(k + 1) * H]) for k in range(4))
            g = np.tanh(z[:, 4 * H:])
            c[i, j] = fu * c[i - 1, j] + fl * c[i, j - 1] + gi * g
            tc = np.tanh(c[i, j])
            h[i, j] = o * tc
            caches[i, j] = (v, gi, fu, fl, o, g, tc)
    return h[1:, 1:].copy(), (x.shape, h, c, caches)


def spatial_lstm_backward(dh_out, cache, p):
    """dh_out: (gh, gw, N, H) gradients on every cell's output -> dx (gh, gw, N, D), grads."""
    (gh, gw, N, D), h, c, caches = cache
    H = p["b"].shape[0] // 5
    dh = np.zeros_like(h)
    dc = np.zeros_like(c)
    dh[1:, 1:] = dh_out
    dx = np.zeros((gh, gw, N, D), dh_out.dtype)
    dW, db = np.zeros_like(p["W"]), np.zeros_like(p["b"])
    for i in range(gh, 0, -1):
        for j in range(gw, 0, -1):
            v, gi, fu, fl, o, g, tc = caches[i, j]
            d = dh[i, j]
            dcell = dc[i, j] + d * o * (1 - tc * tc)      # from the cells below/right and through h = o tanh(c)
            dz = np.concatenate([dcell * g * gi * (1 - gi), dcell * c[i - 1, j] * fu * (1 - fu),
                                 dcell * c[i, j - 1] * fl * (1 - fl), d * tc * o * (1 - o),
                                 dcell * gi * (1 - g * g)], axis=1)
            dW += v.T @ dz
            db += dz.sum(axis=0)
            dv = dz @ p["W"].T
            dx[i - 1, j - 1] = dv[:, :D]
            dh[i - 1, j] += dv[:, D:D + H]                # the cell above fed its h in as "up"
            dh[i, j - 1] += dv[:, D + H:]                 # the cell to the left, as "left"
            dc[i - 1, j] += dcell * fu
            dc[i, j - 1] += dcell * fl
    return dx, {"W": dW, "b": db}
