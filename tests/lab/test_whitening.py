"""Gradient checks of the centring and ZCA-whitening layers (float64, relative error < 1e-6)."""

import numpy as np
import pytest

from lab.nn.gradcheck import eval_numerical_gradient_array, rel_error
from lab.nn.whitening import ZCAWhitening, centre_backward, centre_forward, zca_backward, zca_forward

rng = np.random.default_rng(0)


def check(x, eps, method, group_size=None, symmetrize=True):
    dy = rng.standard_normal(x.shape)
    _, cache, _ = zca_forward(x, eps, method, group_size=group_size)
    dx = zca_backward(dy, cache, symmetrize)
    num = eval_numerical_gradient_array(lambda: zca_forward(x, eps, method, group_size=group_size)[0], x, dy,
                                        h=1e-3, order=4)
    return rel_error(dx, num)


def test_five_point_stencil_is_exact_for_a_cubic():
    x = np.array([0.3, -1.2])
    num = eval_numerical_gradient_array(lambda: x ** 3, x, np.ones(2), h=1e-2, order=4)
    assert np.allclose(num, 3 * x ** 2, rtol=1e-12)


def test_centring_gradient():
    x = rng.standard_normal((7, 4))
    dy = rng.standard_normal(x.shape)
    dx = centre_backward(dy, centre_forward(x)[1])
    assert rel_error(dx, eval_numerical_gradient_array(lambda: centre_forward(x)[0], x, dy)) < 1e-8


@pytest.mark.parametrize("method", ["eig", "svd"])
def test_zca_gradient_correlated_data(method):
    x = rng.standard_normal((20, 5)) @ rng.standard_normal((5, 5))
    assert check(x, 1e-3, method) < 1e-6


@pytest.mark.parametrize("method", ["eig", "svd"])
def test_zca_gradient_in_groups(method):
    x = rng.standard_normal((30, 8)) @ rng.standard_normal((8, 8))
    assert check(x, 1e-3, method, group_size=4) < 1e-6


@pytest.mark.parametrize("method", ["eig", "svd"])
def test_zca_gradient_with_repeated_eigenvalues(method):
    """A batch whose covariance is exactly the identity: every eigenvalue repeats. The
    divided-difference form stays exact; eps plays no part in that (it shifts all alike)."""
    a = rng.standard_normal((24, 4))
    a -= a.mean(0)
    q, _ = np.linalg.qr(a)
    x = q * np.sqrt(24)  # x^T x / N = I
    assert np.allclose(x.T @ x / 24, np.eye(4))
    assert check(x, 1e-5, method) < 1e-6


@pytest.mark.parametrize("method", ["eig", "svd"])
def test_zca_gradient_with_a_tiny_eigenvalue(method):
    """One direction with almost no variance: eps bounds lam^-1/2 by eps^-1/2, so output and
    gradient stay finite and the check still holds with a moderate eps."""
    x = rng.standard_normal((25, 4))
    x[:, 3] = x[:, 0] + 1e-7 * rng.standard_normal(25)
    assert check(x, 1e-2, method) < 1e-6
    y, _, _ = zca_forward(x, 1e-2, method)
    assert np.all(np.isfinite(y)) and np.abs(y).max() < 100


def test_whitened_batch_has_identity_covariance():
    x = rng.standard_normal((500, 6)) @ rng.standard_normal((6, 6)) + 3
    y, _, _ = zca_forward(x, 1e-9)
    assert np.allclose(y.mean(0), 0, atol=1e-10)
    assert np.allclose(y.T @ y / 500, np.eye(6), atol=1e-6)


def test_unsymmetrised_covariance_gradient_is_wrong():
    x = rng.standard_normal((20, 5)) @ rng.standard_normal((5, 5))
    assert check(x, 1e-3, "eig", symmetrize=False) > 1e-3  # what the option demonstrates


def test_eig_and_svd_agree():
    x = rng.standard_normal((40, 6)) @ rng.standard_normal((6, 6))
    assert np.allclose(zca_forward(x, 1e-4, "eig")[0], zca_forward(x, 1e-4, "svd")[0], atol=1e-8)


def test_layer_uses_running_statistics_at_test_time():
    layer = ZCAWhitening(8, eps=1e-5, group_size=4, momentum=0.0)
    x = rng.standard_normal((300, 8)) @ rng.standard_normal((8, 8))
    y_train, _ = layer.forward(x, train=True)
    y_test, cache = layer.forward(x, train=False)
    assert cache is None and np.allclose(y_train, y_test, atol=1e-8)  # momentum 0: running = batch
    with pytest.raises(ValueError, match="do not divide"):
        ZCAWhitening(10, group_size=4)
