"""The engine's further layers (issue 14), each against its numerical gradient in float64:
activations x^2, ReLU^2, softplus; max/average pooling with any kernel and stride; global average
pooling; batch normalisation (vectors and maps); dropout; the highway layer; and the recurrent
cells (Elman, IRNN, LSTM, UGRNN, intersection) through time."""

import numpy as np
import pytest

from lab.nn.activations import ACTIVATIONS
from lab.nn.gradcheck import eval_numerical_gradient_array, rel_error
from lab.nn.highway import highway_backward, highway_forward, init_highway
from lab.nn.norm import batchnorm_backward, batchnorm_forward, dropout_backward, dropout_forward
from lab.nn.pool import (global_avg_pool_backward, global_avg_pool_forward, max_pool_backward, max_pool_forward,
                         pool_backward, pool_forward)
from lab.nn.rnn_cells import CELLS, sequence_backward, sequence_forward

rng = np.random.default_rng(0)


@pytest.mark.parametrize("name", ["square", "relu2", "softplus"])
def test_new_activations(name):
    x = rng.standard_normal((4, 5))
    x[np.abs(x) < 1e-3] = 0.5  # away from ReLU^2's kink
    dout = rng.standard_normal(x.shape)
    fwd, bwd = ACTIVATIONS[name]
    out, cache = fwd(x)
    assert rel_error(bwd(dout, cache), eval_numerical_gradient_array(lambda: fwd(x)[0], x, dout)) < 1e-7
    assert np.all(np.isfinite(ACTIVATIONS["softplus"].forward(np.array([-1000.0, 1000.0]))[0]))


@pytest.mark.parametrize("k,stride", [(2, 2), (3, 2), (3, 1)])
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pooling(k, stride, mode):
    x = rng.permutation(2 * 3 * 7 * 6).reshape(2, 3, 7, 6).astype(np.float64) / 10  # distinct: no ties
    out, cache = pool_forward(x, k, stride, mode)
    assert out.shape == (2, 3, (7 - k) // stride + 1, (6 - k) // stride + 1)
    dout = rng.standard_normal(out.shape)
    num = eval_numerical_gradient_array(lambda: pool_forward(x, k, stride, mode)[0], x, dout)
    assert rel_error(pool_backward(dout, cache), num) < 1e-6


def test_max_pool_picks_the_maximum():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    out, cache = max_pool_forward(x, 2)
    assert out[0, 0].tolist() == [[5, 7], [13, 15]]
    dx = max_pool_backward(np.ones_like(out), cache)
    assert dx.sum() == 4 and dx[0, 0, 1, 1] == 1 and dx[0, 0, 0, 0] == 0


def test_global_average_pool():
    x = rng.standard_normal((2, 3, 4, 5))
    out, shape = global_avg_pool_forward(x)
    dout = rng.standard_normal(out.shape)
    num = eval_numerical_gradient_array(lambda: global_avg_pool_forward(x)[0], x, dout)
    assert rel_error(global_avg_pool_backward(dout, shape), num) < 1e-7


@pytest.mark.parametrize("shape", [(8, 5), (4, 3, 5, 4)])
def test_batchnorm(shape):
    x = rng.standard_normal(shape) * 3 + 1
    c = shape[1]
    gamma, beta = rng.standard_normal(c), rng.standard_normal(c)
    out, cache = batchnorm_forward(x, gamma, beta)
    axes = (0,) if len(shape) == 2 else (0, 2, 3)
    assert np.allclose(out.mean(axis=axes), beta) and np.allclose(out.std(axis=axes), np.abs(gamma), rtol=1e-3)
    dout = rng.standard_normal(shape)
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    f = lambda: batchnorm_forward(x, gamma, beta)[0]  # noqa: E731
    assert rel_error(dx, eval_numerical_gradient_array(f, x, dout)) < 1e-6
    assert rel_error(dgamma, eval_numerical_gradient_array(f, gamma, dout)) < 1e-7
    assert rel_error(dbeta, eval_numerical_gradient_array(f, beta, dout)) < 1e-7


def test_batchnorm_running_statistics_at_evaluation():
    running = {"mean": np.zeros(3), "var": np.ones(3)}
    for _ in range(200):
        batchnorm_forward(rng.standard_normal((64, 3)) * 2 + 5, np.ones(3), np.zeros(3), running)
    assert np.allclose(running["mean"], 5, atol=0.2) and np.allclose(running["var"], 4, rtol=0.15)
    out, cache = batchnorm_forward(np.full((2, 3), 5.0), np.ones(3), np.zeros(3), running, train=False)
    assert cache is None and np.allclose(out, 0, atol=0.15)


def test_dropout():
    x = np.ones((1000, 50))
    out, mask = dropout_forward(x, 0.3, np.random.default_rng(1))
    assert abs((out == 0).mean() - 0.3) < 0.02 and abs(out.mean() - 1) < 0.03  # inverted: the mean is kept
    dout = rng.standard_normal(x.shape)
    assert np.array_equal(dropout_backward(dout, mask), dout * mask)
    assert dropout_forward(x, 0.3, rng, train=False)[0] is x


def test_highway():
    p = {k: v.astype(np.float64) for k, v in init_highway(6, rng, gate_bias=-1.0).items()}
    x = rng.standard_normal((5, 6))
    y, cache = highway_forward(x, p, "tanh")
    dy = rng.standard_normal(y.shape)
    dx, grads = highway_backward(dy, cache, p)
    f = lambda: highway_forward(x, p, "tanh")[0]  # noqa: E731
    assert rel_error(dx, eval_numerical_gradient_array(f, x, dy)) < 1e-7
    for k in p:
        assert rel_error(grads[k], eval_numerical_gradient_array(f, p[k], dy)) < 1e-7, k
    p0 = init_highway(6, rng, gate_bias=-20.0)
    assert np.allclose(highway_forward(x.astype(np.float32), p0)[0], x, atol=1e-6)  # a closed gate carries x


@pytest.mark.parametrize("name", list(CELLS))
def test_cells_through_time(name):
    d = h = 4
    cell = CELLS[name](d, h)
    p = {k: v.astype(np.float64) for k, v in cell.init(rng).items()}
    for k in p:
        if k.startswith("W"):
            p[k] += 0.3 * rng.standard_normal(p[k].shape)  # away from the identity init's symmetries
    xs = rng.standard_normal((5, 3, d))
    outs, caches = sequence_forward(cell, xs, p)
    douts = rng.standard_normal(outs.shape)
    dxs, grads, norms = sequence_backward(cell, douts, caches, p)
    f = lambda: sequence_forward(cell, xs, p)[0]  # noqa: E731
    assert rel_error(dxs, eval_numerical_gradient_array(f, xs, douts)) < 1e-6
    for k in p:
        assert rel_error(grads[k], eval_numerical_gradient_array(f, p[k], douts)) < 1e-6, k
    assert norms.shape == (5,) and np.all(norms > 0)


@pytest.mark.parametrize("stride,padding,k", [(1, "same", 3), (2, "same", 3), (2, "valid", 3), (2, "same", 1),
                                              (3, "valid", 2)])
def test_strided_conv(stride, padding, k):
    from lab.nn.conv_strided import conv2d_backward, conv2d_forward
    rng = np.random.default_rng([stride, k, len(padding)])  # its own draw: not shifted by the tests before it
    x = rng.standard_normal((2, 3, 7, 8))
    w = rng.standard_normal((4, 3, k, k))
    b = rng.standard_normal(4)
    out, cache = conv2d_forward(x, w, b, stride, padding)
    p = k // 2 if padding == "same" else 0
    assert out.shape == (2, 4, (7 + 2 * p - k) // stride + 1, (8 + 2 * p - k) // stride + 1)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv2d_backward(dout, cache)
    f = lambda: conv2d_forward(x, w, b, stride, padding)[0]  # noqa: E731
    # 1e-6: rel_error is the largest elementwise ratio, and a gradient element near 0 carries the
    # numerical difference's own error (seen: 1.1e-7 on an element of 6e-3, every other under 1e-9)
    assert rel_error(dx, eval_numerical_gradient_array(f, x, dout)) < 1e-6
    assert rel_error(dw, eval_numerical_gradient_array(f, w, dout)) < 1e-6
    assert rel_error(db, eval_numerical_gradient_array(f, b, dout)) < 1e-6


def test_strided_same_conv_at_stride_1_is_the_fast_conv():
    from lab.nn.conv import conv_forward
    from lab.nn.conv_strided import conv2d_forward
    x, w, b = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    np.testing.assert_allclose(conv2d_forward(x, w, b)[0], conv_forward(x, w, b)[0], atol=1e-12)


def test_transposed_conv_upsamples_and_is_the_adjoint():
    from lab.nn.conv_strided import conv2d_forward, conv_transpose_backward, conv_transpose_forward
    x = rng.standard_normal((2, 4, 3, 3))
    w = rng.standard_normal((4, 2, 2, 2))
    b = rng.standard_normal(2)
    out, cache = conv_transpose_forward(x, w, b, stride=2)
    assert out.shape == (2, 2, 6, 6)
    y = rng.standard_normal(out.shape)   # <conv^T x, y> = <x, conv y>: the adjoint identity
    conv_y, _ = conv2d_forward(y, w, np.zeros(4), 2, "valid")
    assert np.sum((out - b[None, :, None, None]) * y) == pytest.approx(np.sum(x * conv_y))
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv_transpose_backward(dout, cache)
    f = lambda: conv_transpose_forward(x, w, b, stride=2)[0]  # noqa: E731
    assert rel_error(dx, eval_numerical_gradient_array(f, x, dout)) < 1e-7
    assert rel_error(dw, eval_numerical_gradient_array(f, w, dout)) < 1e-7
    assert rel_error(db, eval_numerical_gradient_array(f, b, dout)) < 1e-7
