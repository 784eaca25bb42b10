"""Gradient checks of the convolutional LSTM: one step, and a whole sequence through time."""

import numpy as np

from lab.nn.gradcheck import eval_numerical_gradient_array, rel_error
from lab.nn.recurrent import (convlstm_backward, convlstm_forward, convlstm_step_backward, convlstm_step_forward,
                              init_convlstm)


def params(rng, cin=2, ch=3, k=3):
    p = init_convlstm(cin, ch, k, rng, dtype=np.float64)
    p["b"] += rng.standard_normal(p["b"].shape) * 0.3
    return p


def test_step_gradients():
    rng = np.random.default_rng(0)
    p = params(rng)
    x = rng.standard_normal((2, 2, 4, 4))
    h0, c0 = rng.standard_normal((2, 3, 4, 4)), rng.standard_normal((2, 3, 4, 4))
    dh, dc = rng.standard_normal((2, 3, 4, 4)), rng.standard_normal((2, 3, 4, 4))

    def f():  # a scalar through both outputs: sum(h * dh) + sum(c * dc)
        h, c, _ = convlstm_step_forward(x, h0, c0, p["Wx"], p["Wh"], p["b"])
        return np.array(np.sum(h * dh) + np.sum(c * dc))
    _, _, cache = convlstm_step_forward(x, h0, c0, p["Wx"], p["Wh"], p["b"])
    dx, dh0, dc0, dWx, dWh, db = convlstm_step_backward(dh, dc, cache)
    one = np.array(1.0)
    for got, wrt in ((dx, x), (dh0, h0), (dc0, c0), (dWx, p["Wx"]), (dWh, p["Wh"]), (db, p["b"])):
        assert rel_error(got, eval_numerical_gradient_array(f, wrt, one, h=1e-4, order=4)) < 1e-7


def test_gradients_through_time():
    rng = np.random.default_rng(1)
    p = params(rng)
    xs = rng.standard_normal((3, 2, 2, 4, 4))
    dhs = rng.standard_normal((3, 2, 3, 4, 4))
    hs, caches = convlstm_forward(xs, p, 3)
    dxs, grads = convlstm_backward(dhs, caches)
    f = lambda: convlstm_forward(xs, p, 3)[0]  # noqa: E731
    assert rel_error(dxs, eval_numerical_gradient_array(f, xs, dhs, h=1e-4, order=4)) < 1e-7
    for k in ("Wx", "Wh", "b"):
        assert rel_error(grads[k], eval_numerical_gradient_array(f, p[k], dhs, h=1e-4, order=4)) < 1e-7, k


def test_forget_bias_starts_at_one():
    p = init_convlstm(1, 4, 3, np.random.default_rng(0))
    assert np.all(p["b"][4:8] == 1) and np.all(p["b"][:4] == 0) and p["Wx"].dtype == np.float32


def test_conv_ugrnn_step_and_sequence_gradients():
    """The convolutional update-gate RNN: one step (h_prev used twice) and a sequence through time."""
    from lab.nn.recurrent import (convugrnn_backward, convugrnn_forward, convugrnn_step_backward,
                                  convugrnn_step_forward, init_convugrnn)
    rng = np.random.default_rng(3)
    p = init_convugrnn(2, 3, 3, rng, dtype=np.float64)
    p["b"] += rng.standard_normal(p["b"].shape) * 0.3
    x, h0 = rng.standard_normal((2, 2, 4, 4)), rng.standard_normal((2, 3, 4, 4))
    dh = rng.standard_normal((2, 3, 4, 4))
    _, cache = convugrnn_step_forward(x, h0, p["Wx"], p["Wh"], p["b"])
    dx, dh0, dWx, dWh, db = convugrnn_step_backward(dh, cache)
    f = lambda: convugrnn_step_forward(x, h0, p["Wx"], p["Wh"], p["b"])[0]  # noqa: E731
    for got, wrt in ((dx, x), (dh0, h0), (dWx, p["Wx"]), (dWh, p["Wh"]), (db, p["b"])):
        assert rel_error(got, eval_numerical_gradient_array(f, wrt, dh, h=1e-4, order=4)) < 1e-7
    xs = rng.standard_normal((3, 2, 2, 4, 4))
    dhs = rng.standard_normal((3, 2, 3, 4, 4))
    _, caches = convugrnn_forward(xs, p, 3)
    dxs, grads = convugrnn_backward(dhs, caches)
    g = lambda: convugrnn_forward(xs, p, 3)[0]  # noqa: E731
    assert rel_error(dxs, eval_numerical_gradient_array(g, xs, dhs, h=1e-4, order=4)) < 1e-7
    for k in p:
        assert rel_error(grads[k], eval_numerical_gradient_array(g, p[k], dhs, h=1e-4, order=4)) < 1e-7, k
