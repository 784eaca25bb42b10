import pytest

from lab.experiments.forecast import ForecastExperiment
from lab.stats.month_models import MODEL_NAMES
from tab_helpers import exported, opened


@pytest.fixture
def window(open_tab):
    return open_tab("forecast", ForecastExperiment.preset_config("quick"))


def test_runs_fills_curves_table_and_fan(qtbot, window):
    tab = window.tab_by_name["forecast"]
    assert len(tab.pdf_curves["johnson"].getData()[0]) == 200  # the fits are drawn before the first step
    tab.run_steps(tab.experiment.total_steps)
    qtbot.waitUntil(lambda: tab.session.state == "idle" and tab.last_frame_step == 10, timeout=20_000)
    assert tab.table.rowCount() == len(MODEL_NAMES) and "%" in tab.table.item(0, 1).text()
    fitted = tab.fitted.text()   # each model's fit, listed under the table (no column behind a scroll bar)
    assert all(f"{name}: " in fitted for name in MODEL_NAMES) and tab.table.columnCount() == 3
    x, y = tab.p_plot.curves["p/seasonal"].getData()
    assert x[-1] == 2000 and 0 <= y[-1] <= 1
    tab.fan_model.setCurrentText("seasonal")
    fx, fy = tab.fan_lines[2].getData()
    assert list(fx) == [9, 10, 11, 12] and fy[-1] > fy[0]
    assert tab.target_line.value() == pytest.approx(170.0)


def test_export_and_bad_csv(qtbot, window, tmp_path):
    tab = window.tab_by_name["forecast"]
    tab.run_steps(2)
    qtbot.waitUntil(lambda: tab.session.state == "idle" and tab.last_frame_step == 2, timeout=20_000)
    names = {p.name for p in exported(tab, str(tmp_path / "out"))}
    assert {"forecast-totals.csv", "forecast-summary.png", "forecast-summary.svg", "config.json",
            "simulated-year-totals.png", "p-target-95-interval-shaded.csv"} <= names
    bad = tmp_path / "bad.csv"
    bad.write_text("x\n1\n2\nthree\n")
    assert not opened(tab, str(bad))
    assert "bad.csv" in tab.message.label.text() and tab.experiment.steps_done == 2  # the run is kept


def test_article_series(window, shared_data):
    tab = window.tab_by_name["forecast"]
    tab.preset_box.setCurrentText("seed-2015")
    assert opened(tab, str(shared_data / "forecast" / "monthly-units.csv"))
    assert tab.experiment.ytd == pytest.approx(141.7054, abs=1e-3) and "needs 44.29 more" in tab.summary.text()


def test_a_notice_or_the_reading_bar_does_not_move_the_views(qtbot, window):
    """Messages and the reading bar appear in the controls' column, never wider than it: a banner
    above the views made every view re-lay out and repaint at once when a run ended or a folder
    was read (the longest GUI stalls of both)."""
    tab = window.tab_by_name["forecast"]
    qtbot.waitUntil(lambda: tab.ready, timeout=20_000)
    qtbot.wait(50)
    before = tab.view_area.geometry()
    tab.message.show_message("Run ended at step 10: a long notice that wraps over several lines of the "
                             "controls' column, as the reasons runs end do.", error=False)
    qtbot.waitUntil(lambda: tab.message.isVisible(), timeout=2000)
    qtbot.wait(50)
    assert tab.view_area.geometry() == before
    tab.load_bar.begin("Reading a folder with a long name, monthly-sales-2019-2024-all-regions.csv")
    tab.load_bar.set_progress(3, 24000, "reading monthly-sales-2019-2024-all-regions.csv")
    qtbot.waitUntil(lambda: tab.load_bar.isVisible(), timeout=2000)
    qtbot.wait(50)
    assert tab.view_area.geometry() == before


def test_a_notice_is_scrolled_into_sight(qtbot, window):
    """The controls' column may be scrolled down to the run list: a new notice scrolls it back."""
    tab = window.tab_by_name["forecast"]
    qtbot.waitUntil(lambda: tab.ready, timeout=20_000)
    window.resize(1500, 460)                           # a short window: the notice starts out of sight
    bar = tab.controls_scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 600, timeout=2000)
    bar.setValue(bar.maximum())
    tab.message.show_message("bad.csv: not a table of numbers; the run you had is kept")

    def in_sight():
        top = tab.message.mapTo(tab.controls_scroll.widget(), tab.message.rect().topLeft()).y()
        return bar.value() <= top and top + tab.message.height() <= bar.value() + tab.controls_scroll.viewport().height()
    qtbot.waitUntil(in_sight, timeout=2000)
