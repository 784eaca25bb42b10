"""The convolutional LSTM of ``lab.nn.recurrent`` over a whole sequence, in the padded
channels-last row layout of ``lab.nn.rows``: the fast path of the GIF tab.

Each time step's conv input [x_t; h_{t-1}] is one padded buffer (rows, Cin + Ch): the frames are
written into all T buffers once, and each step writes h_t straight into the next buffer's hidden
columns (padding rows zeroed). The gates are one im2col GEMM per step, computed transposed, so
that each gate is one contiguous (Ch, M) block (i, f, o, g) and every gate product is a fast
elementwise pass: no concatenation, pad, crop or NCHW transpose inside the loop. Backward walks
time in reverse (BPTT): dW from the columns kept by forward (one GEMM per step, accumulated in
place), db by one GEMV, the gradient into [x_t; h_{t-1}] by one GEMM of every tap's share and k*k
row-block adds (col2im, channel-major: a third faster than k*k thin GEMMs here). Same maths and
parameters as ``recurrent.convlstm_forward/backward``, which the tests hold it to.
"""

import numpy as np

from .conv import inference_active
from .gemm import matmul_into
from .rows import RowGrid, conv_cols_chunked, scratch_for


class SeqCache:
    """What backward needs; ``gates_last()`` gives the last step's i, f, o as (N, Ch, H, W)."""

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def gates_last(self):
        z = self.acts[-1]
        return tuple(_to_nchw(self.grid, z[j * self.Ch:(j + 1) * self.Ch]) for j in range(3))


def _to_nchw(g, block):
    """(Ch, M) channel-major rows -> (N, Ch, H, W)."""
    v = block.reshape(-1, g.N, g.Hp, g.Wp)[:, :, :g.H, :g.W]
    return np.ascontiguousarray(v.transpose(1, 0, 2, 3))


def _kernels(p):
    W = np.concatenate([p["Wx"], p["Wh"]], axis=1)         # (4Ch, C, k, k): the kernels side by side
    F, C, k, _ = W.shape
    return np.ascontiguousarray(W.transpose(2, 3, 1, 0).reshape(k * k, C, F))   # (taps, C, 4Ch)


def _sigmoid_(x):
    """In place: 1 / (1 + exp(-x)). NumPy's float32 exp is twice as fast as its tanh here, which made
    this form 1.6x faster than ``activations.logistic``'s; exp(-x) overflows to inf for x < -88
    (float32), and 1 / inf is the exact 0."""
    np.negative(x, out=x)
    with np.errstate(over="ignore"):
        np.exp(x, out=x)
    x += 1
    np.reciprocal(x, out=x)


def convlstm_rows_forward(xs, p, c_hidden):
    """xs: (T, N, Cin, H, W) -> hs (T, N, Ch, H, W), SeqCache. Under ``conv.inference()`` the
    columns are built a chunk at a time and nothing is kept for backward."""
    T, N, Cin, H, W = xs.shape
    Ch = c_hidden
    C, k = Cin + Ch, p["Wx"].shape[-1]
    g = RowGrid(N, H, W, k)
    M, off, kk = g.M, g.off, k * k
    dt = xs.dtype
    bufs = np.zeros((T, g.rows, C), dt)
    bufs[:, off:off + M].reshape(T, N, g.Hp, g.Wp, C)[:, :, :H, :W, :Cin] = xs.transpose(0, 1, 3, 4, 2)
    wk = _kernels(p)
    kern = wk.reshape(kk * C, 4 * Ch)
    kern_t = np.ascontiguousarray(kern.T)
    keep = not inference_active()
    # one block per step: a single T-step block would come from fresh, page-faulting memory every call
    cols = [np.empty((M, kk * C), dt) for _ in range(T)] if keep else None
    scratch = None if keep else scratch_for(kk * C, dt)
    valid = np.ones(M, dt)
    valid[g.junk] = 0
    acts = np.empty((T, 4 * Ch, M), dt)                     # i, f, o (sigmoid), g (tanh); channel-major
    c = np.zeros((T + 1, Ch, M), dt)
    tc = np.empty((T, Ch, M), dt)
    hs = np.empty((T, N, Ch, H, W), dt)
    h = np.empty((Ch, M), dt)
    for t in range(T):
        z = acts[t]
        if keep:
            matmul_into(kern_t, g.im2col(bufs[t], cols[t]).T, z)
        else:
            conv_cols_chunked(bufs[t], kern_t, z, g, scratch)
        z += p["b"][:, None]
        _sigmoid_(z[:3 * Ch])
        np.tanh(z[3 * Ch:], out=z[3 * Ch:])
        i, f, o, gg = z[:Ch], z[Ch:2 * Ch], z[2 * Ch:3 * Ch], z[3 * Ch:]
        np.multiply(f, c[t], out=c[t + 1])
        c[t + 1] += i * gg
        np.tanh(c[t + 1], out=tc[t])
        np.multiply(o, tc[t], out=h)
        h *= valid                                          # padding positions of the next input
        if t + 1 < T:
            bufs[t + 1][off:off + M, Cin:] = h.T
        hs[t] = h.reshape(Ch, N, g.Hp, g.Wp)[:, :, :H, :W].transpose(1, 0, 2, 3)
    return hs, SeqCache(grid=g, Cin=Cin, Ch=Ch, bufs=bufs, cols=cols, acts=acts, c=c, tc=tc, wk=wk, valid=valid)


def convlstm_rows_backward(dhs, cache, need_dx=True):
    """dhs: (T, N, Ch, H, W) gradients on every h_t -> dxs (T, N, Cin, H, W) or None, grads."""
    if cache.cols is None:
        raise ValueError("backward after a forward under conv.inference(): nothing was kept for it")
    g, Cin, Ch = cache.grid, cache.Cin, cache.Ch
    T = len(cache.acts)
    M, off, k = g.M, g.off, g.k
    C, kk = Cin + Ch, k * k
    dt = cache.acts.dtype
    dhr = np.zeros((T, Ch, M), dt)
    dhr.reshape(T, Ch, g.N, g.Hp, g.Wp)[..., :g.H, :g.W] = dhs.transpose(0, 2, 1, 3, 4)
    dW = np.empty((kk * C, 4 * Ch), dt)
    db = np.zeros(4 * Ch, dt)
    ones = np.ones(M, dt)
    dz = np.empty((4 * Ch, M), dt)
    first = 0 if need_dx else Cin                          # the input channels a gradient is needed for
    Cg = C - first
    w_in = np.ascontiguousarray(cache.wk[:, first:].reshape(kk * Cg, 4 * Ch))   # row t*Cg + c: tap t, channel c
    dcols = np.empty((kk * Cg, M), dt)
    dgrid = np.empty((Cg, g.rows), dt)                      # the input gradient, channel-major padded rows
    dxs = np.empty((T, g.N, Cin, g.H, g.W), dt) if need_dx else None
    dh_next, dc = None, np.zeros((Ch, M), dt)
    for t in reversed(range(T)):
        z, tc = cache.acts[t], cache.tc[t]
        i, f, o, gg = z[:Ch], z[Ch:2 * Ch], z[2 * Ch:3 * Ch], z[3 * Ch:]
        dh = dhr[t] if dh_next is None else dhr[t] + dh_next
        dc += dh * o * (1 - tc * tc)                        # backprop into c through h = o tanh(c)
        np.multiply(dh * tc, o * (1 - o), out=dz[2 * Ch:3 * Ch])
        np.multiply(dc * gg, i * (1 - i), out=dz[:Ch])
        np.multiply(dc * cache.c[t], f * (1 - f), out=dz[Ch:2 * Ch])
        np.multiply(dc * i, 1 - gg * gg, out=dz[3 * Ch:])
        dc *= f                                             # backprop into c_{t-1}
        matmul_into(dz, ones[:, None], db[:, None], accumulate=True)
        matmul_into(cache.cols[t].T, dz.T, dW, accumulate=t < T - 1)
        if t > 0 or need_dx:                                # backprop into x_t and h_{t-1} at once:
            matmul_into(w_in, dz, dcols)                    # every tap's share of every input pixel (one GEMM),
            dgrid[...] = 0
            for j, o in enumerate(g.taps):                  # added back where it came from (k*k row-block adds)
                dgrid[:, o:o + M] += dcols[j * Cg:(j + 1) * Cg]
            dh_next = dgrid[-Ch:, off:off + M] * cache.valid
            if need_dx:
                dxs[t] = _to_nchw(g, dgrid[:Cin, off:off + M])
    Wall = dW.reshape(k, k, C, 4 * Ch).transpose(3, 2, 0, 1)
    grads = {"Wx": np.ascontiguousarray(Wall[:, :Cin]), "Wh": np.ascontiguousarray(Wall[:, Cin:]), "b": db}
    return dxs, grads
