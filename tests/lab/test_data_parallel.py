"""A model run on parts of its batch in threads gives the whole batch's results, and the BLAS
thread count is put back however the parts end."""

import threading

import numpy as np
import pytest

from lab.nn.cnn import init_cnn
from lab.nn.conv_stack import ConvStack
from lab.nn.data_parallel import DataParallel, run_parts
from lab.nn.gemm import blas_single_thread, blas_threads


@pytest.mark.parametrize("N,parts", [(5, 2), (5, 3), (1, 2), (2, 4)])
def test_parts_give_the_whole_batch_results(N, parts):
    rng = np.random.default_rng(0)
    channels = [1, 6, 20, 1]
    p = init_cnn(channels, rng=rng, dtype=np.float64)
    x = rng.standard_normal((N, 1, 9, 7))
    dout = rng.standard_normal((N, 1, 9, 7))
    whole, split = ConvStack(channels), DataParallel(lambda: ConvStack(channels), parts=parts)
    y_ref = whole.forward(x, p)
    dx_ref, g_ref = whole.backward(dout, need_dx=True)
    for _ in range(2):                                    # the second pass reuses every replica's buffers
        y = split.forward(x, p)
        dx, g = split.backward(dout, need_dx=True)
        np.testing.assert_allclose(y, y_ref, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(dx, dx_ref, rtol=1e-12, atol=1e-12)
        for k in p:
            np.testing.assert_allclose(g[k], g_ref[k], rtol=1e-10, atol=1e-12, err_msg=k)
    np.testing.assert_allclose(split.predict(x, p), y_ref, rtol=1e-12, atol=1e-12)
    assert split.backward(dout)[0] is None


def test_parts_keep_float32():
    rng = np.random.default_rng(1)
    p = init_cnn([1, 8, 1], rng=rng)
    split = DataParallel(lambda: ConvStack([1, 8, 1]), parts=2)
    x = rng.standard_normal((4, 1, 10, 10)).astype(np.float32)
    y = split.forward(x, p)
    dx, g = split.backward(np.ones_like(y), need_dx=True)
    assert y.dtype == dx.dtype == np.float32 and all(v.dtype == np.float32 for v in g.values())
    assert split.predict(x, p).dtype == np.float32


def test_a_failing_part_raises_after_all_parts_and_blas_threads_come_back():
    before = blas_threads()
    ended = []

    def part(i):
        if i == 1:
            raise ValueError("part 1 failed")
        threading.Event().wait(0.05)
        ended.append(i)
        return i

    with pytest.raises(ValueError, match="part 1"):
        run_parts(part, 3)
    assert sorted(ended) == [0, 2]                         # nothing was still running when it raised
    assert blas_threads() == before
    assert run_parts(lambda i: i * i, 4) == [0, 1, 4, 9]
    assert blas_threads() == before


def test_single_thread_blas_is_counted_across_nested_and_concurrent_uses():
    before = blas_threads()
    if before is None:
        pytest.skip("NumPy's BLAS thread count is not reachable here")
    with blas_single_thread():
        assert blas_threads() == 1
        with blas_single_thread():
            assert blas_threads() == 1
        assert blas_threads() == 1                          # the inner one ending leaves the outer's setting
    assert blas_threads() == before


def test_parts_run_on_the_caller_when_the_pool_takes_no_more(monkeypatch):
    """While the interpreter exits, a pool takes no new work (RuntimeError from submit): a background
    job still running then finishes its parts on its own thread instead of failing."""
    from lab.nn import data_parallel

    class Closed:
        def submit(self, *a, **k):
            raise RuntimeError("cannot schedule new futures after shutdown")
    monkeypatch.setattr(data_parallel, "_executor", lambda: Closed())
    assert data_parallel.run_parts(lambda i: i * 10, 3) == [0, 10, 20]
