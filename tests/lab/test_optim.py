"""Each optimizer against its published update rule, computed by hand over several steps."""

import numpy as np
import pytest

from lab.optim import OPTIMIZERS, GradientNoise, GumbelNoise, make_optimizer, scheduled_lr

rng = np.random.default_rng(0)
W0 = rng.standard_normal((3, 4))
GRADS = [rng.standard_normal((3, 4)) for _ in range(4)]


def run(opt):
    p = {"w": W0.copy()}
    out = []
    for g in GRADS:
        opt.update(p, {"w": g.copy()})
        out.append(p["w"].copy())
    return out


def by_hand(name, lr):
    w = W0.copy()
    s = {"v": np.zeros_like(w), "c": np.zeros_like(w), "m": np.zeros_like(w), "u": np.zeros_like(w)}
    out = []
    for t, g in enumerate(GRADS, start=1):
        if name == "sgd":
            w = w - lr * g
        elif name == "momentum":
            s["v"] = 0.9 * s["v"] - lr * g
            w = w + s["v"]
        elif name == "nesterov":
            v_prev = s["v"]
            s["v"] = 0.9 * s["v"] - lr * g
            w = w - 0.9 * v_prev + 1.9 * s["v"]
        elif name == "adagrad":
            s["c"] = s["c"] + g ** 2
            w = w - lr * g / (np.sqrt(s["c"]) + 1e-8)
        elif name == "adadelta":
            s["c"] = 0.95 * s["c"] + 0.05 * g ** 2
            dx = -np.sqrt(s["u"] + 1e-6) / np.sqrt(s["c"] + 1e-6) * g
            s["u"] = 0.95 * s["u"] + 0.05 * dx ** 2
            w = w + lr * dx
        elif name == "rmsprop":
            s["c"] = 0.9 * s["c"] + 0.1 * g ** 2
            w = w - lr * g / (np.sqrt(s["c"]) + 1e-8)
        elif name in ("adam", "nadam", "amsgrad"):
            s["m"] = 0.9 * s["m"] + 0.1 * g
            s["v"] = 0.999 * s["v"] + 0.001 * g ** 2
            s["u"] = np.maximum(s["u"], s["v"])  # AMSGrad: the largest second moment so far
            mhat, vhat = s["m"] / (1 - 0.9 ** t), s["v"] / (1 - 0.999 ** t)
            if name == "adam":
                w = w - lr * mhat / (np.sqrt(vhat) + 1e-8)
            elif name == "amsgrad":
                w = w - lr * mhat / (np.sqrt(s["u"] / (1 - 0.999 ** t)) + 1e-8)
            else:
                w = w - lr / (np.sqrt(vhat) + 1e-8) * (0.9 * mhat + 0.1 * g / (1 - 0.9 ** t))
        out.append(w.copy())
    return out


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_update_rule_matches_hand_computation(name):
    lr = 1.0 if name == "adadelta" else 0.05
    for got, want in zip(run(make_optimizer(name, lr)), by_hand(name, lr)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_state_dict_round_trip_continues_exactly(name):
    a = make_optimizer(name, 0.01)
    p = {"w": W0.copy()}
    a.update(p, {"w": GRADS[0]})
    b = make_optimizer(name, 0.01)
    b.load_state_dict(a.state_dict())
    q = {"w": p["w"].copy()}
    a.update(p, {"w": GRADS[1]})
    b.update(q, {"w": GRADS[1]})
    np.testing.assert_array_equal(p["w"], q["w"])


def test_adam_keeps_float32():
    p = {"w": np.ones((2, 2), np.float32)}
    opt = make_optimizer("adam", 1e-3)
    opt.update(p, {"w": np.ones((2, 2), np.float32)})
    assert p["w"].dtype == np.float32


def test_gradient_noise_is_annealed_and_unbiased():
    sgd = make_optimizer("sgd", 1.0)
    noisy = GradientNoise(sgd, eta=0.3, gamma=0.55, rng=np.random.default_rng(1))
    assert noisy.sigma(0) == pytest.approx(np.sqrt(0.3))
    assert noisy.sigma(99) == pytest.approx(np.sqrt(0.3 / 100 ** 0.55))
    p = {"w": np.zeros(200_000)}
    noisy.update(p, {"w": np.zeros(200_000)})  # w = -noise: its spread is sigma_0
    assert np.std(p["w"]) == pytest.approx(np.sqrt(0.3), rel=0.02)
    assert abs(np.mean(p["w"])) < 0.01


def test_schedules():
    assert scheduled_lr(1.0, 5, "constant") == 1.0
    assert scheduled_lr(1.0, 250, "step", 100, 0.5) == 0.25
    assert scheduled_lr(1.0, 99, "extreme_step", 100, 0.01) == 1.0
    assert scheduled_lr(1.0, 100, "extreme_step", 100, 0.01) == 0.01
    assert scheduled_lr(1.0, 50, "exponential", 100, 0.25) == pytest.approx(0.5)
    assert scheduled_lr(1.0, 0, "cosine", 100, 0.05) == 1.0
    assert scheduled_lr(1.0, 50, "cosine", 100, 0.05) == pytest.approx(0.525)
    assert scheduled_lr(1.0, 200, "cosine", 100, 0.05) == pytest.approx(0.05)
    with pytest.raises(ValueError):
        scheduled_lr(1.0, 0, "cosine?")


def test_amsgrad_step_never_grows_with_a_shrinking_gradient():
    """Where Adam's v falls after a large gradient, AMSGrad keeps the largest v: its step is smaller."""
    a, b = make_optimizer("adam", 0.1), make_optimizer("amsgrad", 0.1)
    pa, pb = {"w": np.zeros(1)}, {"w": np.zeros(1)}
    for g in [10.0] + [0.1] * 50:
        a.update(pa, {"w": np.array([g])})
        b.update(pb, {"w": np.array([g])})
    assert abs(pb["w"][0]) < abs(pa["w"][0])


def test_gumbel_noise_training_is_centred_gumbel():
    sgd = make_optimizer("sgd", 1.0)
    noisy = GumbelNoise(sgd, beta=2.0, rng=np.random.default_rng(3))
    p = {"w": np.zeros(400_000)}
    noisy.update(p, {"w": np.zeros(400_000)})  # w = -(noise)
    n = -p["w"]
    assert abs(n.mean()) < 0.02                                  # centred: no drift
    assert n.std() == pytest.approx(2.0 * np.pi / np.sqrt(6), rel=0.01)  # Gumbel(0, beta): sd = beta pi / sqrt 6
    assert np.mean(n - n.mean()) == pytest.approx(0, abs=1e-9) and (n > 3 * n.std()).mean() > (n < -3 * n.std()).mean()
