import numpy as np
import pytest

from lab.nn.conv import conv_backward, conv_forward
from lab.nn.pool import avg_pool_backward, avg_pool_forward, upsample_backward, upsample_forward
from lab.nn.gradcheck import eval_numerical_gradient_array, rel_error


@pytest.mark.parametrize("k", [1, 3, 5])
def test_conv_gradients(k):
    rng = np.random.default_rng(k)
    x = rng.standard_normal((2, 3, 6, 5))
    w = rng.standard_normal((4, 3, k, k))
    b = rng.standard_normal(4)
    dout = rng.standard_normal((2, 4, 6, 5))
    out, cache = conv_forward(x, w, b)
    assert out.shape == (2, 4, 6, 5)
    dx, dw, db = conv_backward(dout, cache)
    f = lambda: conv_forward(x, w, b)[0]  # noqa: E731
    assert rel_error(dx, eval_numerical_gradient_array(f, x, dout)) < 1e-7
    assert rel_error(dw, eval_numerical_gradient_array(f, w, dout)) < 1e-7
    assert rel_error(db, eval_numerical_gradient_array(f, b, dout)) < 1e-7


def test_conv_matches_a_direct_sum():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 2, 4, 4))
    w = rng.standard_normal((1, 2, 3, 3))
    out, _ = conv_forward(x, w, np.zeros(1))
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    assert out[0, 0, 1, 2] == pytest.approx(np.sum(xp[0, :, 1:4, 2:5] * w[0]))


def test_avg_pool_gradient():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 4, 6))
    dout = rng.standard_normal((2, 3, 2, 3))
    out, cache = avg_pool_forward(x, 2)
    dx = avg_pool_backward(dout, cache)
    assert rel_error(dx, eval_numerical_gradient_array(lambda: avg_pool_forward(x, 2)[0], x, dout)) < 1e-7


def test_upsample_gradient():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 3, 2))
    dout = rng.standard_normal((2, 3, 6, 4))
    out, s = upsample_forward(x, 2)
    assert out.shape == (2, 3, 6, 4) and out[0, 0, 1, 1] == x[0, 0, 0, 0]
    dx = upsample_backward(dout, s)
    assert rel_error(dx, eval_numerical_gradient_array(lambda: upsample_forward(x, 2)[0], x, dout)) < 1e-7


def test_float32_stays_float32():
    x = np.ones((1, 1, 4, 4), np.float32)
    out, cache = conv_forward(x, np.ones((2, 1, 3, 3), np.float32), np.zeros(2, np.float32))
    assert out.dtype == np.float32 and conv_backward(out, cache)[0].dtype == np.float32


@pytest.mark.parametrize("form", ["im2col", "taps"])
@pytest.mark.parametrize("k", [1, 3, 5])
def test_fast_conv_matches_the_direct_form(k, form, monkeypatch):
    """Both GEMM forms (one im2col GEMM; k*k GEMMs accumulating in place) against the textbook
    sliding-window conv, both ways."""
    import lab.nn.conv as conv_mod
    from lab.nn.conv import conv_backward_direct, conv_forward_direct
    if form == "taps":
        monkeypatch.setattr(conv_mod, "COLS_BUDGET", 0)
    rng = np.random.default_rng(10 + k)
    x = rng.standard_normal((3, 4, 9, 7))
    w = rng.standard_normal((5, 4, k, k))
    b = rng.standard_normal(5)
    y, cache = conv_forward(x, w, b)
    y2, cache2 = conv_forward_direct(x, w, b)
    np.testing.assert_allclose(y, y2, rtol=1e-12, atol=1e-12)
    dout = rng.standard_normal(y.shape)
    for a, b_ in zip(conv_backward(dout, cache), conv_backward_direct(dout, cache2)):
        np.testing.assert_allclose(a, b_, rtol=1e-12, atol=1e-12)


def test_inference_keeps_nothing_and_gives_the_same_output():
    import lab.nn.conv as conv_mod
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 6, 8, 8)).astype(np.float32)
    w = rng.standard_normal((4, 6, 3, 3)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    y, cache = conv_forward(x, w, b)
    with conv_mod.inference():
        y2, cache2 = conv_forward(x, w, b)
    assert cache2[0] is None and cache[0].shape[1] == 9 * 6     # the training form kept its im2col
    np.testing.assert_allclose(y2, y, rtol=1e-5, atol=1e-5)
    assert conv_forward(x, w, b)[1][0] is not None             # the context ends with its block
