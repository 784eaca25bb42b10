import numpy as np
import pytest

from lab.data.builtin import digits_28
from lab.errors import DivergedError
from lab.experiments import get_experiment, load_checkpoint, save_checkpoint
from lab.experiments.gan import GANExperiment

DATA = digits_28()


def small(**kw):
    cfg = GANExperiment.preset_config("small-fast", preview_every=2, history_every=2, **kw)
    return GANExperiment(cfg, data=DATA)


def test_three_steps_snapshot_shapes_and_finite_metrics():
    exp = small()
    snaps = [exp.step() for _ in range(3)]
    assert [s.step for s in snaps] == [1, 2, 3]
    for key in ("d_loss", "g_loss", "d_real", "d_fake", "g_lr", "d_lr", "it_per_s"):
        assert all(np.isfinite(s.metrics[key]) for s in snaps), key
    s = snaps[1]
    assert s.arrays["grid"].shape == (64, 28, 28) and s.arrays["grid"].dtype == np.float32
    assert s.arrays["interpolation"].shape == (10, 28, 28)
    assert s.arrays["class_counts"].sum() == 64
    assert 1 <= s.metrics["classes_found"] <= 10 and 0 < s.metrics["mean_confidence"] <= 1
    assert not s.arrays["grid"].flags.writeable  # snapshots hand out read-only copies


def test_snapshot_arrays_are_copies():
    exp = small()
    s = exp.step()
    before = s.arrays["grid"].copy()
    for _ in range(3):
        exp.step()
    np.testing.assert_array_equal(s.arrays["grid"], before)


def test_every_preset_builds_and_steps():
    for preset in GANExperiment.presets:
        exp = GANExperiment(GANExperiment.preset_config(preset, batch_size=8), data=DATA)
        assert np.isfinite(exp.step().metrics["d_loss"])


def test_checkpoint_restores_the_run_exactly(tmp_path):
    a = small(seed=3)
    for _ in range(5):
        a.step()
    save_checkpoint(a, tmp_path / "c.npz")
    for _ in range(3):
        a.step()
    b = load_checkpoint(tmp_path / "c.npz")
    assert b.steps_done == 5 and b.config == a.config
    for _ in range(3):
        b.step()
    np.testing.assert_array_equal(a.samples(), b.samples())
    assert len(b.history) == len(a.history)


def test_same_seed_same_run_other_seed_other_run():
    a, b, c = small(seed=1), small(seed=1), small(seed=2)
    for e in (a, b, c):
        e.step()
        e.step()
    np.testing.assert_array_equal(a.samples(), b.samples())
    assert not np.array_equal(a.samples(), c.samples())


def test_nan_stops_with_the_step_named_and_state_kept():
    exp = small()
    exp.step()
    exp.step()
    kept = {k: v.copy() for k, v in exp.D.params.items()}
    exp.D.params["W1"][0, 0] = np.nan
    kept["W1"][0, 0] = np.nan
    with pytest.raises(DivergedError, match="diverged at step 3: discriminator loss is not finite"):
        exp.step()
    assert exp.steps_done == 2
    for k, v in kept.items():
        np.testing.assert_array_equal(exp.D.params[k], v)


def test_seed_preset_uses_extreme_step_decay():
    cfg = GANExperiment.preset_config("seed-200-560")
    exp = GANExperiment(cfg, data=DATA)
    assert cfg.g_hidden == [200, 560] and cfg.noise_size == 100 and cfg.loss == "minimax"
    g0, _ = exp.learning_rates(0)
    g1, _ = exp.learning_rates(cfg.decay_steps)
    assert g1 == pytest.approx(g0 * 0.01)


def test_export_files(tmp_path):
    exp = small()
    for _ in range(4):
        exp.step()
    names = sorted(p.name for p in exp.export_files(tmp_path))
    assert names == ["grid.png", "interpolation.png", "progress.gif", "samples.npz"]
    with np.load(tmp_path / "samples.npz") as z:
        s = z["samples"]
    assert s.shape == (64, 28, 28) and s.dtype == np.float32 and 0 <= s.min() and s.max() <= 1


def test_registry():
    assert get_experiment("gan") is GANExperiment
    with pytest.raises(KeyError, match="unknown experiment"):
        get_experiment("nope")


def test_real_mnist_few_steps(mnist_dir):
    exp = GANExperiment(GANExperiment.preset_config("default", data=str(mnist_dir)))
    assert len(exp.x) == 10000
    s = exp.step()
    assert np.isfinite(s.metrics["d_loss"]) and exp.judge.val_accuracy > 0.9
