"""Figure export, the same figure in every format:

- PNG: the widget painted at ``width`` pixels through a scaled painter, so text, legends, lines and
  images all scale together (pyqtgraph's ImageExporter scales tick labels but not legends), with the
  DPI written in the file;
- SVG: pyqtgraph's SVGExporter, raster panels sharpened (``lab.export.svg``); bars are vector paths
  in their colours (``widgets.plots.bars``);
- PDF: the widget painted onto a PDF page (vector), width/DPI inches wide;
- CSV: one tidy table per figure: ``run, step, metric, value`` for curves (raw values, also for runs
  shown from the run list), ``row, column, value`` for a heat map;
- and an image panel's image at native resolution.
"""

import contextlib
import re
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters as pgex
from PySide6.QtCore import QMarginsF, QPoint, QSizeF, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter, QPdfWriter, QPen, QRegion
from PySide6.QtWidgets import QApplication, QGraphicsItem, QStackedWidget, QWidget

from lab.atomic import atomic_path, write_bytes
from lab.export.images import save_png
from lab.export.svg import sharpen_images
from lab.export.tables import write_csv

from .plots.live_curves import LiveCurves


def slug(title):
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "figure"


@contextlib.contextmanager
def uncached(widget):
    """Items painted from a device-pixel cache (the axes) paint directly while exporting: a cached
    1× pixmap would be blown up, blurred, in a 3× PNG."""
    items = []
    scene = widget.scene() if hasattr(widget, "scene") else None
    for it in scene.items() if scene is not None else []:
        if it.cacheMode() != QGraphicsItem.CacheMode.NoCache:
            items.append((it, it.cacheMode()))
            it.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    try:
        yield
    finally:
        for it, mode in items:
            it.setCacheMode(mode)


@contextlib.contextmanager
def revealed(widget):
    """A figure on a page not shown (another page of a tab) has never been laid out: show its page
    for the export, laid out at the size it has on screen, and go back after."""
    changed, child, parent = [], widget, widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QStackedWidget) and parent.currentWidget() is not child:
            changed.append((parent, parent.currentWidget()))
            parent.setCurrentWidget(child)
        child, parent = parent, parent.parentWidget()
    if changed:
        QApplication.processEvents()
    try:
        yield
    finally:
        for stack, page in reversed(changed):
            stack.setCurrentWidget(page)


def paint_widget(widget, painter):
    """The widget as on screen, through ``painter``'s transform (QWidget::render; a plot's own
    QGraphicsView.render would stretch its scene to the device instead)."""
    QWidget.render(widget, painter, QPoint(), QRegion(), QWidget.RenderFlag.DrawChildren)


@contextlib.contextmanager
def scaled_lines(widget, scale):
    """Curves drawn with cosmetic pens keep their width in device pixels: a figure painted 3x large
    would get hairlines. Their pens widen with the figure while it is painted, to at least 1.5 px of
    the screen's (live curves are drawn 1 px wide on screen, for speed; print wants more)."""
    scene = widget.scene() if hasattr(widget, "scene") else None
    changed = []
    for it in scene.items() if scene is not None and scale > 1.01 else []:
        if isinstance(it, pg.PlotCurveItem) and isinstance(it.parentItem(), pg.PlotDataItem):
            continue  # widened through its PlotDataItem, whose pen the legend's sample draws too
        if isinstance(it, (pg.PlotDataItem, pg.PlotCurveItem)) and it.opts.get("pen") is not None:
            pen = pg.mkPen(it.opts["pen"])
            if pen.style() == Qt.NoPen:
                continue
            changed.append((it, it.opts["pen"]))
            wide = QPen(pen)
            wide.setWidthF(max(1.5, pen.widthF()) * scale)
            it.setPen(wide)
    try:
        yield
    finally:
        for it, pen in changed:
            it.setPen(pen)


def render_png(widget, path, width=1600, dpi=300):
    scale = max(0.1, width / max(1, widget.width()))
    img = QImage(round(widget.width() * scale), round(widget.height() * scale), QImage.Format_ARGB32)
    img.fill(Qt.white)
    painter = QPainter(img)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setRenderHint(QPainter.TextAntialiasing)
    painter.scale(scale, scale)  # everything scales alike: text, legends, lines, images
    with scaled_lines(widget, scale):
        paint_widget(widget, painter)
    painter.end()
    img.setDotsPerMeterX(round(dpi / 0.0254))
    img.setDotsPerMeterY(round(dpi / 0.0254))
    with atomic_path(path) as tmp:
        if not img.save(str(tmp), "PNG"):
            raise OSError(f"cannot write {path}")


def render_pdf(widget, path, width=1600, dpi=300):
    """One page the size the PNG prints at (width / dpi inches), the widget painted on it as vectors."""
    w_in = width / dpi
    h_in = w_in * widget.height() / max(1, widget.width())
    with atomic_path(path) as tmp:
        pdf = QPdfWriter(str(tmp))
        pdf.setResolution(dpi)
        pdf.setPageLayout(QPageLayout(QPageSize(QSizeF(w_in * 25.4, h_in * 25.4), QPageSize.Millimeter),
                                      QPageLayout.Portrait, QMarginsF(0, 0, 0, 0)))
        painter = QPainter(pdf)
        painter.scale(pdf.width() / max(1, widget.width()), pdf.height() / max(1, widget.height()))
        paint_widget(widget, painter)
        painter.end()


def tidy_rows(widget):
    """(header, rows) of a figure's data, or None when it has none to write."""
    if isinstance(widget, LiveCurves):
        rows = []
        for key, buf in widget.buffers.items():
            name = widget.curves[key].name() or key
            rows += [("this run", x, name, y) for x, y in zip(buf.x[:buf.n], buf.y[:buf.n])]
        for run in widget.runs:
            for key, curve in widget.curves.items():
                if key in run["metrics"]:
                    xs, ys = run["metrics"][key][:2]
                    rows += [(run["label"], x, curve.name() or key, y) for x, y in zip(xs, ys)]
        return ["run", "step", "metric", "value"], rows
    if isinstance(widget, pg.PlotWidget):
        rows = []
        for k, item in enumerate(widget.getPlotItem().listDataItems()):
            name = item.name() or f"series {k + 1}"
            if hasattr(item, "heights"):
                xs, ys = item.x, item.heights
            else:
                xs, ys = item.getData()
            if xs is not None and len(xs):
                rows += [("this run", x, name, y) for x, y in zip(xs, ys)]
        if rows:
            x_name = widget.getPlotItem().getAxis("bottom").labelText or "x"
            return ["run", x_name.split(" (")[0] or "x", "metric", "value"], rows
    current = getattr(widget, "current", None)
    if current is not None and np.ndim(current) == 2 and max(np.shape(current)) <= 512:
        i, j = np.indices(np.shape(current))
        return ["row", "column", "value"], list(zip(i.ravel(), j.ravel(), np.ravel(current)))
    return None


def export_figure(widget, folder, width=1600, dpi=300, formats=("png", "svg", "pdf", "csv")):
    """Write ``widget``'s figure to ``folder`` as <slug>.png/.svg/.pdf/.csv (+ <slug>-image.png for
    an image panel). Returns the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = slug(getattr(widget, "export_name", "figure"))
    written = []
    with revealed(widget), uncached(widget):
        if "png" in formats:
            render_png(widget, folder / f"{name}.png", width, dpi)
            written.append(folder / f"{name}.png")
        if "svg" in formats:
            svg = pgex.SVGExporter(widget.scene()).export(toBytes=True)  # the whole view, as the PNG shows it
            write_bytes(folder / f"{name}.svg", sharpen_images(bytes(svg)))
            written.append(folder / f"{name}.svg")
        if "pdf" in formats:
            render_pdf(widget, folder / f"{name}.pdf", width, dpi)
            written.append(folder / f"{name}.pdf")
    table = tidy_rows(widget) if "csv" in formats else None
    if table is not None:
        write_csv(folder / f"{name}.csv", *table)
        written.append(folder / f"{name}.csv")
    current = getattr(widget, "current", None)
    if current is not None:
        lo, hi = getattr(widget, "levels", (0.0, 1.0))
        save_png(folder / f"{name}-image.png", current, lo=lo, hi=hi)
        written.append(folder / f"{name}-image.png")
    return written
