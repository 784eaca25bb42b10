"""The spatial (2-D) LSTM against numerical gradients through the whole scan (float64)."""

import numpy as np
import pytest

from lab.nn.gradcheck import eval_numerical_gradient_array, rel_error
from lab.nn.spatial_lstm import init_spatial_lstm, patches, spatial_lstm_backward, spatial_lstm_forward


def test_patches_cut_the_image_in_reading_order():
    im = np.arange(2 * 4 * 6, dtype=float).reshape(2, 4, 6)
    x = patches(im, 2)
    assert x.shape == (2, 3, 2, 4)
    np.testing.assert_array_equal(x[1, 2, 0], im[0, 2:4, 4:6].ravel())


def test_gradients_through_the_scan():
    rng = np.random.default_rng(0)
    p = init_spatial_lstm(3, 4, rng, np.float64)
    p["b"] += 0.3 * rng.standard_normal(p["b"].shape)
    x = rng.standard_normal((3, 4, 2, 3))
    dh = rng.standard_normal((3, 4, 2, 4))
    h, cache = spatial_lstm_forward(x, p)
    assert h.shape == (3, 4, 2, 4)
    dx, grads = spatial_lstm_backward(dh, cache, p)
    f = lambda: spatial_lstm_forward(x, p)[0]  # noqa: E731
    assert rel_error(dx, eval_numerical_gradient_array(f, x, dh, h=1e-4, order=4)) < 1e-7
    for k in p:
        assert rel_error(grads[k], eval_numerical_gradient_array(f, p[k], dh, h=1e-4, order=4)) < 1e-7, k


def test_a_cell_sees_only_what_is_above_and_left():
    rng = np.random.default_rng(1)
    p = init_spatial_lstm(2, 3, rng, np.float64)
    x = rng.standard_normal((3, 3, 1, 2))
    h0, _ = spatial_lstm_forward(x, p)
    x2 = x.copy()
    x2[2, 2] += 1.0                                        # the last cell's input
    h1, _ = spatial_lstm_forward(x2, p)
    changed = np.abs(h1 - h0).reshape(3, 3, -1).max(axis=2) > 0
    assert changed.sum() == 1 and changed[2, 2]


def test_experiment_steps_checkpoints_and_cli(tmp_path, capsys):
    import json

    from lab.cli import main
    from lab.errors import DataError
    from lab.experiments import load_checkpoint, save_checkpoint
    from lab.experiments.spatial_lstm import SpatialLSTMExperiment as S
    cfg = S.preset_config("quick", n_train=64, n_test=32, batch_size=16, hidden=6, patch=4, preview_every=1)
    e = S(cfg)
    side = e.split.side
    snaps = [e.step() for _ in range(e.steps_per_epoch)]
    a = snaps[-1].arrays
    assert a["state_maps"].shape == (6, side // 4, side // 4) and "test_accuracy" in snaps[-1].metrics
    assert a["confusion"].sum() == 32
    save_checkpoint(e, tmp_path / "s.npz")
    e.step()
    b = load_checkpoint(tmp_path / "s.npz")
    b.step()
    np.testing.assert_array_equal(e.params["W"], b.params["W"])
    with pytest.raises(DataError, match="divide"):
        S(S.preset_config("quick", n_train=64, n_test=32, patch=5 if side % 5 else 3))
    assert main(["run", "spatial-lstm", "--preset", "quick", "--steps", "2", "--set", "n_train=64", "--set",
                 "n_test=32", "--set", "hidden=4", "--out", str(tmp_path / "run")]) == 0
    final = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert 0 <= final["test_accuracy"] <= 1 and final["grid"] == [side // 4] * 2
