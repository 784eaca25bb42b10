"""The sweep dialog: a 2 × 3 sweep of a learning rate over seeds on the process pool and on a Dask
LocalCluster, each run with its progress and result, all of them ordinary runs in the run list; two
settings give a heat map; Cancel ends a sweep in progress."""

import pytest

from lab.experiments.gan import GANExperiment
from lab.runs import store


@pytest.fixture
def tab(open_tab, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    win = open_tab("gan", GANExperiment.preset_config("small-fast", preview_every=100, history_every=100))
    return win.tab_by_name["gan"]


def sweep_and_wait(qtbot, dlg, timeout=120_000):
    assert dlg.start()
    qtbot.waitUntil(lambda: not dlg.running and dlg.start_btn.isEnabled(), timeout=timeout)


@pytest.mark.parametrize("backend", [0, 1])  # the process pool, a Dask LocalCluster
def test_a_two_by_three_sweep_gives_six_runs_and_a_curve(qtbot, tab, backend):
    if backend == 1:
        pytest.importorskip("dask.distributed")
    dlg = tab.open_sweep()
    dlg.field1.setCurrentText("g_lr")
    assert dlg.values1.text() == "2e-05, 0.0002, 0.002"   # around the form's value
    dlg.values1.setText("1e-3, 2e-3")
    dlg.seeds.setValue(3)
    dlg.steps.setValue(4)
    dlg.workers.setValue(2)
    dlg.backend.setCurrentIndex(backend)
    sweep_and_wait(qtbot, dlg)
    assert len(dlg.results) == 6 and {r["status"] for r in dlg.results} == {"finished"}
    assert all(b.value() == b.maximum() == 4 for b in dlg.bars)
    assert [dlg.table.item(i, 2).text() for i in range(6)] == ["finished"] * 6
    assert "6 of 6 runs finished" in dlg.status.text()
    curve = [it for it in dlg.plot.getPlotItem().listDataItems() if it.opts["symbol"] == "o"][0]
    assert len(curve.getData()[0]) == 2
    runs, _ = store.list_runs("gan")
    assert len(runs) == 6 and len({r.sweep for r in runs}) == 1
    qtbot.waitUntil(lambda: tab.run_list.tree.topLevelItemCount() == 6, timeout=10_000)


def test_two_settings_give_a_heat_map_and_bad_values_are_named(qtbot, tab):
    dlg = tab.open_sweep()
    dlg.field1.setCurrentText("g_lr")
    dlg.values1.setText("1e-3, nope")
    assert not dlg.start() and "nope" in dlg.status.text()
    dlg.values1.setText("1e-3, 2e-3")
    dlg.field2.setCurrentText("d_lr")
    dlg.values2.setText("1e-3:4e-3:2")
    dlg.steps.setValue(2)
    dlg.workers.setValue(2)
    sweep_and_wait(qtbot, dlg)
    assert len(dlg.results) == 4 and dlg.heat.isVisibleTo(dlg) and not dlg.plot.isVisibleTo(dlg)
    assert dlg.heat.current.shape == (2, 2)


def test_cancel_ends_the_runs_in_progress(qtbot, tab):
    dlg = tab.open_sweep()
    dlg.values1.setText("1e-3, 2e-3")
    dlg.steps.setValue(100_000)
    dlg.workers.setValue(2)
    assert dlg.start()
    qtbot.waitUntil(lambda: any(b.value() > 0 for b in dlg.bars), timeout=60_000)
    dlg.cancel()
    qtbot.waitUntil(lambda: not dlg.running, timeout=60_000)
    assert "cancelled" in dlg.status.text()
    qtbot.waitUntil(lambda: {r.status for r in store.list_runs("gan")[0]} == {"interrupted"}, timeout=10_000)
