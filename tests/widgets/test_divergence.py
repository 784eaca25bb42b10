"""A run that diverges pauses itself, says at which step and which quantity, records the run as
diverged, and offers to go on with the learning rates divided by ten."""

import pytest

from lab.experiments.recurrent import RecurrentExperiment
from lab.runs import store


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy's overflow warnings on the way to inf
def test_a_diverged_run_pauses_and_resumes_gentler(qtbot, open_tab, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    cfg = RecurrentExperiment.preset_config("quick", length=8, hidden=6, batch_size=8, n_test=16, eval_every=2,
                                            lr=50.0)
    win = open_tab("recurrent", cfg)
    tab = win.page("recurrent")
    assert tab.experiment.config.lr == 50.0
    tab.run_steps(100)
    qtbot.waitUntil(lambda: tab.worker.state == "idle" and tab.message.action.isVisibleTo(tab), timeout=30_000)
    text = tab.message.label.text()
    assert "diverged at step 2" in text and "irnn gradient norm is not finite" in text and "paused" in text
    assert tab.message.action.text() == "Resume with learning rate ÷ 10"
    folder = tab.session.run_folder
    qtbot.waitUntil(lambda: store.read_run(folder).status == "diverged", timeout=5_000)
    steps = tab.experiment.steps_done
    tab.message.action.click()
    assert tab.experiment.config.lr == pytest.approx(5.0)
    qtbot.waitUntil(lambda: tab.worker.state == "idle", timeout=30_000)
    assert tab.experiment.steps_done >= steps                        # it went on from where it paused
    assert str(tab.session.run_folder) == str(folder)                # in the same run
