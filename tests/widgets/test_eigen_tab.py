import numpy as np
import pytest
from PySide6.QtCore import Qt

from lab.experiments.zca import ZCAExperiment
from tab_helpers import exported, opened


@pytest.fixture
def window(open_tab):
    return open_tab("eigen", ZCAExperiment.preset_config("default", n_train=400, n_test=100, hidden=[32, 16],
                                                         batch_size=100, epochs=2))


def test_tab_order_and_title(window):
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == \
        ["Eigenvectors && ZCA", "CT denoising", "GAN sample grid", "LSTM GIF classifier",
         "Optimisers && regularisation", "Architectures", "Recurrent nets", "Forecast risk"]


def test_change_of_basis_views(window):
    tab = window.tab_by_name["eigen"]
    assert "covariance 0.0e+00" in tab.basis.diff_label.text() or "covariance" in tab.basis.diff_label.text()
    x, y = tab.basis.scatter.scatters[0].getData()
    assert len(x) == 59  # cultivar 0 of the wine data
    line = tab.basis.scatter.arrows[0][0]
    assert len(line.getData()[0]) == 2
    tab.basis.basis_box.setCurrentText("correlation")
    assert tab.basis.heat["corr"].current[0, 0] == pytest.approx(1.0)
    assert abs(tab.basis.scatter.scatters[0].getData()[0].mean()) < 2  # standardised units


def test_svd_slider_collapses_dimensions(window):
    tab = window.tab_by_name["eigen"]
    tab.three_d.setChecked(True)
    assert tab.svd.keep.maximum() == 3 and not any(v.isHidden() for v in tab.svd.views)
    tab.svd.keep.setValue(1)
    assert "kept 1" in tab.svd.info.text() and "a line" in tab.svd.info.text()
    tab.three_d.setChecked(False)
    assert tab.svd.keep.maximum() == 2 and tab.svd.views[1].isHidden()


def test_gallery_both_axes(qtbot, window):
    tab = window.tab_by_name["eigen"]
    tab.pages.setCurrentWidget(tab.gallery)
    assert tab.gallery.info.text() == "computing…"  # off the GUI thread
    qtbot.waitUntil(lambda: "eigenvalues are 1" in tab.gallery.info.text(), timeout=20_000)
    first = tab.gallery.info.text()
    tab.gallery.axis_box.setCurrentText("per example")
    qtbot.waitUntil(lambda: tab.gallery.info.text() not in (first, "computing…"), timeout=20_000)
    assert "identity" in tab.gallery.info.text() or "eigenvalues are 1" in tab.gallery.info.text()
    img = tab.gallery.images[4][1].image
    assert img is not None and np.all(np.isfinite(img))


def test_classifier_runs_and_reset_keeps_previous_curves(qtbot, window):
    tab = window.tab_by_name["eigen"]
    tab.run_steps(tab.experiment.total_steps)
    qtbot.waitUntil(lambda: tab.worker.state == "idle" and tab.last_frame_step == 8, timeout=30_000)
    assert "epoch 2: test accuracy" in tab.classifier.acc_label.text()
    assert tab.classifier.confusion.current.sum() == 100
    tab.preset_box.setCurrentText("no-whitening")
    tab.reset()
    assert tab.session.wait_ready()
    # the run that Reset ended is shown from the run list, dashed, named by what differs
    plot = tab.classifier.acc_plot
    qtbot.waitUntil(lambda: bool(plot.runs), timeout=10_000)
    label = plot.runs[0]["label"]
    assert "preset default" in label and "whiten on" in label
    assert any(label in item.name() for item in plot._run_items)
    assert tab.run_list.item(tab.session.previous_run).checkState(0) == Qt.Checked


def test_csv_for_eigen_views_and_bad_csv(window, tmp_path):
    tab = window.tab_by_name["eigen"]
    p = tmp_path / "t.csv"
    p.write_text("a,b,c,kind\n" + "\n".join(f"{i},{2 * i + (i % 3)},{i % 5},{'xy'[i % 2]}" for i in range(30)))
    assert opened(tab, str(p))
    assert set(tab.eigen.features()) == {"a", "b"} and len(tab.basis.scatter.scatters) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,zz\n2,3\n3,4\n")
    assert not opened(tab, str(bad))
    assert "bad.csv" in tab.message.label.text() and tab.eigen.source == str(p)


def test_export_all(window, tmp_path):
    tab = window.tab_by_name["eigen"]
    names = {p.name for p in exported(tab, str(tmp_path))}
    assert {"data-and-its-eigenvectors.png", "data-and-its-eigenvectors.svg", "covariance-ours.png",
            "config.json"} <= names


def test_svd_views_under_the_slider_make_a_timelapse(qtbot, window, tmp_path):
    from PIL import Image
    from tab_helpers import exported
    tab = window.tab_by_name["eigen"]
    tab.pages.setCurrentWidget(tab.svd)
    qtbot.waitExposed(tab.svd)
    tab.three_d.setChecked(True)
    qtbot.waitUntil(lambda: tab.svd.keep.maximum() == 3, timeout=10_000)
    for k in (3, 2, 1):
        tab.svd.keep.setValue(k)
        qtbot.waitUntil(lambda k=k: tab.svd.timelapse.frames and tab.svd.timelapse.frames[-1][0] == k,
                        timeout=10_000)
    files = {f.name for f in exported(tab, tmp_path)}
    assert "svd-views-timelapse.gif" in files
    with Image.open(tmp_path / "svd-views-timelapse.gif") as im:
        assert im.n_frames >= 3
