import json

import numpy as np

from lab.cli import main
from lab.experiments.regularization import CASES, RegularizationExperiment


def test_six_cases_one_init_and_subgradient_at_zero():
    e = RegularizationExperiment(RegularizationExperiment.preset_config(hidden=[8, 8], steps=5))
    w = {c: e.nets[c].params["W2"].tobytes() for c in CASES}
    assert len(set(w.values())) == 1
    assert np.sign(0.0) == 0  # the subgradient used for |x| at 0
    s = e.step()
    assert {f"loss/{c}" for c in CASES} <= set(s.metrics) and "fit/l1+l2reg" in s.arrays


def test_penalties_shrink_weights_and_l1_loss_resists_outliers(tmp_path, capsys):
    """The seed's findings: the four penalised cases have smaller sum |W| than both unpenalised ones,
    and on the outlier set an L1-loss case fits the clean curve best."""
    assert main(["run", "regularization", "--steps", "1000", "--out", str(tmp_path)]) == 0
    runs = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["runs"]
    assert set(runs) == set(CASES)
    plain = min(runs["l1"]["sum_abs_w"], runs["l2"]["sum_abs_w"])
    for c in ("l1+l1reg", "l2+l2reg", "l1+l2reg", "l2+l1reg"):
        assert runs[c]["sum_abs_w"] < plain, c
    best = min(runs, key=lambda c: runs[c]["test_rmse"])
    assert best in ("l1", "l1+l1reg", "l1+l2reg")
    assert (tmp_path / "regularization.csv").exists() and (tmp_path / "fits.csv").exists()
    assert (tmp_path / "curves.csv").read_text().startswith("run,step,metric,value\nl1,1,loss,")
