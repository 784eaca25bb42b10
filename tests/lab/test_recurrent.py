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
