import numpy as np
import pytest
from PIL import Image

from lab.experiments.gif import GIFExperiment
from tab_helpers import opened


@pytest.fixture
def gif_folder(tmp_path):
    for cls, vertical in (("h", False), ("v", True)):
        (tmp_path / cls).mkdir()
        for i in range(4):
            frames = []
            for t in range(5):
                f = np.zeros((16, 16), np.uint8)
                if vertical:
                    f[(t + i) % 16] = 255
                else:
                    f[:, (t + i) % 16] = 255
                frames.append(Image.fromarray(f))
            frames[0].save(tmp_path / cls / f"{i}.gif", save_all=True, append_images=frames[1:], duration=40)
    return tmp_path


@pytest.fixture
def window(open_tab, gif_folder):
    return open_tab("gif", GIFExperiment.preset_config(data=str(gif_folder), size=16, pool=16, frames=3, layers=[3],
                                                       kernel=3, batch_size=3, epochs=2, preview_every=1))


def test_gif_tab_runs_bptt_then_dni_on_one_plot(qtbot, window):
    tab = window.tab_by_name["gif"]
    n = tab.experiment.total_steps
    tab.run_steps(n)
    qtbot.waitUntil(lambda: tab.worker.state == "idle" and tab.last_frame_step == n, timeout=30_000)
    assert tab.frames_view.current.shape == (16, 3 * 18 - 2)
    assert tab.cost_plot.legend.getLabel(tab.cost_plot.curves["sg_loss"]) is None        # BPTT has none
    assert "test accuracy" in tab.summary.text()
    tab.form.widget("mode").setCurrentText("dni")
    tab.reset()
    assert tab.session.wait_ready() and tab.experiment.config.mode == "dni"
    qtbot.waitUntil(lambda: bool(tab.cost_plot.runs), timeout=10_000)
    assert "mode bptt" in tab.cost_plot.runs[0]["label"]
    assert tab.cost_plot.legend.getLabel(tab.cost_plot.curves["sg_loss"]) is not None   # DNI has one
    tab.run_steps(2)
    qtbot.waitUntil(lambda: tab.worker.state == "idle" and tab.last_frame_step == 2, timeout=30_000)
    assert tab.cost_plot.buffers["sg_loss"].n == 2


def test_bad_gif_folder_keeps_the_run(window, tmp_path):
    tab = window.tab_by_name["gif"]
    before = tab.experiment
    bad = tmp_path / "onlyone"
    (bad / "a").mkdir(parents=True)
    (bad / "a" / "x.gif").write_bytes(b"GIF89a broken")
    assert not opened(tab, str(bad))
    assert tab.experiment is before and "at least two class subfolders" in tab.message.label.text()
