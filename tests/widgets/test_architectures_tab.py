"""The "Architectures" tab: three pages (residual = polynomial, highway vs plain, mini-VGG & ResNet),
each training live, drawing every view and exporting its figures."""

import numpy as np

from lab.experiments.convnets import ConvNetExperiment
from lab.experiments.highway import HighwayExperiment
from lab.experiments.polynomial import FITS, PolynomialExperiment
from tab_helpers import exported


def run(qtbot, tab, n):
    tab.run_steps(n)
    qtbot.waitUntil(lambda: tab.session.state == "idle" and tab.last_frame_step == n, timeout=60_000)


def test_polynomial_page_draws_fits_depths_and_the_expansion(qtbot, open_tab, tmp_path):
    win = open_tab("polynomial", PolynomialExperiment.preset_config(steps=40, preview_every=20))
    group = win.tab_by_name["architectures"]
    assert [group.pages.tabText(i) for i in range(3)] == ["Residual = polynomial", "Highway vs plain",
                                                         "Mini-VGG && ResNet"]
    tab = win.page("polynomial")
    run(qtbot, tab, 40)
    for f in FITS:
        x, y = tab.fits[f].getData()
        assert len(x) == 401 and np.all(np.isfinite(y))
        assert len(tab.depth_curves[f].getData()[0]) == 6
    assert len(tab.coef_items["residual-x2"].getData()[0]) == 9      # degree 8: c_0..c_8
    assert "reproduces the network" in tab.check_label.text()
    assert tab.poly_label.text().count("y = ") == 2 and tab.table.rowCount() == len(FITS)
    names = {p.name for p in exported(tab, tmp_path)}
    assert {"coefficients.csv", "rmse_by_depth.csv", "config.json"} <= names
    assert any(n.endswith(".svg") for n in names)
    # every depth trained: the depth slider switches the views at once, without a Reset
    cfg = tab.form_config()
    cfg.depth = 5
    tab.form.set_config(cfg)
    tab._on_form_changed()
    assert tab.experiment.steps_done == 40 and tab.experiment.config.depth == 5
    assert len(tab.coef_items["residual-x2"].getData()[0]) == 33 and tab.table.item(0, 1).text() == "32"
    assert "depth 5" in tab.poly_label.text() and tab.loss_plot.buffers["loss/residual-x2"].n == 40


def test_highway_page_shows_gradients_and_gates(qtbot, open_tab):
    cfg = HighwayExperiment.preset_config(depth=6, width=16, n_train=128, n_test=40, batch_size=32, epochs=1,
                                          preview_every=2)
    win = open_tab("highway", cfg)
    tab = win.page("highway")
    run(qtbot, tab, 4)
    x, y = tab.grad_curves["plain"].getData()
    assert list(x) == [1, 2, 3, 4, 5, 6] and np.all(np.isfinite(y))  # log10 of the norms (log axis)
    assert tab.acc_plot.buffers["test_accuracy/highway"].n == 1      # the epoch's end
    assert "test accuracy" in tab.summary.text()


def test_convnet_page_overlays_earlier_runs(qtbot, open_tab):
    cfg = ConvNetExperiment.preset_config("mini-vgg", channels=[4, 8], hidden=16, n_train=64, n_test=32,
                                          batch_size=32, epochs=1, preview_every=1)
    win = open_tab("convnet", cfg)
    tab = win.page("convnet")
    run(qtbot, tab, 2)
    assert tab.acc_plot.buffers["test_accuracy"].n == 1
    assert tab.filters.current.shape == (3, 4 * 3 + 3) and "conv1b" in tab.maps.title.text
    cfg = tab.form_config()
    cfg.show_layer = 3                  # a view setting: the maps switch at once, the run goes on
    tab.form.set_config(cfg)
    tab._on_form_changed()
    assert "conv2a" in tab.maps.title.text and tab.experiment.steps_done == 2
    tab.preset_box.setCurrentText("resnet")
    tab.form.set_config(ConvNetExperiment.preset_config("resnet", channels=[4, 8], n_train=64, n_test=32,
                                                        batch_size=32, epochs=1, preview_every=1))
    tab.reset()
    qtbot.waitUntil(lambda: tab.ready and tab.experiment.config.architecture == "resnet", timeout=30_000)
    assert [r.name() for r in tab.acc_plot.references] == ["mini-vgg 4-8"]   # the first run stays, in its colour
    run(qtbot, tab, 2)
    rows = [tab.table.item(r, 0).text() for r in range(tab.table.rowCount())]
    assert rows == ["resnet 4-8 ×1", "mini-vgg 4-8"]
    assert tab.table.item(0, 4).text().endswith("%")


def test_a_bad_typed_target_is_a_message_and_the_run_is_kept(qtbot, open_tab):
    win = open_tab("polynomial", PolynomialExperiment.preset_config(steps=10, preview_every=5))
    tab = win.page("polynomial")
    run(qtbot, tab, 10)
    before = tab.experiment
    tab.form.set_config(PolynomialExperiment.preset_config(target="expression", expression="np.sin(3 *", steps=10))
    tab.reset()
    qtbot.waitUntil(lambda: not tab.session.busy and "target expression" in tab.message.label.text(), timeout=20_000)
    assert tab.experiment is before and tab.experiment.steps_done == 10
