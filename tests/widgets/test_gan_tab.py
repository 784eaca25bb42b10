import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt

from lab.experiments.gan import GANExperiment
from widgets.main_window import MainWindow
from tab_helpers import exported, opened

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def window(open_tab):
    return open_tab("gan", GANExperiment.preset_config("small-fast", preview_every=3, history_every=3))


def gan(win):
    return win.tab_by_name["gan"]


def test_step_button_draws_one_step(qtbot, window):
    tab = gan(window)
    qtbot.mouseClick(tab.run_bar.step_btn, Qt.LeftButton)
    qtbot.waitUntil(lambda: tab.last_frame_step == 1, timeout=10_000)
    assert tab.experiment.steps_done == 1
    assert tab.grid_view.current.shape == (8 * 30 - 2, 8 * 30 - 2) and tab.grid_view.current.max() > 0
    assert tab.loss_plot.buffers["d_loss"].n == 1
    assert "1 /" in tab.progress.bar.format()
    assert tab.run_bar.start_btn.text() == "Resume"


def test_start_pause_and_keyboard(qtbot, window):
    tab = gan(window)
    tab.start()
    qtbot.waitUntil(lambda: tab.last_frame_step >= 12, timeout=20_000)
    tab.toggle_run()  # Space: pause
    qtbot.waitUntil(lambda: tab.worker.state == "paused", timeout=5000)
    qtbot.wait(100)
    n = tab.experiment.steps_done
    qtbot.waitUntil(lambda: tab.last_frame_step == n, timeout=5000)
    assert tab.loss_plot.buffers["g_loss"].n == n  # every step drawn, none twice
    assert tab.div_plot.buffers["classes_found"].n >= 1 and "classes found:" in tab.div_label.text()
    assert tab.scrubber.maximum() == len(tab.experiment.history) - 1 > 0
    tab.scrubber.setValue(0)
    assert "Kept grid 1 of" in tab.grid_view.title.text
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key_S)  # S: single step
    qtbot.waitUntil(lambda: tab.experiment.steps_done == n + 1, timeout=5000)


def test_export_all_writes_figures_and_run_files(qtbot, window, tmp_path):
    tab = gan(window)
    tab.worker.run_steps(6, then="stop")
    qtbot.waitUntil(lambda: tab.worker.state == "idle" and tab.last_frame_step == 6, timeout=20_000)
    out = tmp_path / "export"
    written = {p.name for p in exported(tab, str(out))}
    for name in ("loss.png", "loss.svg", "loss.csv", "discriminator-output.csv", "diversity.png",
                 "samples-from-the-fixed-noise-batch.png", "samples-from-the-fixed-noise-batch-image.png",
                 "config.json", "grid.png", "samples.npz", "progress.gif"):
        assert name in written and (out / name).stat().st_size > 0, name
    rows = (out / "loss.csv").read_text().splitlines()
    assert rows[0] == "run,step,metric,value" and {r.split(",")[2] for r in rows[1:]} == {"D loss", "G loss"}
    assert {"loss.pdf", "reproduce.py"} <= written
    from PIL import Image
    with Image.open(out / "loss.png") as im:
        assert im.width == tab.png_width.value()


def test_unwritable_export_folder_is_reported(qtbot, window, tmp_path):
    tab = gan(window)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    exported(tab, str(blocker / "sub"))
    assert not tab.message.isHidden() and "Export to" in tab.message.label.text()


def test_bad_data_keeps_the_current_run(qtbot, window, tmp_path):
    tab = gan(window)
    before = tab.experiment
    bad = tmp_path / "train-images-idx3-ubyte"
    bad.write_bytes(b"\x00\x00\x08\x03" + np.array([5, 28, 28], ">u4").tobytes() + bytes(20))
    assert not opened(tab, str(bad))
    assert tab.experiment is before
    text = tab.message.label.text()
    assert str(bad) in text and "truncated" in text and "previous run is kept" in text


def test_real_mnist_through_open_data(qtbot, window, mnist_dir):
    tab = gan(window)
    assert opened(tab, str(mnist_dir))
    assert len(tab.experiment.x) == 10000 and "t10k-images" in tab.data_label.text()


def test_nan_shows_message_and_app_stays_usable(qtbot, window):
    tab = gan(window)
    tab.experiment.G.params["W1"][:] = np.nan
    with qtbot.waitSignal(tab.worker.failed, timeout=10_000):
        tab.start()
    qtbot.waitUntil(lambda: tab.worker.state == "idle", timeout=5000)
    assert "diverged at step 1" in tab.message.label.text()
    tab.reset()  # a fresh model from the form works again
    tab.step_once()
    qtbot.waitUntil(lambda: tab.last_frame_step == 1, timeout=10_000)


def test_invalid_form_value_is_named(qtbot, window):
    tab = gan(window)
    tab.form.widget("beta1").setText("fast")
    tab.reset()
    assert tab.session.wait_ready()
    assert "Adam beta1" in tab.message.label.text()


def test_learning_rates_have_a_log_scale_editor(window):
    tab = gan(window)
    box = tab.form.widget("g_lr")
    box.setValue(2e-4)
    box.stepBy(1)
    assert box.value() == pytest.approx(5e-4) and box.text() == "0.0005"
    box.stepBy(2)
    assert box.value() == pytest.approx(2e-3)
    box.stepBy(-4)
    assert box.value() == pytest.approx(1e-4)
    assert tab.form.values()["g_lr"] == pytest.approx(1e-4)


def test_checkpoint_save_and_load(qtbot, window, tmp_path):
    tab = gan(window)
    tab.worker.run_steps(4, then="stop")
    qtbot.waitUntil(lambda: tab.worker.state == "idle" and tab.last_frame_step == 4, timeout=20_000)
    p = tab.save_checkpoint(str(tmp_path / "ck.npz"))
    assert p.exists() and (tmp_path / "ck.json").exists()
    tab.reset()
    assert tab.session.wait_ready() and tab.experiment.steps_done == 0
    assert tab.load_checkpoint(str(tmp_path / "ck.npz")) and tab.session.wait_ready()
    assert tab.experiment.steps_done == 4 and tab.preset_box.currentText() == "small-fast"
    (tmp_path / "junk.npz").write_bytes(b"junk")
    tab.load_checkpoint(str(tmp_path / "junk.npz"))
    assert tab.session.wait_ready() and tab.experiment.steps_done == 4  # the run is kept
    assert "junk.npz" in tab.message.label.text()


def test_closing_mid_run_joins_the_worker(qtbot, window):
    tab = gan(window)
    tab.start()
    qtbot.waitUntil(lambda: tab.experiment.steps_done > 2, timeout=10_000)
    window.close()
    assert not tab.worker.is_running


def test_settings_remember_geometry(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat)
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    w.resize(911, 577)
    qtbot.wait(20)
    w.close()
    w2 = MainWindow(settings)
    qtbot.addWidget(w2)
    assert w2.size().height() == 577  # (the offscreen screen is 800 px wide: the width is capped)
    assert settings.value("window/geometry") is not None


def test_screenshot_flag(tmp_path):
    shot = tmp_path / "gan.png"
    r = subprocess.run([sys.executable, "-m", "widgets.app", "--tab", "gan", "--steps", "5", "--screenshot", str(shot)],
                       cwd=ROOT, capture_output=True, text=True, timeout=240,
                       env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr
    from PIL import Image
    with Image.open(shot) as im:
        assert im.width > 700 and im.height > 500


def test_install_desktop_entry(tmp_path):
    from widgets.desktop import install_desktop_entry
    entry, icon = install_desktop_entry(tmp_path)
    text = entry.read_text()
    assert "Name=NumPy Lab" in text and f"Icon={icon}" in text and "Exec=" in text and icon.exists()
