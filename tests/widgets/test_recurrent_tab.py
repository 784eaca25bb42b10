"""The "Recurrent nets" tab: five cells train live; the gradient per time step, one cell's step outputs
and its gates are drawn; "Show cell" switches them without a Reset; the figures export."""

import numpy as np

from lab.experiments.recurrent import CELL_NAMES, RecurrentExperiment
from tab_helpers import exported


def test_recurrent_tab_draws_and_switches_cells(qtbot, open_tab, tmp_path):
    cfg = RecurrentExperiment.preset_config("quick", length=8, hidden=6, batch_size=8, n_test=16, eval_every=2)
    win = open_tab("recurrent", cfg)
    tab = win.page("recurrent")
    tab.run_steps(4)
    qtbot.waitUntil(lambda: tab.session.state == "idle" and tab.last_frame_step == 4, timeout=60_000)
    assert not tab.grad_curves["conv-ugrnn"].isVisible()     # the adding problem has no image rows
    assert "conv-UGRNN: row-digits only" in tab.summary.text()
    for k in [k for k in CELL_NAMES if k != "conv-ugrnn"]:
        x, y = tab.grad_curves[k].getData()
        assert list(x) == list(range(1, 9)) and np.all(np.isfinite(y))
        assert tab.loss_plot.buffers[f"loss/{k}"].n == 4 and tab.test_plot.buffers[f"test_loss/{k}"].n == 3
    assert tab.hidden.current.shape == (6, 8) and "LSTM" in tab.hidden.getPlotItem().titleLabel.text
    assert len(tab.gate_curves[2].getData()[0]) == 8                 # the LSTM's three gates
    assert tab.mean_line.isVisible() and "MSE" in tab.summary.text()
    cfg = tab.form_config()
    cfg.show_cell = "ugrnn"
    tab.form.set_config(cfg)
    tab._on_form_changed()
    assert tab.experiment.steps_done == 4 and "UGRNN" in tab.hidden.getPlotItem().titleLabel.text
    assert len(tab.gate_curves[0].getData()[0]) == 8 and tab.gate_curves[1].getData()[0] is None
    names = {p.name for p in exported(tab, tmp_path)}
    assert {"grad_norms.csv", "curves.csv", "config.json"} <= names and any(n.endswith(".svg") for n in names)


def test_spatial_lstm_page_draws_state_maps(qtbot, open_tab):
    from lab.experiments.spatial_lstm import SpatialLSTMExperiment
    cfg = SpatialLSTMExperiment.preset_config("quick", n_train=64, n_test=32, batch_size=32, hidden=5,
                                              preview_every=1)
    win = open_tab("spatial-lstm", cfg)
    group = win.tab_by_name["recurrent-nets"]
    assert [group.pages.tabText(i) for i in range(3)] == ["Cells on a memory task", "Spatial LSTM", "DNI and noise race"]
    tab = win.page("spatial-lstm")
    tab.run_steps(2)
    qtbot.waitUntil(lambda: tab.session.state == "idle" and tab.last_frame_step == 2, timeout=60_000)
    assert "5 units" in tab.maps.title.text and tab.maps.current.shape[0] > 1
    assert tab.acc_plot.buffers["test_accuracy"].n == 1 and "predicted" in tab.probe_label.text()


def test_dni_race_page_draws_the_four_cases(qtbot, open_tab, tmp_path):
    from PIL import Image

    from lab.experiments.gif.race import CASES, DNIRaceExperiment
    for cls, axis in (("h", 1), ("v", 0)):                 # a bar moving across, or down
        (tmp_path / "gifs" / cls).mkdir(parents=True)
        for i in range(6):
            frames = [Image.fromarray(np.where(np.arange(16) == (t + i) % 16, 255, 0).astype(np.uint8)
                                      [None, :].repeat(16, 0).T.copy() if axis == 0 else
                                      np.where(np.arange(16) == (t + i) % 16, 255, 0).astype(np.uint8)
                                      [None, :].repeat(16, 0), "L") for t in range(6)]
            frames[0].save(tmp_path / "gifs" / cls / f"{i}.gif", save_all=True, append_images=frames[1:], duration=50)
    cfg = DNIRaceExperiment.preset_config(data=str(tmp_path / "gifs"), size=16, frames=3, layers=[3], batch_size=4,
                                          epochs=1)
    win = open_tab("dni-race", cfg)
    group = win.tab_by_name["recurrent-nets"]
    assert group.pages.tabText(2) == "DNI and noise race"
    tab = win.page("dni-race")
    n = tab.experiment.total_steps
    tab.run_steps(n)
    qtbot.waitUntil(lambda: tab.session.state == "idle" and tab.last_frame_step == n, timeout=60_000)
    for case in CASES:
        assert tab.cost_plot.buffers[f"batch_cost/{case}"].n == n and tab.acc_plot.buffers[f"test_accuracy/{case}"].n == 1
    assert tab.sg_plot.buffers["sg_loss/dni"].n == n and "sg_loss/backprop" not in tab.sg_plot.buffers
    assert tab.table.rowCount() == 4 and "best on test" in tab.summary.text()
    # one colour per case on every plot
    assert tab.cost_plot.curves["batch_cost/dni"].opts["pen"].color() == tab.sg_plot.curves["sg_loss/dni"].opts["pen"].color()
    names = {p.name for p in exported(tab, tmp_path / "out")}
    assert "config.json" in names and sum(n.endswith(".svg") for n in names) == 4
