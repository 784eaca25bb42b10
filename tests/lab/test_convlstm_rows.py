"""The ConvLSTM in the padded row layout (the models' fast path) against the NCHW reference
sequence and against numerical gradients through time, in float64."""

import numpy as np
import pytest

from lab.nn import rows
from lab.nn.conv import inference
from lab.nn.convlstm_rows import convlstm_rows_backward, convlstm_rows_forward
from lab.nn.gradcheck import eval_numerical_gradient_array, rel_error
from lab.nn.recurrent import convlstm_backward, convlstm_forward, init_convlstm, last_gates


def params(rng, cin, ch, k):
    p = init_convlstm(cin, ch, k, rng, dtype=np.float64)
    p["b"] += rng.standard_normal(p["b"].shape) * 0.3
    return p


@pytest.mark.parametrize("T,N,cin,ch,H,W,k", [(3, 2, 2, 3, 5, 4, 3), (4, 3, 1, 8, 7, 6, 5), (1, 1, 3, 2, 3, 3, 1)])
def test_rows_match_the_reference_sequence(T, N, cin, ch, H, W, k, monkeypatch):
    rng = np.random.default_rng(0)
    p = params(rng, cin, ch, k)
    xs, dhs = rng.standard_normal((T, N, cin, H, W)), rng.standard_normal((T, N, ch, H, W))
    hs_ref, caches = convlstm_forward(xs, p, ch)
    dxs_ref, g_ref = convlstm_backward(dhs, caches)
    hs, cache = convlstm_rows_forward(xs, p, ch)
    dxs, grads = convlstm_rows_backward(dhs, cache)
    np.testing.assert_allclose(hs, hs_ref, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(dxs, dxs_ref, rtol=1e-10, atol=1e-12)
    _, g_no_dx = convlstm_rows_backward(dhs, cache, need_dx=False)
    for key in g_ref:
        np.testing.assert_allclose(grads[key], g_ref[key], rtol=1e-10, atol=1e-12, err_msg=key)
        np.testing.assert_allclose(g_no_dx[key], g_ref[key], rtol=1e-10, atol=1e-12, err_msg=key)
    for a, b in zip(last_gates("convlstm", cache), last_gates("convlstm", caches)):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)
    with inference():                                   # columns a chunk at a time, nothing kept
        np.testing.assert_allclose(convlstm_rows_forward(xs, p, ch)[0], hs_ref, rtol=1e-12, atol=1e-13)
        monkeypatch.setattr(rows, "CHUNK_BYTES", 1)     # chunks of 7 rows, the last one short
        monkeypatch.setattr(rows, "MIN_CHUNK", 7)
        np.testing.assert_allclose(convlstm_rows_forward(xs, p, ch)[0], hs_ref, rtol=1e-12, atol=1e-13)


def test_rows_gradients_through_time():
    rng = np.random.default_rng(1)
    p = params(rng, 2, 3, 3)
    xs = rng.standard_normal((3, 2, 2, 4, 5))
    dhs = rng.standard_normal((3, 2, 3, 4, 5))
    dxs, grads = convlstm_rows_backward(dhs, convlstm_rows_forward(xs, p, 3)[1])
    f = lambda: convlstm_rows_forward(xs, p, 3)[0]  # noqa: E731
    assert rel_error(dxs, eval_numerical_gradient_array(f, xs, dhs, h=1e-4, order=4)) < 1e-7
    for k in ("Wx", "Wh", "b"):
        assert rel_error(grads[k], eval_numerical_gradient_array(f, p[k], dhs, h=1e-4, order=4)) < 1e-7, k


def test_rows_keep_float32():
    rng = np.random.default_rng(2)
    p = init_convlstm(1, 4, 3, rng)
    xs = rng.standard_normal((2, 2, 1, 6, 6)).astype(np.float32)
    hs, cache = convlstm_rows_forward(xs, p, 4)
    dxs, grads = convlstm_rows_backward(np.ones_like(hs), cache)
    assert hs.dtype == dxs.dtype == np.float32 and all(g.dtype == np.float32 for g in grads.values())



def test_backward_after_an_inference_forward_says_why():
    rng = np.random.default_rng(3)
    p = init_convlstm(1, 2, 3, rng, dtype=np.float64)
    xs = rng.standard_normal((2, 1, 1, 4, 4))
    with inference():
        hs, cache = convlstm_rows_forward(xs, p, 2)
    with pytest.raises(ValueError, match="inference"):
        convlstm_rows_backward(np.ones_like(hs), cache)
