"""The "Optimisers & regularisation" tab: three pages, each with its own experiment and worker."""

import numpy as np
import pytest

from lab.experiments.online_regression import OnlineRegressionExperiment
from lab.experiments.optimizers.race import RaceExperiment
from lab.experiments.regularization import CASES, RegularizationExperiment
from tab_helpers import exported


def test_pages_and_menus_act_on_the_page_in_front(open_tab):
    win = open_tab("regularization", RegularizationExperiment.preset_config(hidden=[8, 8], steps=4))
    group = win.tab_by_name["optimisers"]
    assert [group.pages.tabText(i) for i in range(3)] == ["Optimizer race", "L1/L2 regularisation",
                                                         "Online vs batch regression"]
    assert win.current_page() is group.page_by_name["regularization"]
    group.show_page("online-regression")
    assert win.current_page().session.wait_ready()
    assert win.current_page().experiment.name == "online-regression"


def test_race_runs_with_a_chosen_subset(qtbot, open_tab, tmp_path):
    win = open_tab("optimizers", RaceExperiment.preset_config(hidden=[8, 4], eval_every=5, race=["adam", "sgd"]))
    tab = win.page("optimizers")
    scroll = tab.controls_scroll                       # two columns of check boxes: the column widens to fit
    qtbot.waitUntil(lambda: scroll.viewport().width() >= scroll.widget().minimumSizeHint().width(), timeout=5000)
    assert tab.form.values()["race"] == ["sgd", "adam"]  # the check boxes show the config's runs
    assert not tab.cost_plot.curves["cost/nesterov"].isVisible()
    tab.run_steps(10)
    qtbot.waitUntil(lambda: tab.session.state == "idle" and tab.last_frame_step == 10, timeout=20_000)
    assert tab.cost_plot.buffers["cost/adam"].n == 10 and tab.cost_plot.buffers["cost/nesterov"].n == 0
    assert tab.table.rowCount() == 2
    def drawn(run):
        x = tab.paths[run].getData()[0]
        return 0 if x is None else len(x)
    qtbot.waitUntil(lambda: drawn("adam") == 301, timeout=20_000)  # the surfaces' paths revealed to the end
    tab.surface_box.setCurrentText("saddle")
    qtbot.waitUntil(lambda: drawn("momentum") == 301 and tab.paths["momentum"].getData()[0][0] == -1.5,
                    timeout=20_000)
    names = {p.name for p in exported(tab, str(tmp_path))}
    assert {"race.csv", "test-accuracy.png", "test-accuracy.csv", "config.json"} <= names
    win.show_tab("gif")                                   # a hidden surface does not animate...
    tab.surface_box.setCurrentText("beale")
    qtbot.waitUntil(lambda: tab._shown == 0, timeout=20_000)   # the new paths arrived
    qtbot.wait(300)
    assert not tab._reveal.isActive() and tab._shown == 0
    win.show_tab("optimizers")                            # ...until it is looked at
    qtbot.waitUntil(lambda: drawn("adam") == 301, timeout=20_000)


def test_regularization_page_draws_fits_and_weights(qtbot, open_tab):
    win = open_tab("regularization", RegularizationExperiment.preset_config(hidden=[8, 8], steps=30,
                                                                            preview_every=10))
    tab = win.page("regularization")
    tab.run_steps(30)
    qtbot.waitUntil(lambda: tab.session.state == "idle" and tab.last_frame_step == 30, timeout=20_000)
    x, y = tab.fits["l2+l1reg"].getData()
    assert len(x) == 400 and np.all(np.isfinite(y))
    assert tab.table.rowCount() == len(CASES)
    assert len(tab.outlier_points.getData()[0]) == 20


def test_online_page_moves_lines_and_paths(qtbot, open_tab):
    win = open_tab("online-regression", OnlineRegressionExperiment.preset_config(samples=200))
    tab = win.page("online-regression")
    tab.run_steps(200)
    qtbot.waitUntil(lambda: tab.session.state == "idle" and tab.last_frame_step == 200, timeout=20_000)
    assert len(tab.seen.getData()[0]) == 200 and len(tab.paths["rls"].getData()[0]) == 201
    slope = np.diff(tab.lines["rls"].getData()[1])[0] / 4
    assert slope == pytest.approx(1.5, abs=0.1)


def test_online_stream_end_is_a_note_not_a_failure(qtbot, open_tab, capfd):
    win = open_tab("online-regression", OnlineRegressionExperiment.preset_config(samples=20))
    tab = win.page("online-regression")
    tab.start()  # runs on past the planned steps (Start continues): the stream ends at its 20th point
    qtbot.waitUntil(lambda: tab.session.state == "idle" and not tab.message.isHidden(), timeout=20_000)
    assert "stream ended after its 20 points" in tab.message.label.text() and "failed" not in tab.message.label.text()
    assert tab.experiment.steps_done == 20
    assert "Traceback" not in capfd.readouterr().err
