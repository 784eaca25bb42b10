"""Figure export through pyqtgraph's exporters: PNG at a chosen width, SVG, and CSV of every
named curve; image panels also save their image at native resolution."""

import re
from pathlib import Path

import pyqtgraph as pg
import pyqtgraph.exporters as pgex

from lab.atomic import atomic_path
from lab.export.images import save_png


def slug(title):
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "figure"


def _export(exporter, path):
    with atomic_path(path) as tmp:
        exporter.export(str(tmp))


def export_figure(widget, folder, width=1600, formats=("png", "svg", "csv")):
    """Write ``widget``'s figure to ``folder`` as <slug>.png/.svg (+ .csv for curves).
    Returns the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = slug(getattr(widget, "export_name", "figure"))
    item = widget.getPlotItem() if isinstance(widget, pg.PlotWidget) else widget.scene()
    written = []
    if "png" in formats:
        ex = pgex.ImageExporter(item)
        ex.parameters()["width"] = int(width)
        _export(ex, folder / f"{name}.png")
        written.append(folder / f"{name}.png")
    if "svg" in formats:
        _export(pgex.SVGExporter(item), folder / f"{name}.svg")
        written.append(folder / f"{name}.svg")
    if "csv" in formats and isinstance(widget, pg.PlotWidget) and _has_curves(widget):
        _export(pgex.CSVExporter(widget.getPlotItem()), folder / f"{name}.csv")
        written.append(folder / f"{name}.csv")
    current = getattr(widget, "current", None)
    if current is not None:
        lo, hi = getattr(widget, "levels", (0.0, 1.0))
        save_png(folder / f"{name}-image.png", current, lo=lo, hi=hi)
        written.append(folder / f"{name}-image.png")
    return written


def _has_curves(widget):
    return any(isinstance(it, pg.PlotDataItem) for it in widget.getPlotItem().listDataItems())
