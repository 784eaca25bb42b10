"""A model trained on parts of its batch at once, one part per core (data parallelism in threads).

The conv paths' products are thin (24-32 channels) and partly bound by memory: BLAS's own threads
gained ~30 % from the second core here, and the work between products (ReLU, masks, shifted copies,
bias) ran on one core. :class:`DataParallel` instead sends each part of the batch through its own
replica of the model (its own buffers, the same parameters), the calling thread taking the first
part and a small pool the rest, with BLAS at one thread per product while they run. NumPy and the
BLAS calls release the GIL, so every core works on everything. Measured on the CT denoiser's step
(2 cores): 25-35 % less time than one replica with two BLAS threads.

The parts' weight gradients are summed in a fixed order: the same result from run to run, equal to
the whole batch's up to float32 rounding. ``NUMPY_LAB_PARTS=1`` turns the splitting off.

The pool's threads run the functions given to :func:`on_thread_start` before their first part (the
GUI lowers their scheduling priority there, as its training worker's).
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..machine import cores
from .gemm import blas_single_thread

MAX_PARTS = 8


def default_parts():
    """Parts a batch is split into: one per core (at most MAX_PARTS), or ``NUMPY_LAB_PARTS``."""
    env = os.environ.get("NUMPY_LAB_PARTS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(cores(), MAX_PARTS))


_pool = None
_pool_lock = threading.Lock()
_starters = []
_local = threading.local()


def on_thread_start(fn):
    """fn() is called in each of the pool's threads before the first part it runs from now on."""
    if fn not in _starters:
        _starters.append(fn)


def _in_pool(fn, i):
    done = getattr(_local, "started", 0)
    for start in _starters[done:]:
        start()
    _local.started = len(_starters)
    return fn(i)


def _executor():
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=MAX_PARTS - 1, thread_name_prefix="lab-part")
        return _pool


def run_parts(fn, n):
    """[fn(0), ..., fn(n-1)], fn(0) on the calling thread and the others in the pool, BLAS single-
    threaded meanwhile. The first exception raised by any part is raised here, after all ended."""
    if n == 1:
        return [fn(0)]
    with blas_single_thread():
        futures = []
        try:
            for i in range(1, n):
                futures.append(_executor().submit(_in_pool, fn, i))
        except RuntimeError:      # the interpreter is exiting (a background job still running): no new
            pass                  # threads; the caller runs the parts the pool did not take
        try:
            first = fn(0)
            later = [fn(i) for i in range(1 + len(futures), n)]
        finally:
            rest = [f.exception() for f in futures]     # waits for every part before anything is reused
        for err in rest:
            if err is not None:
                raise err
        return [first] + [f.result() for f in futures] + later


def batch_parts(N, parts):
    """[(start, end)] of up to ``parts`` near-equal, non-empty slices of a batch of N."""
    parts = max(1, min(parts, N))
    edges = np.linspace(0, N, parts + 1).round().astype(int)
    return [(a, e) for a, e in zip(edges[:-1], edges[1:])]


def sum_grads(trees):
    """The element-wise sum of several gradient trees (dicts / lists / tuples of arrays), in order."""
    first = trees[0]
    if isinstance(first, dict):
        return {k: sum_grads([t[k] for t in trees]) for k in first}
    if isinstance(first, (list, tuple)):
        return type(first)(sum_grads([t[i] for t in trees]) for i in range(len(first)))
    total = first
    for t in trees[1:]:
        total = total + t
    return total


class DataParallel:
    """``make()`` builds one replica: an object with ``forward(x, params) -> out``, ``backward(dout,
    need_dx) -> (dx, grads)`` and ``predict(x, params) -> out``, batch on the first axis of x and out,
    every sample independent of the others (no batch statistics). This object has the same three
    methods and runs each on up to ``parts`` slices of the batch at once."""

    def __init__(self, make, parts=None):
        self.make = make
        self.parts = parts or default_parts()
        self.replicas = [make()]
        self._split = None

    def _replica(self, i):
        while len(self.replicas) <= i:
            self.replicas.append(self.make())
        return self.replicas[i]

    def forward(self, x, params):
        """x: (N, ...) -> out (N, ...), each replica keeping what its ``backward`` needs."""
        split = batch_parts(len(x), self.parts)
        for i in range(len(split)):
            self._replica(i)
        outs = run_parts(lambda i: self.replicas[i].forward(x[split[i][0]:split[i][1]], params), len(split))
        self._split = split
        return outs[0] if len(outs) == 1 else np.concatenate(outs)

    def backward(self, dout, need_dx=False):
        """dout: like forward's out -> (dx or None, grads summed over the parts)."""
        split = self._split
        res = run_parts(lambda i: self.replicas[i].backward(dout[split[i][0]:split[i][1]], need_dx), len(split))
        grads = sum_grads([g for _, g in res])
        dx = None if not need_dx else res[0][0] if len(res) == 1 else np.concatenate([d for d, _ in res])
        return dx, grads

    def predict(self, x, params):
        """x: (N, ...) -> out, one sample at a time per part (bounded memory for whole images)."""
        n = len(x)
        if n == 0:
            return self.replicas[0].predict(x, params)
        parts = min(self.parts, n)
        for i in range(parts):
            self._replica(i)
        outs = run_parts(lambda i: [self.replicas[i].predict(x[j:j + 1], params) for j in range(i, n, parts)], parts)
        return np.concatenate([outs[j % parts][j // parts] for j in range(n)])   # part j % parts had sample j
