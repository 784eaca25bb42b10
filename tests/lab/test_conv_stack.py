"""The padded channels-last conv stack (the CT denoiser's fast path) against the layer-by-layer
network it replaces and against numerical gradients, in float64, for each of its GEMM forms."""

import numpy as np
import pytest

from lab.nn.cnn import cnn_backward, cnn_forward, init_cnn
from lab.nn.conv_stack import ConvStack
from lab.nn.gemm import matmul_into
from lab.nn.gradcheck import eval_numerical_gradient_array, rel_error


@pytest.mark.parametrize("channels,k", [([1, 3, 2, 1], 3),          # few-out at every layer
                                        ([2, 20, 17, 6, 1], 3),     # im2col, taps, taps, few-out (taps: dW by chunks)
                                        ([1, 4, 1], 5)])            # a 5x5 kernel
def test_stack_matches_the_layer_by_layer_network(channels, k):
    rng = np.random.default_rng(0)
    p = init_cnn(channels, k=k, rng=rng, dtype=np.float64)
    for i in range(len(channels) - 1):
        p[f"b{i}"] = rng.standard_normal(p[f"b{i}"].shape)
    x = rng.standard_normal((3, channels[0], 7, 6))
    dout = rng.standard_normal((3, channels[-1], 7, 6))
    stack = ConvStack(channels, k=k)
    for _ in range(2):                                  # the second pass reuses the buffers
        y = stack.forward(x, p)
        dx, grads = stack.backward(dout, need_dx=True)
    y_ref, caches = cnn_forward(x, p)
    dx_ref, g_ref = cnn_backward(dout, caches, need_dx=True)
    np.testing.assert_allclose(y, y_ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, dx_ref, rtol=1e-9, atol=1e-12)
    for key in p:
        np.testing.assert_allclose(grads[key], g_ref[key], rtol=1e-9, atol=1e-12, err_msg=key)


def test_stack_numerical_gradients():
    rng = np.random.default_rng(1)
    channels = [1, 2, 17, 1]
    p = init_cnn(channels, rng=rng, dtype=np.float64)
    x = rng.standard_normal((2, 1, 5, 4))
    dout = rng.standard_normal((2, 1, 5, 4))
    stack = ConvStack(channels)
    stack.forward(x, p)
    dx, grads = stack.backward(dout, need_dx=True)
    f = lambda: ConvStack(channels).forward(x, p)  # noqa: E731
    assert rel_error(dx, eval_numerical_gradient_array(f, x, dout)) < 1e-6
    for key in p:
        assert rel_error(grads[key], eval_numerical_gradient_array(f, p[key], dout)) < 1e-6, key


def test_stack_keeps_float32_and_shapes_may_change():
    rng = np.random.default_rng(2)
    p = init_cnn([1, 8, 1], rng=rng)
    stack = ConvStack([1, 8, 1])
    for shape in [(4, 1, 12, 12), (1, 1, 30, 20), (4, 1, 12, 12)]:
        x = rng.standard_normal(shape).astype(np.float32)
        y = stack.forward(x, p)
        dx, grads = stack.backward(np.ones_like(y), need_dx=True)
        assert y.shape == shape and dx.shape == shape and y.dtype == np.float32 and dx.dtype == np.float32
        assert all(g.dtype == np.float32 for g in grads.values())
        np.testing.assert_allclose(y, cnn_forward(x, p)[0], rtol=1e-4, atol=1e-5)


def test_matmul_into_accumulates_in_place_into_a_slice():
    rng = np.random.default_rng(3)
    for dtype in (np.float32, np.float64):
        a, b = rng.standard_normal((40, 6)).astype(dtype), rng.standard_normal((6, 5)).astype(dtype)
        big = np.ones((50, 5), dtype)
        matmul_into(a, b, big[4:44])
        matmul_into(a.T.copy().T, b, big[4:44], accumulate=True)   # a column-major operand
        np.testing.assert_allclose(big[4:44], 2 * (a @ b), rtol=1e-5)
        assert (big[:4] == 1).all() and (big[44:] == 1).all()
        out = np.zeros((6, 5), dtype)
        matmul_into(a.T, rng.standard_normal((40, 5)).astype(dtype), out)   # a transposed view


def test_predict_and_small_chunks_agree_with_training(monkeypatch):
    import lab.nn.rows as cs
    rng = np.random.default_rng(4)
    channels = [1, 6, 20, 20, 1]
    p = init_cnn(channels, rng=rng, dtype=np.float64)
    x = rng.standard_normal((2, 1, 9, 8))
    dout = rng.standard_normal((2, 1, 9, 8))
    stack = ConvStack(channels)
    y = stack.forward(x, p)
    dx, g_one = stack.backward(dout, need_dx=True)             # the weight gradient's columns: one chunk
    np.testing.assert_allclose(stack.predict(x, p), y, rtol=1e-10, atol=1e-12)
    monkeypatch.setattr(cs, "CHUNK_BYTES", 1)                   # chunks of MIN_CHUNK rows, the last one short
    monkeypatch.setattr(cs, "MIN_CHUNK", 37)
    other = ConvStack(channels)
    np.testing.assert_allclose(other.forward(x, p), y, rtol=1e-10, atol=1e-12)
    dx_chunks, g_chunks = other.backward(dout, need_dx=True)
    np.testing.assert_allclose(dx_chunks, dx, rtol=1e-10, atol=1e-12)
    for key in p:
        np.testing.assert_allclose(g_chunks[key], g_one[key], rtol=1e-9, atol=1e-12, err_msg=key)
