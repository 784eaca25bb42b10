import json

import numpy as np
import pytest

from lab.cli import main
from lab.errors import RunFinished
from lab.experiments import load_checkpoint, save_checkpoint
from lab.experiments.online_regression import OnlineRegressionExperiment


def test_online_learners_end_at_least_squares(tmp_path, capsys):
    assert main(["run", "online-regression", "--out", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    ls = np.array(out["lstsq"]["weights"])
    for k in ("online_sgd", "rls"):
        w = np.array(out[k]["weights"])
        assert np.linalg.norm(w - ls) / np.linalg.norm(ls) < 0.01, k      # within 1 % of lstsq
        assert out[k]["distance_to_lstsq"] < 0.01
    assert out["batch_gd"]["distance_to_lstsq"] < 0.01 and out["lstsq"]["distance_to_lstsq"] == 0
    assert np.allclose(ls, [1.5, -0.5], atol=0.05)
    assert (tmp_path / "weight-paths.csv").exists()
    assert "online_sgd,1,distance," in (tmp_path / "curves.csv").read_text()


def test_rls_is_exact_least_squares_at_every_step():
    e = OnlineRegressionExperiment(OnlineRegressionExperiment.preset_config(samples=50))
    for t in range(50):
        e.step()
        if t >= 2:  # two points fix a line; before that lstsq's minimum-norm answer and RLS's prior differ
            assert e.distance("rls") < 1e-4


def test_drift_online_learners_follow_the_new_line():
    e = OnlineRegressionExperiment(OnlineRegressionExperiment.preset_config("drift"))
    for _ in range(e.total_steps):
        e.step()
    new = np.array([-1.0, 1.0])
    assert np.linalg.norm(e.w["rls"] - new) < 0.1 and np.linalg.norm(e.w["online_sgd"] - new) < 0.15
    assert np.linalg.norm(e.w["lstsq"] - new) > 1.0  # least squares on everything averages both lines


def test_checkpoint_and_end_of_stream(tmp_path):
    a = OnlineRegressionExperiment(OnlineRegressionExperiment.preset_config(samples=30))
    for _ in range(10):
        a.step()
    save_checkpoint(a, tmp_path / "o.npz")
    b = load_checkpoint(tmp_path / "o.npz")
    for _ in range(20):
        a.step()
        b.step()
    np.testing.assert_allclose(a.w["online_sgd"], b.w["online_sgd"])
    with pytest.raises(RunFinished, match="30 points"):
        a.step()
