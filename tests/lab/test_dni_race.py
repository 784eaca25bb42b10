"""The four-case race: one initialisation, one batch order, the noise only where it is asked for (on
the synthetic-gradient models too for DNI + noise), every case's curves, and an exact checkpoint."""

import numpy as np
import pytest

from lab.experiments import load_checkpoint, save_checkpoint
from lab.experiments.gif.race import CASES, DNIRaceExperiment
from lab.optim import GradientNoise
from test_gif import moving, write_gif


@pytest.fixture
def race(tmp_path):
    for cls, vert in (("h", False), ("v", True)):
        (tmp_path / cls).mkdir()
        for i in range(6):
            write_gif(tmp_path / cls / f"{i}.gif", moving(vertical=vert, phase=i))
    cfg = DNIRaceExperiment.preset_config(data=str(tmp_path), size=16, frames=3, layers=[3], batch_size=4, epochs=2,
                                          noise=0.05)
    return DNIRaceExperiment(cfg)


def test_four_cases_from_one_init(race):
    runs = race.runs
    assert list(runs) == list(CASES)
    first = runs["backprop"]
    for case, run in runs.items():
        for p, q in zip(first.net.params, run.net.params):
            np.testing.assert_array_equal(p["Wx"], q["Wx"])   # the same initial weights
        np.testing.assert_array_equal(run.perm, first.perm)   # the same batch order
        assert run.config.mode == CASES[case][0] and (run.config.grad_noise > 0) == CASES[case][1]
    assert isinstance(runs["dni+noise"].dni.opt, GradientNoise)       # noise on the synthetic weights too
    assert not isinstance(runs["dni"].dni.opt, GradientNoise)


def test_race_steps_report_every_case(race):
    snaps = [race.step() for _ in range(race.total_steps)]
    last = snaps[-1]
    for case in CASES:
        assert np.isfinite(last.metrics[f"batch_cost/{case}"]) and f"test_accuracy/{case}" in last.metrics
    assert "sg_loss/dni" in last.metrics and "sg_loss/dni+noise" in last.metrics
    assert "sg_loss/backprop" not in last.metrics
    assert [row["case"] for row in last.tables["race"]] == list(CASES)
    # noise changes the path: the noisy cases part from their quiet twins
    assert not np.array_equal(race.runs["backprop"].net.params[0]["Wx"], race.runs["backprop+noise"].net.params[0]["Wx"])
    assert set(race.final_metrics()["runs"]) == set(CASES)


def test_race_checkpoint_exact(race, tmp_path):
    race.step()
    save_checkpoint(race, tmp_path / "r.npz")
    race.step()
    again = load_checkpoint(tmp_path / "r.npz")
    again.step()
    for case in CASES:
        np.testing.assert_array_equal(race.runs[case].net.params[0]["Wh"], again.runs[case].net.params[0]["Wh"])
