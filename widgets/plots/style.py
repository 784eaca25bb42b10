"""What every plot in the app shares: the palette, white background with title and axis
labels, cached axes, and "nice" axis limits."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QFontMetricsF, QPen
from PySide6.QtWidgets import QGraphicsItem

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False)  # NumPy images display as they are


_OPAQUE_PENS = {}  # (rgba, width, style, cosmetic) -> the pen mixed over white, made once


def _opaque(pen):
    """``pen`` with its translucent colour mixed over the white background."""
    c = pen.color()
    if c.alpha() == 255:
        return pen
    key = (c.rgba(), pen.widthF(), pen.style().value, pen.isCosmetic())
    if key not in _OPAQUE_PENS:
        a = c.alphaF()
        mixed = QPen(pen)
        mixed.setColor(QColor(*(round(v * a + 255 * (1 - a)) for v in (c.red(), c.green(), c.blue()))))
        _OPAQUE_PENS[key] = mixed
    return _OPAQUE_PENS[key]


def _opaque_grid(generate):
    """Grid lines drawn in the opaque grey they look like on white. pyqtgraph draws them in a
    translucent pen, and Qt's raster engine blends a translucent line about 30 times slower than it
    draws an opaque one: the grid was most of a plot's paint (10 ms of a 550 x 400 plot)."""
    def generateDrawSpecs(self, p):
        specs = generate(self, p)
        if specs is None or self.grid is False:
            return specs
        axis, ticks, texts = specs
        return axis, [(_opaque(pen), a, b) for pen, a, b in ticks], texts
    return generateDrawSpecs


def _grid_behind(set_grid):
    """An axis that draws a grid goes behind the view's items (pyqtgraph puts it above them): an
    opaque grid line must not hide a curve that runs along it (an accuracy of exactly 1)."""
    def setGrid(self, grid):
        set_grid(self, grid)
        self.setZValue(0.5 if grid is False else -1000)
    return setGrid


def _sparse_log_labels(log_tick_strings):
    """A log axis labels the 2s, 3s and 5s of a decade, not every one of 2..9: on a plot of a decade or
    two pyqtgraph's labels ran into one another ("9 8 7 6 5 4 3 2", "4·10¹ 3·10¹ 2·10¹"). The ticks
    stay; a level of five or fewer keeps all its labels."""
    def logTickStrings(self, values, scale, spacing):
        strings = log_tick_strings(self, values, scale, spacing)
        if len(values) <= 5:
            return strings
        v = np.abs(10 ** np.asarray(values, float) * scale)
        lead = np.round(v / 10 ** np.floor(np.log10(np.where(v > 0, v, 1.0))), 6)
        return [s if m in (1.0, 2.0, 3.0, 5.0) else "" for s, m in zip(strings, lead)]
    return logTickStrings


pg.AxisItem.generateDrawSpecs = _opaque_grid(pg.AxisItem.generateDrawSpecs)
pg.AxisItem.logTickStrings = _sparse_log_labels(pg.AxisItem.logTickStrings)
pg.AxisItem.setGrid = _grid_behind(pg.AxisItem.setGrid)

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
# recorded runs, one colour each, fixed when the run began (lab.runs.store: RunInfo.colour): the
# same run has the same colour in every plot and in the run list
RUN_PALETTE = ["#b07aa1", "#59a14f", "#f28e2b", "#76b7b2", "#9c755f", "#edc948", "#ff9da7", "#4e79a7",
               "#e15759", "#5f5f5f"]


def run_colour(index):
    return RUN_PALETTE[int(index) % len(RUN_PALETTE)]


def style(plot_widget, title, x_label="", y_label="", title_size="11pt"):
    """White background, a title and axis labels: every plot in the app looks alike."""
    plot_widget.export_name = title
    plot_widget.setBackground("w")
    pi = plot_widget.getPlotItem()
    pi.setTitle(title, color="#222", size=title_size)
    pi.setLabel("bottom", x_label)
    pi.setLabel("left", y_label)
    steady_axes(pi)
    return pi


def steady_axes(plot_item):
    """Axes whose size changes only when their labels need more room: by default an axis shrinks
    when its widest tick label does and regrows when it returns, and each change re-lays out the
    whole plot (every axis regenerated, the view painted twice) in the middle of a live run."""
    for name in ("left", "right"):
        plot_item.getAxis(name).setStyle(autoReduceTextSpace=False)
    plot_item.getAxis("bottom").enableAutoSIPrefix(False)  # steps and epochs read as they are


def room_for_labels(axis, widest="0.0000"):
    """Reserve from the start the width of tick labels as wide as ``widest``: an axis that grows at
    a run's first points (from the "0.2" of an empty plot to the "0.0004" of a loss) re-lays out
    the whole plot, painted twice over, in the first frames of every run."""
    font = axis.style.get("tickFont") or axis.font()
    axis.textWidth = max(axis.textWidth, QFontMetricsF(font).horizontalAdvance(widest) + 2)
    axis._updateWidth()


def cache_axes(plot_item):
    """Paint each axis (with its grid lines) from a pixmap cache: a curve update then repaints
    the axes by a blit instead of replaying every tick and label."""
    for name in ("left", "bottom", "right", "top"):
        plot_item.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def nice_ceiling(x):
    """Smallest of 1, 2, 5 x 10^k that is >= x."""
    k = 10 ** np.floor(np.log10(x))
    for m in (1, 2, 5, 10):
        if m * k >= x:
            return float(m * k)
    return float(10 * k)


def faded_lut(name="viridis", alpha=0.6):
    """A colour map blended with the white background by ``alpha``: the look of an image drawn at that
    opacity, without item opacity (pyqtgraph's SVG exporter drops it, and the SVG would differ)."""
    lut = pg.colormap.get(name).getLookupTable(0.0, 1.0, 256).astype(np.float64)
    return (alpha * lut + (1 - alpha) * 255.0 + 0.5).astype(np.uint8)


def still_background(item):
    """An image that changes now and then under curves that change every frame (loss contours): Qt
    keeps it rendered at the view's scale, and a frame's repaint copies it instead of scaling the
    image again (2.3 -> 1.3 ms a repaint of a 500 x 450 plot). Not for images that change per frame."""
    item.setCacheMode(QGraphicsItem.DeviceCoordinateCache)


def diverging_lut():
    """Blue - white - red lookup table for signed matrices (symmetric levels around 0)."""
    cmap = pg.ColorMap([0.0, 0.5, 1.0], [(33, 102, 172), (247, 247, 247), (178, 24, 43)])
    return cmap.getLookupTable(0.0, 1.0, 256)


class SteadyRange:
    """Limits of one axis that grow in steps, only when the data leave them: a frame's ``setData``
    then repaints the curves without re-laying out the plot (pyqtgraph's auto-range would re-fit,
    re-tick and re-size the axis on every frame). ``log=True`` for a log-scale axis (values > 0)."""

    def __init__(self, plot_item, axis="y", log=False, margin=0.08, headroom=0.0):
        """``headroom``: extra room above the data when the top grows (e.g. 1.0 doubles it: counts
        that keep growing then re-lay out the axis only log2(n) times)."""
        self.plot_item, self.axis, self.log, self.margin, self.headroom = plot_item, axis, log, margin, headroom
        plot_item.enableAutoRange(axis=axis, enable=False)
        self.limits = None

    def reset(self):
        self.limits = None

    def cover(self, *arrays):
        v = np.concatenate([np.ravel(np.asarray(a, float)) for a in arrays])
        v = v[np.isfinite(v)]
        if self.log:
            v = np.log10(v[v > 0])
        if not v.size:
            return
        lo, hi = float(v.min()), float(v.max())
        if self.limits is not None and lo >= self.limits[0] and hi <= self.limits[1]:
            return
        old = self.limits
        if old is not None:  # the side the data left grows, past them by a margin of the whole span
            lo, hi = min(lo, old[0]), max(hi, old[1])
        # one value (a first point) gets room from its size: a 1e-9 span ticked "0.0039000001" and
        # widened the axis for good (axes never shrink: steady_axes)
        least = 1.0 if self.log else (0.2 * max(abs(lo), abs(hi)) or 1.0)   # decades, or ±10 %
        if hi - lo < least * 1e-3:
            lo, hi = lo - least / 2, hi + least / 2
        span = max(hi - lo, 0.5) if self.log else hi - lo
        new_lo = lo - self.margin * span if old is None or lo < old[0] else old[0]
        new_hi = hi + (self.margin + self.headroom) * span if old is None or hi > old[1] else old[1]
        # (both sides used to move on every growth: a loss falling decade after decade pushed the
        # top up by a margin of the whole span each time, to 10^3 over a curve that never passed 1)
        self.limits = (new_lo, new_hi)
        set_range = self.plot_item.setYRange if self.axis == "y" else self.plot_item.setXRange
        set_range(*self.limits, padding=0)
