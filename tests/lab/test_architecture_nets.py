"""Issue 13's networks against their numerical gradients in float64: the x^2 / ReLU^2 chains of the
residual-as-polynomial page (and their exact expansion into a polynomial), the plain / highway /
residual deep MLPs, the mini-VGG and the small ResNet (batch norm, projection shortcuts, stochastic
depth)."""

import numpy as np
import pytest

from lab.nn.deep_mlp import KINDS as MLP_KINDS
from lab.nn.deep_mlp import DeepMLP
from lab.nn.gradcheck import eval_numerical_gradient_array, rel_error
from lab.nn.losses import softmax_cross_entropy
from lab.nn.residual_chain import KINDS as CHAIN_KINDS
from lab.nn.residual_chain import ResidualChain
from lab.nn.resnet import SmallResNet
from lab.nn.vgg import MiniVGG


def to64(model):
    model.params = {k: v.astype(np.float64) for k, v in model.params.items()}
    for st in getattr(model, "state", {}).values():
        for k in st:
            st[k] = st[k].astype(np.float64)
    return model


def check_params(loss_of, grads, params, keys=None, tol=1e-7):
    """Each gradient against centred differences: the largest difference relative to the largest
    entry (an elementwise relative error is noise on entries near 0, e.g. a bias before a ReLU)."""
    for k in keys or grads:
        num = eval_numerical_gradient_array(lambda: np.asarray(loss_of()), params[k], np.asarray(1.0), h=1e-5)
        scale = max(1e-12, np.abs(num).max() + np.abs(grads[k]).max())
        assert np.abs(grads[k] - num).max() / scale < tol, (k, rel_error(grads[k], num))


@pytest.mark.parametrize("kind", list(CHAIN_KINDS))
@pytest.mark.parametrize("width", [1, 3])
def test_chain_gradients(kind, width):
    net = to64(ResidualChain(kind, 3, width, rng=np.random.default_rng(1)))
    x = np.linspace(-1, 1, 7)
    dy = np.random.default_rng(2).standard_normal(7)
    y, cache = net.forward(x)
    grads = net.backward(dy, cache)
    assert set(grads) == set(net.params)
    check_params(lambda: np.sum(net.forward(x)[0] * dy), grads, net.params)


@pytest.mark.parametrize("kind,width", [("plain-x2", 1), ("residual-x2", 1), ("residual-x2", 4)])
def test_chain_is_its_polynomial(kind, width):
    """The composed power-basis expansion reproduces the network; degree 2^n; plain = one monomial."""
    net = to64(ResidualChain(kind, 4, width, rng=np.random.default_rng(3)))
    poly = net.as_polynomial()
    x = np.linspace(-1, 1, 201)
    y = net.forward(x)[0]
    assert np.max(np.abs(poly(x) - y)) <= 1e-9 * max(1.0, np.max(np.abs(y)))
    assert poly.degree() == 16
    if kind == "plain-x2":
        assert np.count_nonzero(np.abs(poly.coef) > 1e-12 * np.abs(poly.coef).max()) == 1
    else:
        assert np.all(poly.coef[1:9] != 0)  # every lower power is present
    with pytest.raises(ValueError):
        ResidualChain("residual-relu2", 2, 2).as_polynomial()


@pytest.mark.parametrize("kind", MLP_KINDS)
def test_deep_mlp_gradients(kind):
    rng = np.random.default_rng(4)
    net = to64(DeepMLP(kind, 3, 5, 6, 4, activation="tanh", rng=rng))
    x, y = rng.standard_normal((5, 6)), rng.integers(0, 4, 5)

    def loss():
        return softmax_cross_entropy(net.forward(x)[0], y)[0]
    scores, cache = net.forward(x)
    grads, norms = net.backward(softmax_cross_entropy(scores, y)[1], cache)
    assert set(grads) == set(net.params) and norms.shape == (3,)
    check_params(loss, grads, net.params)


def test_deep_mlps_share_one_initialisation():
    plain = DeepMLP("plain", 4, 8, 10, 3, rng=np.random.default_rng(0))
    high = DeepMLP("highway", 4, 8, 10, 3, rng=np.random.default_rng(9)).share_init(plain)
    assert np.array_equal(high.params["Wh2"], plain.params["W2"])
    assert np.array_equal(high.params["W_in"], plain.params["W_in"])
    _, cache = high.forward(np.ones((2, 10), np.float32))
    assert len(cache[-1]) == 4 and all(0 < g < 0.5 for g in cache[-1])  # gates start closed (bias -2)


def test_mini_vgg_gradients():
    rng = np.random.default_rng(5)
    net = to64(MiniVGG(channels=(2, 3), hidden=5, side=8, n_classes=3, dropout=0.0, rng=rng))
    x = rng.standard_normal((2, 1, 8, 8))
    y = np.array([0, 2])
    scores, cache = net.forward(x)
    grads = net.backward(softmax_cross_entropy(scores, y)[1], cache)
    assert set(grads) == set(net.params)
    check_params(lambda: softmax_cross_entropy(net.forward(x)[0], y)[0], grads, net.params,
                 ["conv1a.W", "conv1b.b", "conv2a.W", "conv2b.W", "fc1.W", "fc2.b"])


@pytest.mark.parametrize("p_last", [1.0, 0.5])
def test_resnet_gradients(p_last):
    rng = np.random.default_rng(6)
    net = to64(SmallResNet(channels=(2, 3), blocks=1, n_classes=3, stochastic_depth=p_last, rng=rng))
    x = rng.standard_normal((3, 1, 6, 6))
    y = np.array([0, 1, 2])

    def run():  # the same blocks dropped on every call (a fixed draw)
        return net.forward(x, train=True, rng=np.random.default_rng(2))
    state0 = {k: {s: a.copy() for s, a in v.items()} for k, v in net.state.items()}

    def loss():
        net.state = {k: {s: a.copy() for s, a in v.items()} for k, v in state0.items()}
        return softmax_cross_entropy(run()[0], y)[0]
    scores, cache = run()
    grads = net.backward(softmax_cross_entropy(scores, y)[1], cache)
    dropped = [b[0] for b, c in zip(net.blocks, cache["blocks"]) if c[0] == 0]
    assert all(not k.startswith(tuple(dropped)) for k in grads) if dropped else set(grads) == set(net.params)
    check_params(loss, grads, net.params)
    if p_last < 1:
        assert net.survival(len(net.blocks)) == pytest.approx(0.5)
        scores_eval, _ = net.forward(x, train=False)   # test time: every block, scaled by p_l
        assert np.all(np.isfinite(scores_eval))
