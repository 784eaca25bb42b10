import numpy as np
import pytest

from lab.nn.activations import ACTIVATIONS
from lab.nn.dense import dense_backward, dense_forward
from lab.nn.gradcheck import eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from lab.nn.losses import bce_with_logits, l1_loss, l2_loss, softmax, softmax_cross_entropy
from lab.nn.mlp import MLP

rng = np.random.default_rng(0)


def test_dense_gradients():
    x, W, b = rng.standard_normal((4, 5)), rng.standard_normal((5, 3)), rng.standard_normal(3)
    dout = rng.standard_normal((4, 3))
    out, cache = dense_forward(x, W, b)
    dx, dW, db = dense_backward(dout, cache)
    assert out.shape == (4, 3)
    assert rel_error(dx, eval_numerical_gradient_array(lambda: dense_forward(x, W, b)[0], x, dout)) < 1e-7
    assert rel_error(dW, eval_numerical_gradient_array(lambda: dense_forward(x, W, b)[0], W, dout)) < 1e-7
    assert rel_error(db, eval_numerical_gradient_array(lambda: dense_forward(x, W, b)[0], b, dout)) < 1e-7


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_gradients(name):
    fwd, bwd = ACTIVATIONS[name]
    x = rng.standard_normal((6, 7)) * 2
    x[np.abs(x) < 1e-3] = 0.5  # keep away from the kinks of relu / leaky relu / elu
    dout = rng.standard_normal(x.shape)
    out, cache = fwd(x)
    dx = bwd(dout, cache)
    num = eval_numerical_gradient_array(lambda: fwd(x)[0], x, dout)
    assert out.shape == x.shape and out.dtype == x.dtype
    assert rel_error(dx, num) < 1e-6


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_keeps_float32(name):
    x = rng.standard_normal((3, 4)).astype(np.float32)
    out, cache = ACTIVATIONS[name].forward(x)
    assert out.dtype == np.float32
    assert ACTIVATIONS[name].backward(np.ones_like(out), cache).dtype == np.float32


@pytest.mark.parametrize("loss_fn,target", [
    (l2_loss, rng.standard_normal((5, 3))),
    (l1_loss, rng.standard_normal((5, 3))),
    (bce_with_logits, rng.uniform(0, 1, (5, 1))),
    (bce_with_logits, 0.9),
])
def test_loss_gradients(loss_fn, target):
    shape = (5, 1) if loss_fn is bce_with_logits else (5, 3)
    pred = rng.standard_normal(shape) * 3
    loss, d = loss_fn(pred, target)
    num = eval_numerical_gradient(lambda: loss_fn(pred, target)[0], pred)
    assert np.isfinite(loss)
    assert rel_error(d, num) < 1e-6


def test_softmax_cross_entropy_gradient_and_stability():
    scores = rng.standard_normal((6, 10))
    y = rng.integers(0, 10, 6)
    loss, d = softmax_cross_entropy(scores, y)
    assert rel_error(d, eval_numerical_gradient(lambda: softmax_cross_entropy(scores, y)[0], scores)) < 1e-7
    big = scores * 1e4  # the row max is subtracted: no overflow
    loss_big, _ = softmax_cross_entropy(big, y)
    assert np.isfinite(loss_big)
    assert np.allclose(softmax(big).sum(1), 1)
    assert abs(softmax_cross_entropy(np.zeros((4, 10)), np.arange(4))[0] - np.log(10)) < 1e-12


def test_bce_with_extreme_logits_is_finite():
    loss, d = bce_with_logits(np.array([[1e4], [-1e4]]), np.array([[0.0], [1.0]]))
    assert np.isfinite(loss) and np.all(np.isfinite(d))
    assert loss == pytest.approx(1e4)


def test_mlp_gradients_float64():
    net = MLP([5, 7, 6, 3], hidden="tanh", output="logistic", rng=np.random.default_rng(1), dtype=np.float64)
    x = rng.standard_normal((4, 5))
    dout = rng.standard_normal((4, 3))
    out, cache = net.forward(x)
    dx, grads = net.backward(dout, cache, need_dx=True)
    assert rel_error(dx, eval_numerical_gradient_array(lambda: net.forward(x)[0], x, dout)) < 1e-6
    for k, p in net.params.items():
        num = eval_numerical_gradient_array(lambda: net.forward(x)[0], p, dout)
        assert rel_error(grads[k], num) < 1e-6, k
    dx_only, none = net.backward(dout, cache, need_dx=True, param_grads=False)
    assert none == {} and np.allclose(dx_only, dx)


def test_mlp_trains_in_float32():
    net = MLP([4, 8, 2], rng=np.random.default_rng(0))
    assert all(p.dtype == np.float32 for p in net.params.values())
    out, cache = net.forward(np.ones((3, 4), np.float32))
    _, grads = net.backward(np.ones_like(out), cache)
    assert out.dtype == np.float32 and all(g.dtype == np.float32 for g in grads.values())


def test_mlp_rejects_unknown_activation():
    with pytest.raises(ValueError, match="unknown activation"):
        MLP([2, 2], hidden="swishy")
