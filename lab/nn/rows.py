"""The padded channels-last row layout of the fast convolution paths (``conv_stack``,
``convlstm_rows``), and the GEMM forms of a stride-1 'same' k x k convolution in it.

A batch (N, C, H, W) is stored as rows n*Hp*Wp + i*Wp + j of the zero-padded grid (Hp = H + 2p,
Wp = W + 2p), channels last, with ``off`` = p*Wp + p zero rows before and after. Output pixel row m
of a convolution reads input rows m + dy*Wp + dx (tap dy, dx): every tap is the same buffer shifted,
so an im2col is one strided copy and each tap's product is one GEMM on a slice. Output row m is the
padded row m + off of the next buffer, so outputs land in place; rows that fall on padding
(``junk``) compute values that are zeroed or ignored.
"""

import numpy as np

from .conv import im2col_rows
from .gemm import matmul_into

CHUNK_BYTES = 4 << 20      # im2col columns built at a time when they are not kept (best at 2-4 MB here)
MIN_CHUNK = 256


class RowGrid:
    def __init__(self, N, H, W, k):
        self.N, self.H, self.W, self.k = N, H, W, k
        self.p = p = k // 2
        self.Hp, self.Wp = H + 2 * p, W + 2 * p
        self.M = N * self.Hp * self.Wp
        self.off = p * self.Wp + p
        self.rows = self.M + 2 * self.off
        self.taps = [dy * self.Wp + dx for dy in range(k) for dx in range(k)]
        grid = np.zeros((N, self.Hp, self.Wp), bool)
        grid[:, H:, :] = True
        grid[:, :, W:] = True
        self.junk = np.flatnonzero(grid.ravel())         # output rows that land on padding

    def inner(self, buf):
        """The M rows of a padded buffer (rows, C) that hold the output grid."""
        return buf[self.off:self.off + self.M]

    def to_rows(self, x, out):
        """x: (N, C, H, W) -> its pixels written into out (rows, C) at padded positions."""
        self.grid(self.inner(out))[:] = x.transpose(0, 2, 3, 1)

    def grid(self, rows):
        """rows (M, C) -> the (N, H, W, C) view of its real pixels."""
        return rows.reshape(self.N, self.Hp, self.Wp, -1)[:, :self.H, :self.W]

    def from_rows(self, rows):
        """rows (M, C) of the output grid -> (N, C, H, W)."""
        return np.ascontiguousarray(self.grid(rows).transpose(0, 3, 1, 2))

    def im2col(self, buf, cols):
        """cols[m] = the k*k taps of output row m side by side (``lab.nn.conv.im2col_rows``)."""
        return im2col_rows(buf, self.M, self.Wp, self.k, out=cols)


def scratch_for(widest, dtype):
    """A flat buffer for one chunk of im2col columns up to ``widest`` wide."""
    return np.empty(max(CHUNK_BYTES // np.dtype(dtype).itemsize, MIN_CHUNK * widest), dtype)


def _col_chunks(buf, grid, width, scratch):
    """(a, e, cols): the im2col of output rows [a, e), a cache-sized chunk at a time, built in
    ``scratch`` (flat) by one strided copy each."""
    M = grid.M
    R = min(M, scratch.size // width)
    for a in range(0, M, R):
        e = min(M, a + R)
        yield a, e, im2col_rows(buf[a:], e - a, grid.Wp, grid.k, out=scratch[:(e - a) * width].reshape(e - a, width))


def conv_cols_chunked(buf, kern_t, out_t, grid, scratch):
    """out_t (F, M) = (im2col(buf) @ kern_t^T)^T, chunk by chunk, each chunk's product written
    straight into its columns: for inference, where nothing is kept for a weight gradient."""
    for a, e, cols in _col_chunks(buf, grid, kern_t.shape[1], scratch):
        matmul_into(kern_t, cols.T, out_t[:, a:e])
    return out_t


def conv_cols_dw(buf, dout, grid, scratch, dw):
    """dw (k*k*C, F) = im2col(buf)^T @ dout, each chunk's product accumulated in place: no whole
    im2col is written."""
    for a, e, cols in _col_chunks(buf, grid, grid.k ** 2 * buf.shape[1], scratch):
        matmul_into(cols.T, dout[a:e], dw, accumulate=a > 0)
    return dw


def conv_taps_backward_input(dout, wk, dbuf, grid):
    """dbuf (rows, C) = the gradient into a layer's input rows: each tap's dout @ W[tap]^T added
    into the slice it came from (k*k accumulating GEMMs, no col2im). wk: (k*k, C, F)."""
    M = grid.M
    dbuf[M:] = 0
    for t, o in enumerate(grid.taps):                     # o = 0 first: it initialises rows [0, M)
        matmul_into(dout, wk[t].T, dbuf[o:o + M], accumulate=t > 0)
    return dbuf
