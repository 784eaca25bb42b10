import pytest

from lab.experiments.ct import CTExperiment
from tab_helpers import opened


@pytest.fixture
def window(open_tab):
    return open_tab("ct", CTExperiment.preset_config("quick", eval_every=2, patch=24, batch_size=4))


def test_viewer_window_presets_and_hu_readout(window):
    tab = window.tab_by_name["ct"]
    assert tab.slice_slider.maximum() == 15 and tab.view.current.shape == (256, 256)
    tab.window_box.setCurrentText("bone")
    assert (tab.centre.value(), tab.width.value()) == (400, 1800) and tab.view.levels == (-500, 1300)
    assert "1 series · CT" in tab.meta_label.text() and "256×256" in tab.meta_label.text()


def test_training_fills_images_curves_and_table(qtbot, window):
    tab = window.tab_by_name["ct"]
    tab.run_steps(4)
    qtbot.waitUntil(lambda: tab.worker.state == "idle" and tab.last_frame_step == 4, timeout=60_000)
    assert tab.psnr_plot.buffers["psnr_denoised"].n >= 2
    def names():
        return [tab.table.item(r, 0).text() for r in range(tab.table.rowCount())]
    qtbot.waitUntil(lambda: "non-local means" in names(), timeout=60_000)  # computed beside training
    assert names()[:2] == ["noisy input", "residual CNN (ours)"]
    assert float(tab.table.item(1, 3).text()) > 0                     # our denoiser's time, as the baselines'


def test_one_window_and_linked_zoom_on_the_four_panels(qtbot, window, tmp_path):
    tab = window.tab_by_name["ct"]
    tab.run_steps(2)
    qtbot.waitUntil(lambda: tab.worker.state == "idle" and tab.last_frame_step == 2, timeout=60_000)
    tab.window_box.setCurrentText("mediastinum")                      # 40 / 400 HU
    lo, hi = tab.panels["denoised"].levels
    assert lo == pytest.approx((40 - 200 + 1350) / 1500) and hi == pytest.approx((40 + 200 + 1350) / 1500)
    assert tab.panels["clean"].levels == tab.panels["noisy"].levels == (lo, hi)
    assert tuple(tab.panels["noisy"].image.getLevels()) == pytest.approx((lo, hi))
    tab.panels["clean"].view.setRange(xRange=(10, 40), yRange=(10, 40), padding=0)
    for key in ("noisy", "denoised", "residual"):  # the same place, zoomed in (aspect kept: a range may widen)
        (x0, x1), (y0, y1) = tab.panels[key].view.viewRange()
        assert (x0 + x1) / 2 == pytest.approx(25, abs=1) and (y0 + y1) / 2 == pytest.approx(25, abs=1)
        assert x0 <= 11 and x1 >= 39 and x1 - x0 < 100 and y1 - y0 < 100
    from widgets.figures import export_figure
    out = export_figure(tab.panels["denoised"], tmp_path, formats=("png",))
    from PIL import Image
    import numpy as np
    with Image.open([f for f in out if f.name.endswith("-image.png")][0]) as im:
        img = np.asarray(im, float) / 255
    ref = np.clip((tab.panels["denoised"].current - lo) / (hi - lo), 0, 1)
    assert np.abs(img - ref).mean() < 0.01                            # the export has the window too


def test_junk_folder_keeps_the_run(window, tmp_path):
    tab = window.tab_by_name["ct"]
    before = tab.experiment
    (tmp_path / "junk.dcm").write_bytes(b"nothing")
    assert not opened(tab, str(tmp_path))
    assert tab.experiment is before and "no image series found" in tab.message.label.text()


def test_drag_changes_window_and_series_picker(window, shared_data):
    tab = window.tab_by_name["ct"]
    c, w = tab.centre.value(), tab.width.value()
    tab._drag_window(10, -5)
    assert tab.width.value() == w + 40 and tab.centre.value() == c + 20
    assert opened(tab, str(shared_data / "dicom" / "lung-ct-a0002"))
    assert tab.series_box.count() == 2
    other = 1 - tab.series_box.currentIndex()
    uid = tab.series_box.itemData(other)
    tab._on_series_chosen(other)
    assert tab.session.wait_ready()
    assert tab.experiment.slices.series[0].uid == uid and len(tab.experiment.slices.hu[0]) == 10


def test_colour_and_dose_series_are_listed_and_viewable(window, tmp_path):
    """A folder with a CT slice, a colour ultrasound and an RT dose grid: the CT slice is trained on;
    the other two are in the series list as "view only" with their reason, and show in the viewer."""
    import shutil

    from pydicom.data import get_testdata_file
    for name in ("CT_small.dcm", "examples_rgb_color.dcm", "rtdose.dcm"):
        shutil.copy(get_testdata_file(name), tmp_path / name)
    tab = window.tab_by_name["ct"]
    assert opened(tab, tmp_path)
    items = [(tab.series_box.itemText(i), tab.series_box.itemData(i)) for i in range(tab.series_box.count())]
    view_only = [t for t, d in items if str(d).startswith("view:")]
    assert len(items) == 3 and len(view_only) == 2
    assert any("not used for training: colour ultrasound" in t for t in view_only)
    assert any("RT dose grid" in t for t in view_only)
    trained = tab.experiment.slices.series
    us = next(i for i, (t, _) in enumerate(items) if "ultrasound" in t)
    tab._on_series_chosen(us)
    assert tab.session.experiment.slices.series == trained  # viewing does not touch the run
    img = tab.view.current
    assert img.ndim == 3 and img.shape[2] == 3 and tab.view.levels == (0, 255)
    assert "colour ultrasound" in tab.meta_label.text()
    dose = next(i for i, (t, _) in enumerate(items) if "RT dose" in t)
    tab._on_series_chosen(dose)
    assert tab.slice_slider.maximum() == 14 and tab.view.current.ndim == 2
    back = next(i for i, (_, d) in enumerate(items) if not str(d).startswith("view:"))
    tab._on_series_chosen(back)
    assert tab.view.current.shape == (128, 128) and "HU" in tab.hu_label.text()


def test_reading_shows_progress_and_cancel_keeps_the_run(qtbot, window):
    """A slow read (ticking between 'files') reports progress to the load bar; Cancel stops it
    between two files, and the run the user had is kept."""
    import time

    from lab.progress import tick
    tab = window.tab_by_name["ct"]
    before = tab.experiment
    seen = []
    tab.session.load_progress.connect(lambda d, t, w: seen.append((d, t)))

    def slow():
        for k in range(400):
            tick(k, 400, "reading a slow folder")
            time.sleep(0.005)
        raise AssertionError("not cancelled")
    tab.session.replace(slow, "Reading a slow folder")
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=10_000)
    assert tab.load_bar.isVisible() and "slow folder" in tab.load_bar.label.text()
    tab.load_bar.cancel.click()
    assert tab.session.wait_ready(10_000)
    assert tab.experiment is before and not tab.load_bar.isVisible()
    assert "cancelled" in tab.message.label.text() and "previous run is kept" in tab.message.label.text()
    assert 0 < seen[-1][0] < 400 and seen[-1][1] == 400
