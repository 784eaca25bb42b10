"""The run list of a tab: runs recorded as they go, the run a Reset ended shown dashed with a label
naming what differs, rename, delete, smoothing, and reopening a run to continue it."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from lab.experiments.gan import GANExperiment
from lab.runs import store


@pytest.fixture
def tab(open_tab, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # this test's runs only
    win = open_tab("gan", GANExperiment.preset_config("small-fast", preview_every=50, history_every=50))
    return win.tab_by_name["gan"]


def run(qtbot, tab, n):
    start = tab.experiment.steps_done
    tab.run_steps(n)
    qtbot.waitUntil(lambda: tab.worker.state == "idle" and tab.last_frame_step == start + n, timeout=30_000)
    qtbot.waitUntil(lambda: tab.session.run_folder is not None and
                    store.read_run(tab.session.run_folder).status == "stopped", timeout=10_000)


def listed(qtbot, tab, n):
    qtbot.waitUntil(lambda: tab.run_list.tree.topLevelItemCount() == n, timeout=10_000)


def test_runs_are_recorded_compared_renamed_smoothed_and_deleted(qtbot, tab):
    run(qtbot, tab, 4)
    first = tab.session.run_folder
    info = store.read_run(first)
    assert info.steps == 4 and info.status == "stopped" and (first / "checkpoint.npz").exists()
    assert store.read_metrics(first)["d_loss"][0] == [1, 2, 3, 4]
    listed(qtbot, tab, 1)
    assert "(this run)" in tab.run_list.tree.topLevelItem(0).text(0)

    cfg = tab.form_config()
    cfg.g_lr = 5e-4
    tab.form.set_config(cfg)
    tab.reset()
    assert tab.session.wait_ready()
    qtbot.waitUntil(lambda: bool(tab.loss_plot.runs), timeout=10_000)
    shown = tab.loss_plot.runs[0]
    assert shown["key"] == str(first) and "g lr 0.0002" in shown["label"]
    names = [item.name() for item in tab.loss_plot._run_items]
    assert any(n.startswith("D loss · ") for n in names) and any(n.startswith("G loss · ") for n in names)
    run(qtbot, tab, 3)
    listed(qtbot, tab, 2)

    it = tab.run_list.item(first)
    it.setText(0, "baseline")       # what the editor does when the user renames it
    qtbot.waitUntil(lambda: store.read_run(first).name == "baseline", timeout=5_000)
    qtbot.waitUntil(lambda: tab.loss_plot.runs and tab.loss_plot.runs[0]["label"].startswith("baseline"),
                    timeout=10_000)

    tab.run_list.smooth.setValue(90)
    assert tab.loss_plot.smoothing == pytest.approx(0.9)
    sm = tab.loss_plot._smoothed["d_loss"]
    raw = tab.loss_plot.buffers["d_loss"]
    assert sm.n == raw.n == 3 and sm.y[0] == pytest.approx(raw.y[0])  # debiased: starts at the first value

    tab.run_list.item(first).setCheckState(0, Qt.Unchecked)
    qtbot.waitUntil(lambda: not tab.loss_plot.runs, timeout=5_000)
    tab.run_list.tree.clearSelection()
    tab.run_list.item(first).setSelected(True)
    assert tab.run_list.delete_selected(confirm=False) == 1
    assert not first.exists()
    listed(qtbot, tab, 1)


def test_a_run_reopened_continues_in_its_own_folder(qtbot, tab):
    run(qtbot, tab, 5)
    first = tab.session.run_folder
    tab.reset()
    assert tab.session.wait_ready()
    listed(qtbot, tab, 1)
    assert tab.reopen_run(str(first))
    assert tab.session.wait_ready()
    assert tab.experiment.steps_done == 5
    qtbot.waitUntil(lambda: tab.loss_plot.buffers["d_loss"].n == 5, timeout=10_000)  # its curves so far
    assert str(tab.session.run_folder) == str(first)
    run(qtbot, tab, 2)
    steps = store.read_metrics(first)["d_loss"][0]
    assert steps == [1, 2, 3, 4, 5, 6, 7] and store.read_run(first).steps == 7
    assert np.all(np.isfinite(store.read_metrics(first)["d_loss"][1]))


def test_the_x_axis_is_the_step_the_epoch_or_wall_time(qtbot, open_tab, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    from lab.experiments.zca import ZCAExperiment
    win = open_tab("eigen", ZCAExperiment.preset_config("default", n_train=300, n_test=100, hidden=[16, 8],
                                                        batch_size=100, epochs=2))
    tab = win.tab_by_name["eigen"]
    run(qtbot, tab, 6)
    plot = tab.classifier.cost_plot
    steps = plot.curves["batch_cost"].getData()[0]
    assert list(steps) == [1, 2, 3, 4, 5, 6]
    tab.run_list.x_axis.setCurrentText("epoch")
    epochs = plot.curves["batch_cost"].getData()[0]
    assert epochs[-1] == pytest.approx(2.0) and np.all(np.diff(epochs) > 0)   # 3 steps per epoch
    assert plot.getPlotItem().getAxis("bottom").labelText == "epoch"
    tab.run_list.x_axis.setCurrentText("wall time")
    walls = plot.curves["batch_cost"].getData()[0]
    assert walls[0] == 0 and np.all(np.diff(walls) >= 0)


def test_a_listing_moves_only_the_runs_that_came_or_went(qtbot, tmp_path):
    from pathlib import Path

    from PySide6.QtCore import Qt

    from lab.runs.store import RunInfo
    from widgets.run_list import RunList

    rl = RunList("gan")
    qtbot.addWidget(rl)

    def run(i, status="finished"):
        return RunInfo(folder=Path(tmp_path) / f"run{i}", experiment="gan", name=f"run {i}",
                       created=f"2026-11-26T10:0{i}:00", status=status, colour=i)

    def folders():
        return [rl.tree.topLevelItem(i).data(0, Qt.UserRole) for i in range(rl.tree.topLevelItemCount())]

    rl._on_listed(([run(3), run(2), run(1)], []))
    kept = rl.item(str(run(2).folder))
    rl.show_run(str(run(1).folder))
    rl.live_folder = str(run(4).folder)
    rl._on_listed(([run(4, "running"), run(3), run(2)], []))   # run 4 began, run 1 was deleted
    assert folders() == [str(run(i).folder) for i in (4, 3, 2)]
    assert rl.item(str(run(2).folder)) is kept                     # the others' items stay as they were
    live = rl.item(str(run(4).folder))
    assert "(this run)" in live.text(0) and not live.flags() & Qt.ItemIsUserCheckable
    assert kept.flags() & Qt.ItemIsUserCheckable and kept.checkState(0) == Qt.Unchecked
    rl._on_listed(([run(2), run(4, "finished"), run(3)], []))      # reordered, run 4 ended
    assert folders() == [str(run(i).folder) for i in (2, 4, 3)] and rl.item(str(run(2).folder)) is kept
    assert rl.item(str(run(4).folder)).text(2) == "finished"
