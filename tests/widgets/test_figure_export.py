"""Exported figures are the same figure in every format: each SVG, rendered by an independent
renderer (cairosvg), matches its PNG; bars keep their colours; raster panels stay crisp; text scales
with the PNG's size; PDF, DPI and tidy CSV are written."""

import csv
import io
import re

import numpy as np
import pytest
from PIL import Image

from lab.experiments.gan import GANExperiment
from lab.experiments.zca import ZCAExperiment
from tab_helpers import exported
from widgets.figures import export_figure


def cairo_png(svg, size):
    try:
        import cairosvg
    except (ImportError, OSError) as e:  # cairosvg needs the cairo library
        pytest.skip(f"cairosvg cannot run here: {e}")
    data = cairosvg.svg2png(url=str(svg), output_width=size[0], output_height=size[1])
    rgba = np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"), float)
    alpha = rgba[..., 3:] / 255
    return rgba[..., :3] * alpha + 255 * (1 - alpha)


def png(path):
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), float)


@pytest.fixture
def gan_tab(open_tab):
    win = open_tab("gan", GANExperiment.preset_config("small-fast", preview_every=5, history_every=5))
    return win.tab_by_name["gan"]


def test_every_svg_renders_as_its_png_and_bars_keep_their_colour(qtbot, gan_tab, tmp_path):
    tab = gan_tab
    tab.run_steps(20)
    qtbot.waitUntil(lambda: tab.worker.state == "idle" and tab.last_frame_step == 20, timeout=30_000)
    files = exported(tab, tmp_path)
    svgs = [f for f in files if f.suffix == ".svg"]
    assert len(svgs) >= 5
    for svg in svgs:
        a = png(svg.with_suffix(".png"))
        b = cairo_png(svg, (a.shape[1], a.shape[0]))
        assert np.abs(a - b).mean() < 6, svg.name                 # the same figure
        assert svg.with_suffix(".pdf").read_bytes()[:5] == b"%PDF-"
    shown = png(tmp_path / "classes-the-judge-sees.png")
    bars = cairo_png(tmp_path / "classes-the-judge-sees.svg", (shown.shape[1], shown.shape[0]))
    blue = [np.all(np.abs(im - [31, 119, 180]) < 30, axis=-1).sum() for im in (shown, bars)]
    assert blue[0] > 2000 and abs(blue[1] - blue[0]) < 0.1 * blue[0]  # the bars, in their colour, in both
    with Image.open(tmp_path / "loss.png") as im:
        assert im.info["dpi"] == pytest.approx((300, 300), abs=1)
    with open(tmp_path / "loss.csv") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["run", "step", "metric", "value"]
    assert {r[2] for r in rows[1:]} == {"D loss", "G loss"} and len(rows) == 1 + 2 * 20
    # a raster panel embeds its image scaled up by whole pixels, marked to stay crisp
    text = (tmp_path / "samples-from-the-fixed-noise-batch.svg").read_text()
    assert "image-rendering:pixelated" in text


def test_text_and_legends_scale_with_the_png(qtbot, gan_tab, tmp_path):
    tab = gan_tab
    tab.run_steps(5)
    qtbot.waitUntil(lambda: tab.worker.state == "idle" and tab.last_frame_step == 5, timeout=30_000)
    w = tab.loss_plot.width()
    small = export_figure(tab.loss_plot, tmp_path / "a", width=w, formats=("png",))[0]
    big = export_figure(tab.loss_plot, tmp_path / "b", width=3 * w, formats=("png",))[0]
    a = png(small)
    with Image.open(big) as im:
        b = np.asarray(im.convert("RGB").resize((a.shape[1], a.shape[0]), Image.LANCZOS), float)
    assert np.abs(a - b).mean() < 4   # three times the size, the same picture (legend text included)


def test_heat_maps_stay_crisp(qtbot, open_tab, tmp_path):
    win = open_tab("eigen", ZCAExperiment.preset_config("default", n_train=300, n_test=100, hidden=[16, 8],
                                                        batch_size=100, epochs=1))
    tab = win.tab_by_name["eigen"]
    tab.ensure_views()
    tab.pages.setCurrentWidget(tab.classifier)
    qtbot.waitExposed(tab.classifier)
    heat = tab.classifier.confusion
    heat.set_matrix(np.diag(np.arange(10.0)), levels=(0, 9))
    out = export_figure(heat, tmp_path, formats=("png", "svg"))
    svg = [f for f in out if f.suffix == ".svg"][0]
    embedded = re.findall(rb'base64,([A-Za-z0-9+/=]+)', svg.read_bytes())
    import base64
    sizes = []
    for e in embedded:
        with Image.open(io.BytesIO(base64.b64decode(e))) as im:
            sizes.append(im.size)
    assert sizes and max(max(s) for s in sizes) >= 1000           # 10 x 10 cells scaled up, not smoothed
    a = png(svg.with_suffix(".png"))
    b = cairo_png(svg, (a.shape[1], a.shape[0]))
    assert np.abs(a - b).mean() < 6
    texts = re.findall(r"<text[^>]*>\s*([^<]*?)\s*</text>", svg.read_text())
    assert {"0", "5", "9"} <= set(texts)                          # the cells' numbers, as text
    # every page's figures, the pages never shown too (each is laid out for its export)
    files = exported(tab, tmp_path / "all")
    svgs = [f for f in files if f.suffix == ".svg"]
    assert len(svgs) >= 10 and tab.pages.currentWidget() is tab.classifier     # back on the page it was
    for svg in svgs:
        a = png(svg.with_suffix(".png"))
        assert np.abs(a - cairo_png(svg, (a.shape[1], a.shape[0]))).mean() < 6, svg.name


def test_a_timelapse_of_the_sample_grid(qtbot, gan_tab, tmp_path):
    tab = gan_tab
    tab.run_steps(30)
    qtbot.waitUntil(lambda: tab.worker.state == "idle" and tab.last_frame_step == 30, timeout=30_000)
    kept = tab.grid_view.timelapse.frames
    assert len(kept) >= 2 and kept[-1][0] <= 30 and kept[0][0] < kept[-1][0]
    files = {f.name for f in exported(tab, tmp_path)}
    gif = tmp_path / "samples-from-the-fixed-noise-batch-timelapse.gif"
    assert gif.name in files
    with Image.open(gif) as im:
        assert im.n_frames == len(kept) and im.width >= 256
    from lab.export.timelapse import mp4_available
    if mp4_available():
        mp4 = tmp_path / "samples-from-the-fixed-noise-batch-timelapse.mp4"
        assert mp4.name in files and mp4.read_bytes()[4:8] == b"ftyp"
    kept = tab.session.run_folder / "figures"             # the run's record keeps its exported figures
    assert (kept / gif.name).exists() and (kept / "loss.svg").exists()
    tab.reset()                                           # a new run starts a new timelapse
    assert tab.session.wait_ready() and not tab.grid_view.timelapse.frames
