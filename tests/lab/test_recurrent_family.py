"""The recurrent family experiment: its tasks, its readout and projection gradients, runs on every
task, exact checkpoints, the command line's contract, and that it learns."""

import json

import numpy as np
import pytest

from lab.cli import main
from lab.data.sequence_tasks import adding, copy_task, rows_as_sequence, running_sum
from lab.errors import DataError
from lab.experiments import load_checkpoint, save_checkpoint
from lab.experiments.recurrent import CELL_NAMES, RecurrentExperiment, SequenceNet
from lab.nn.gradcheck import eval_numerical_gradient_array, rel_error


def test_tasks():
    rng = np.random.default_rng(0)
    x, y = adding(rng, 50, 12)
    assert x.shape == (12, 50, 2) and y.shape == (50, 1)
    assert (x[:, :, 1].sum(0) == 2).all() and (x[:6, :, 1].sum(0) == 1).all()      # one mark per half
    np.testing.assert_allclose(y[:, 0], (x[:, :, 0] * x[:, :, 1]).sum(0), rtol=1e-6)
    x, seq = copy_task(rng, 4, 5, symbols=8, span=10)
    assert x.shape == (25, 4, 10) and seq.shape == (10, 4)
    assert (x[:10].argmax(2) == seq).all() and (x[14].argmax(1) == 9).all()        # the recall marker
    x, y = running_sum(rng, 3, 7)
    np.testing.assert_allclose(y[-1], x.sum(0), rtol=1e-5)
    assert rows_as_sequence(np.zeros((5, 1, 28, 28))).shape == (28, 5, 28)


@pytest.mark.parametrize("name", ["intersection", "lstm"])
def test_readout_and_projection_gradients(name):
    """The cells are checked through time in test_engine_layers; this checks what the experiment adds
    around them: the intersection cell's input projection and the readout at chosen steps."""
    rng = np.random.default_rng(1)
    net = SequenceNet(name, 2, 3, 2, rng)
    net.params = {k: v.astype(np.float64) + 0.1 * rng.standard_normal(v.shape) for k, v in net.params.items()}
    xs = rng.standard_normal((4, 2, 2))
    readout = slice(2, 4)
    dscores = rng.standard_normal((2, 2, 2))
    _, cache = net.forward(xs, readout)
    grads, norms = net.backward(dscores, cache)
    assert norms.shape == (4,) and ("proj.W" in grads) == (name == "intersection")
    for key, p in net.params.items():
        num = eval_numerical_gradient_array(lambda: net.forward(xs, readout)[0], p, dscores)
        assert rel_error(grads[key], num) < 1e-6, key


def small(task, **kw):
    return RecurrentExperiment(RecurrentExperiment.preset_config(task=task, length=6, hidden=8, batch_size=8,
                                                                 n_test=32, n_train=64, eval_every=2, **kw))


@pytest.mark.parametrize("task", ["adding", "copy", "running-sum", "row-digits"])
def test_every_task_steps_and_reports(task):
    e = small(task)
    snaps = [e.step() for _ in range(2)]
    a = snaps[-1].arrays
    applies = [k for k in CELL_NAMES if k != "conv-ugrnn" or task == "row-digits"]  # conv: image rows only
    assert list(e.nets) == applies
    for k in applies:
        assert np.isfinite(snaps[-1].metrics[f"loss/{k}"]) and a[f"grad_norms/{k}"].shape == (e.T,)
        assert a[f"hidden/{k}"].shape == (e.nets[k].cell.d_hidden, e.T)
    assert a["gates/lstm"].shape == (3, e.T) and a["gates/ugrnn"].shape == (1, e.T) and "gates/rnn" not in a
    runs = e.final_metrics()["runs"]
    key = "test_accuracy" if task in ("copy", "row-digits") else "test_mse"
    assert set(runs) == set(applies) and all(np.isfinite(r[key]) and r["grad_norm_ratio"] > 0
                                             for r in runs.values())


def test_bad_cells_are_refused():
    with pytest.raises(DataError, match="choose from"):
        small("adding", cells=["gru"])
    with pytest.raises(DataError, match="row of an image"):
        small("adding", cells=["conv-ugrnn"])


def test_checkpoint_exact(tmp_path):
    for task in ("adding", "row-digits"):
        a = small(task)
        a.step()
        save_checkpoint(a, tmp_path / "r.npz")
        a.step()
        b = load_checkpoint(tmp_path / "r.npz")
        b.step()
        for k in a.nets:
            for name, v in a.nets[k].params.items():
                np.testing.assert_array_equal(v, b.nets[k].params[name])


def test_cli_contract(tmp_path, capsys):
    assert main(["run", "recurrent", "--preset", "quick", "--set", "length=5", "--set", "hidden=8", "--steps", "3",
                 "--set", "n_test=16", "--out", str(tmp_path)]) == 0
    final = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(final["runs"]) == set(CELL_NAMES) - {"conv-ugrnn"} and final["length"] == 5  # conv: rows only
    assert "row-digits" in final["left_out"]["conv-ugrnn"]                                  # and says so
    assert all({"test_mse", "grad_norm_ratio"} <= set(r) for r in final["runs"].values())
    assert (tmp_path / "grad_norms.csv").exists() and (tmp_path / "curves.csv").exists()


def test_the_intersection_rnn_learns_running_sums():
    """The seed's task: within 80 steps the intersection RNN's test MSE falls far below where it began."""
    e = RecurrentExperiment(RecurrentExperiment.preset_config("running-sum", n_test=128, eval_every=80))
    first = e.step().metrics["test_loss/intersection"]
    for _ in range(79):
        last = e.step()
    assert last.metrics["test_loss/intersection"] < 0.2 * first
