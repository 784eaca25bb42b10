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
    names = [tab.table.item(r, 0).text() for r in range(tab.table.rowCount())]
    assert names[:2] == ["noisy input", "residual CNN (ours)"] and "non-local means" in names


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
