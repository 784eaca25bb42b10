"""Issue 13's experiments headless: the residual-as-polynomial fits (the command line's contract,
the Legendre bound, the exact expansion, typed targets) and the digit classifiers (highway vs plain,
mini-VGG, ResNet with stochastic depth): contracts, float32, checkpoints that continue exactly."""

import json

import numpy as np
import pytest

from lab.cli import main
from lab.data.builtin import digits_28
from lab.errors import DataError
from lab.experiments import load_checkpoint, save_checkpoint
from lab.experiments.convnets import ConvNetExperiment
from lab.experiments.highway import HighwayExperiment
from lab.experiments.polynomial import DEPTHS, FITS, PolynomialExperiment, target_function

CONTRACT_FITS = {"plain-x2", "residual-x2", "residual-relu2", "legendre", "chebyshev"}


def last_json(capsys):
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_polynomial_contract_sin3x_depth3(tmp_path, capsys):
    """On sin 3x at depth 3 the residual x^2 net is far below the plain chain, is its own polynomial
    to 1e-6 of the output scale, and no x^2 net beats the Legendre projection of its degree."""
    assert main(["run", "polynomial", "--set", "steps=800", "--set", "preview_every=400", "--out",
                 str(tmp_path)]) == 0
    r = last_json(capsys)
    assert CONTRACT_FITS <= set(r["fits"]) and all(f["degree"] == 8 for f in r["fits"].values())
    fits = r["fits"]
    assert fits["residual-x2"]["rmse"] < 0.1 * fits["plain-x2"]["rmse"]
    assert r["expansion_max_abs_error"] <= 1e-6 * r["output_scale"]
    for fit in ("plain-x2", "residual-x2", "residual-x2-scalar"):
        for d, rmse in r["rmse_by_depth"][fit].items():
            assert rmse >= r["rmse_by_depth"]["legendre"][d] - 1e-12, (fit, d)
    assert {"fits.csv", "rmse_by_depth.csv", "coefficients.csv"} <= {p.name for p in tmp_path.iterdir()}


def test_typed_targets_and_their_errors():
    f, text = target_function("expression", "np.sin(5 * x) * x")
    assert np.allclose(f(np.array([0.5])), np.sin(2.5) * 0.5)
    for bad, words in [("np.sin(5 *", "expression"), ("foo(x)", "NameError"), ("1 / x", "not finite"),
                       ("__import__('os')", "NameError")]:
        with pytest.raises(DataError, match=words):
            target_function("expression", bad)
    with pytest.raises(DataError, match="depth 7"):
        PolynomialExperiment(PolynomialExperiment.preset_config(depth=7))
    e = PolynomialExperiment(PolynomialExperiment.preset_config(target="expression", expression="x**3", steps=3))
    s = e.step()
    assert {f"fit_d{d}/{f}" for f in FITS for d in DEPTHS} <= set(s.arrays)
    assert e.rmse("legendre", 2) < 1e-12  # x^3 is a polynomial of degree 3 <= 4


def test_polynomial_checkpoint_continues_exactly(tmp_path):
    cfg = PolynomialExperiment.preset_config(steps=20, preview_every=5)
    a = PolynomialExperiment(cfg)
    for _ in range(6):
        a.step()
    save_checkpoint(a, tmp_path / "p.npz")
    b = load_checkpoint(tmp_path / "p.npz")
    sa, sb = a.step(), b.step()
    assert sa.metrics == sb.metrics
    assert all(n.params["W1"].dtype == np.float32 for n in a.nets.values())
    assert set(a.final_metrics()["rmse_by_depth"]["legendre"]) == {str(d) for d in DEPTHS}


def small(cls, **kw):
    return cls(cls.preset_config(**{"n_train": 256, "n_test": 64, "batch_size": 32, "epochs": 1, **kw}),
               data=digits_28())


def test_highway_trains_three_nets_from_one_init(tmp_path):
    e = small(HighwayExperiment, depth=6, width=16, preview_every=2)
    assert np.array_equal(e.nets["plain"].params["W3"], e.nets["highway"].params["Wh3"])
    snaps = [e.step() for _ in range(e.total_steps)]
    last = snaps[-1]
    assert {"test_accuracy/plain", "test_accuracy/highway", "test_accuracy/residual"} <= set(last.metrics)
    assert last.arrays["grad_norms/plain"].shape == (6,) and last.arrays["gates"].shape == (6,)
    assert all(v.dtype == np.float32 for n in e.nets.values() for v in n.params.values())
    fm = e.final_metrics()
    assert {"test_accuracy", "plain_test_accuracy", "params", "seconds"} <= set(fm)
    save_checkpoint(e, tmp_path / "h.npz")
    assert load_checkpoint(tmp_path / "h.npz").steps_done == e.total_steps


@pytest.mark.parametrize("preset", ["mini-vgg", "resnet-stochastic-depth"])
def test_convnets_train_and_continue_exactly(preset, tmp_path):
    cfg = dict(channels=[4, 8], hidden=16, preview_every=3, show_layer=3)
    e = ConvNetExperiment(ConvNetExperiment.preset_config(preset, n_train=128, n_test=40, batch_size=16, epochs=1,
                                                          **cfg), data=digits_28())
    for _ in range(3):
        s = e.step()
    assert s.arrays["filters"].shape == (4, 3, 3) and s.arrays["maps"].ndim == 3
    assert e.shown_layer == e.net.layer_names[2]
    save_checkpoint(e, tmp_path / "c.npz")
    b = load_checkpoint(tmp_path / "c.npz")
    sa, sb = e.step(), b.step()
    assert sa.metrics["batch_cost"] == sb.metrics["batch_cost"]
    while not e.epoch_done:
        s = e.step()
    assert "test_accuracy" in s.metrics and s.arrays["confusion"].sum() == 40
    assert all(v.dtype == np.float32 for v in e.net.params.values())


@pytest.mark.parametrize("name,sets,words", [("convnet", ["channels="], "channels"),
                                               ("mini-vgg", ["channels=4,4,4,4,4"], "1 to 4"),
                                               ("highway", ["depth=0"], "at least one layer")])
def test_impossible_shapes_are_refused_with_a_reason(name, sets, words, tmp_path, capsys):
    args = [a for kv in sets for a in ("--set", kv)]
    assert main(["run", name, *args, "--out", str(tmp_path)]) == 2
    assert words in capsys.readouterr().err


def test_resnet_cli_contract(tmp_path, capsys):
    assert main(["run", "resnet", "--set", "n_train=96", "--set", "n_test=32", "--set", "channels=4,8",
                 "--epochs", "1", "--out", str(tmp_path)]) == 0
    r = last_json(capsys)
    assert r["experiment"] == "resnet" and r["architecture"] == "resnet"
    assert {"test_accuracy", "params", "seconds"} <= set(r)
    restored = load_checkpoint(tmp_path / "checkpoint.npz", "convnet")   # the GUI page of both architectures
    assert restored.name == "resnet" and restored.steps_done == r["steps"]
    with pytest.raises(DataError, match="not 'highway'"):
        load_checkpoint(tmp_path / "checkpoint.npz", "highway")
