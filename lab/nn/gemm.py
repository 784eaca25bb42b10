"""Matrix products written straight into memory the caller owns, through BLAS ``gemm``'s
C <- A@B + beta*C: a sum of products accumulates in place (beta = 1) with no temporary and no separate
add pass, and a product can land in a slice of a larger buffer.

NumPy's ``matmul`` has no beta. This module calls the ``cblas_?gemm`` of the very OpenBLAS that NumPy
itself loaded (by ctypes), so one BLAS thread pool serves every product. (scipy's BLAS wrappers have
beta, but scipy ships a second OpenBLAS whose threads spin against NumPy's on two cores: measured,
the same products ran at half speed when the two libraries alternated.) Where NumPy's BLAS cannot
be found (another build), ``matmul_into`` falls back to ``matmul`` and an add, with the same result.
"""

import contextlib
import ctypes
import glob
import os
import threading

import numpy as np

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
SMALL = 1 << 16


def _numpy_openblas():
    """NumPy's own OpenBLAS (ctypes handles), most likely first."""
    here = os.path.dirname(np.__file__)
    candidates = []
    for d in (os.path.join(os.path.dirname(here), "numpy.libs"), os.path.join(here, ".dylibs")):
        candidates += sorted(glob.glob(os.path.join(d, "*openblas*")))
    for path in candidates:
        try:
            yield ctypes.CDLL(path)
        except OSError:
            continue


def _numpy_cblas():
    """{dtype: gemm} of the cblas NumPy's own OpenBLAS exports, or None."""
    for lib in _numpy_openblas():
        for prefix, suffix, int_t in (("scipy_cblas_", "64_", ctypes.c_int64), ("cblas_", "64_", ctypes.c_int64),
                                      ("scipy_cblas_", "", ctypes.c_int), ("cblas_", "", ctypes.c_int)):
            try:
                fs = [getattr(lib, f"{prefix}{t}gemm{suffix}") for t in "sd"]
            except AttributeError:
                continue
            for f, real in zip(fs, (ctypes.c_float, ctypes.c_double)):
                f.restype = None
                f.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, int_t, int_t, int_t, real,
                              ctypes.c_void_p, int_t, ctypes.c_void_p, int_t, real, ctypes.c_void_p, int_t]
            return {np.dtype(np.float32): fs[0], np.dtype(np.float64): fs[1]}
    return None


def _thread_setters():
    """(get, set) of NumPy's OpenBLAS thread count, or None."""
    for lib in _numpy_openblas():
        for get, set_ in (("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
                          ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
                          ("openblas_get_num_threads", "openblas_set_num_threads")):
            try:
                g, s = getattr(lib, get), getattr(lib, set_)
            except AttributeError:
                continue
            g.restype, g.argtypes = ctypes.c_int, []
            s.restype, s.argtypes = None, [ctypes.c_int]
            return g, s
    return None


_CBLAS = _numpy_cblas()
_THREADS = _thread_setters()
_single = {"depth": 0, "saved": None}
_single_lock = threading.Lock()


@contextlib.contextmanager
def blas_single_thread():
    """Within it, each BLAS product runs on the thread that calls it (no BLAS threads): for callers
    that run several products at once in their own threads (``lab.nn.data_parallel``). Nested and
    concurrent uses are counted; the last one out restores the count it found."""
    if _THREADS is None:
        yield
        return
    get, set_ = _THREADS
    with _single_lock:
        if _single["depth"] == 0:
            _single["saved"] = get()
            set_(1)
        _single["depth"] += 1
    try:
        yield
    finally:
        with _single_lock:
            _single["depth"] -= 1
            if _single["depth"] == 0:
                set_(_single["saved"])


def blas_threads():
    """How many threads a BLAS product may use now (None if unknown)."""
    return _THREADS[0]() if _THREADS else None


def _operand(x):
    """(x, trans flag, leading dimension) for a row-major BLAS call, or None if x needs a copy."""
    item = x.itemsize
    s0, s1 = x.strides
    if s1 == item and s0 >= max(x.shape[1], 1) * item and s0 % item == 0:
        return _NO_TRANS, s0 // item
    if s0 == item and s1 >= max(x.shape[0], 1) * item and s1 % item == 0:
        return _TRANS, s1 // item
    return None


def matmul_into(a, b, out, accumulate=False):
    """out (+)= a @ b in place and returns out. a: (m, k), b: (k, n), out: (m, n) with contiguous rows
    (a slice of a larger buffer is fine); a and b any views with rows or columns contiguous."""
    if a.shape[1] == 1:                                   # an inner dimension of 1 is an outer product
        if accumulate:
            out += a * b
        else:
            np.multiply(a, b, out=out)
        return out
    gemm = _CBLAS and _CBLAS.get(out.dtype)
    # A small operand stored the other way round is copied rather than flagged transposed: OpenBLAS's
    # transposed kernels ran these thin products at about half speed.
    if gemm is not None and a.dtype == b.dtype == out.dtype:
        if not a.flags.c_contiguous and a.size <= SMALL:
            a = np.ascontiguousarray(a)
        if not b.flags.c_contiguous and b.size <= SMALL:
            b = np.ascontiguousarray(b)
        ta, tb, to = _operand(a), _operand(b), _operand(out)
        if ta and tb and to and to[0] == _NO_TRANS and min(out.shape) > 0:
            m, k = a.shape
            n = b.shape[1]
            gemm(_ROW_MAJOR, ta[0], tb[0], m, n, k, 1.0, a.ctypes.data, ta[1], b.ctypes.data, tb[1],
                 1.0 if accumulate else 0.0, out.ctypes.data, to[1])
            return out
    if accumulate:
        out += a @ b
    else:
        np.matmul(a, b, out=out)
    return out
