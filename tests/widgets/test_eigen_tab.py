import numpy as np
import pytest

from lab.experiments.zca import ZCAExperiment


@pytest.fixture
def window(open_tab):
    return open_tab("eigen", ZCAExperiment.preset_config("default", n_train=400, n_test=100, hidden=[32, 16],
                                                         batch_size=100, epochs=2))


def test_tab_order_and_title(window):
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == \
        ["Eigenvectors && ZCA", "CT denoising", "GAN sample grid", "LSTM GIF classifier"]


def test_change_of_basis_views(window):
    tab = window.tab_by_name["eigen"]
    assert "covariance 0.0e+00" in tab.diff_label.text() or "covariance" in tab.diff_label.text()
    x, y = tab.scatter.scatters[0].getData()
    assert len(x) == 59  # cultivar 0 of the wine data
    line = tab.scatter.arrows[0][0]
    assert len(line.getData()[0]) == 2
    tab.basis_box.setCurrentText("correlation")
    assert tab.heat["corr"].current[0, 0] == pytest.approx(1.0)
    assert abs(tab.scatter.scatters[0].getData()[0].mean()) < 2  # standardised units


def test_svd_slider_collapses_dimensions(window):
    tab = window.tab_by_name["eigen"]
    tab.three_d.setChecked(True)
    assert tab.keep.maximum() == 3 and not any(v.isHidden() for v in tab.svd_views)
    tab.keep.setValue(1)
    assert "kept 1" in tab.svd_info.text() and "a line" in tab.svd_info.text()
    tab.three_d.setChecked(False)
    assert tab.keep.maximum() == 2 and tab.svd_views[1].isHidden()


def test_gallery_both_axes(window):
    tab = window.tab_by_name["eigen"]
    tab.pages.setCurrentWidget(tab.gallery_page)
    assert "eigenvalues are 1" in tab.gallery_info.text()
    tab.gallery_axis.setCurrentText("per example")
    assert "identity" in tab.gallery_info.text() or "eigenvalues are 1" in tab.gallery_info.text()
    img = tab.g_images[4][1].image
    assert img is not None and np.all(np.isfinite(img))


def test_classifier_runs_and_reset_keeps_previous_curves(qtbot, window):
    tab = window.tab_by_name["eigen"]
    tab.run_steps(tab.experiment.total_steps)
    qtbot.waitUntil(lambda: tab.worker.state == "idle" and tab.last_frame_step == 8, timeout=30_000)
    assert "epoch 2: test accuracy" in tab.acc_label.text()
    assert tab.confusion.current.sum() == 100
    tab.preset_box.setCurrentText("no-whitening")
    tab.reset()
    refs = [r.name() for r in tab.acc_plot.references]
    assert any("previous: default, whitened" in n for n in refs)


def test_csv_for_eigen_views_and_bad_csv(window, tmp_path):
    tab = window.tab_by_name["eigen"]
    p = tmp_path / "t.csv"
    p.write_text("a,b,c,kind\n" + "\n".join(f"{i},{2 * i + (i % 3)},{i % 5},{'xy'[i % 2]}" for i in range(30)))
    assert tab.open_data(str(p))
    assert set(tab.eigen.features) == {"a", "b"} and len(tab.scatter.scatters) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,zz\n2,3\n3,4\n")
    assert not tab.open_data(str(bad))
    assert "bad.csv" in tab.message.label.text() and tab.eigen.source == str(p)


def test_export_all(window, tmp_path):
    tab = window.tab_by_name["eigen"]
    names = {p.name for p in tab.export_all(str(tmp_path))}
    assert {"data-and-its-eigenvectors.png", "data-and-its-eigenvectors.svg", "covariance-ours.png",
            "config.json"} <= names
