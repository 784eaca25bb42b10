"""Live curves: named metrics against the step, appended in place (buffers grown by doubling,
``setData`` on items created once) with axis ranges that grow in steps."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from .style import PALETTE, SteadyRange, cache_axes, nice_ceiling, style


class _Buffer:
    """x, y arrays grown by doubling: appending is amortised O(1)."""

    def __init__(self):
        self.x = np.empty(256)
        self.y = np.empty(256)
        self.n = 0

    def extend(self, xs, ys):
        k = len(xs)
        if self.n + k > len(self.x):
            cap = max(2 * len(self.x), self.n + k)
            self.x = np.resize(self.x, cap)
            self.y = np.resize(self.y, cap)
        self.x[self.n:self.n + k] = xs
        self.y[self.n:self.n + k] = ys
        self.n += k

    def clear(self):
        self.n = 0


class LiveCurves(pg.PlotWidget):
    """A plot of named metrics against the step. ``append_rows`` takes [(step, metrics)];
    metrics missing from a row leave no point. Curve names become CSV headers on export.
    ``markers``: draw each point too (metrics evaluated now and then, where one point is no line)."""

    def __init__(self, title, series, y_label, y_units=None, x_label="step", log_y=False, parent=None,
                 markers=False):
        super().__init__(parent=parent)
        pi = style(self, title, x_label)
        pi.setLabel("left", y_label, units=y_units)
        if y_units is None:
            pi.getAxis("left").enableAutoSIPrefix(False)  # no "(x0.001)" on unit-less values
        pi.showGrid(x=True, y=True, alpha=0.25)
        pi.setLogMode(y=log_y)
        pi.setDownsampling(auto=True, mode="peak")
        pi.setClipToView(True)
        self.legend = pi.addLegend(offset=(-10, 10), labelTextColor="#222") if len(series) > 1 else None
        self.curves, self.buffers = {}, {}
        for i, (key, label) in enumerate(series.items()):
            colour = PALETTE[i % len(PALETTE)]
            marks = {"symbol": "o", "symbolSize": 5, "symbolBrush": colour, "symbolPen": None} if markers else {}
            self.curves[key] = pi.plot([], [], name=label, pen=pg.mkPen(colour, width=1.5), **marks)
            self.buffers[key] = _Buffer()
        # Ranges grow in steps instead of following every point: the axes are re-laid out and
        # repainted only when a range changes, which keeps each frame cheap for the GUI thread.
        self.log_y = log_y
        pi.disableAutoRange()
        cache_axes(pi)
        self.fixed_y = None
        self._y = SteadyRange(pi, log=log_y, margin=0.15)
        self.references = []     # the reference curves' items (all kept runs)
        self._ref_runs = []      # the same, one list per kept run
        self._xr = None

    def fix_y_range(self, lo, hi):
        """Keep the y axis at [lo, hi] (e.g. probabilities 0..1)."""
        self.fixed_y = (lo, hi)
        self.getPlotItem().setYRange(lo, hi, padding=0.02)

    def append_rows(self, rows):
        changed = False
        for key, buf in self.buffers.items():
            pts = [(s, m[key]) for s, m in rows if key in m]
            if pts:
                xs, ys = zip(*pts)
                buf.extend(xs, ys)
                self.curves[key].setData(buf.x[:buf.n], buf.y[:buf.n])
                changed = True
        if changed:
            self._grow_ranges()

    def _grow_ranges(self):
        bufs = [b for b in self.buffers.values() if b.n]
        if not bufs:
            return
        pi = self.getPlotItem()
        x_max = max(b.x[b.n - 1] for b in bufs)
        if self._xr is None or x_max > self._xr:
            self._xr = nice_ceiling(max(x_max * 1.25, 10))
            pi.setXRange(0, self._xr, padding=0.01)
        if self.fixed_y is None:
            self._y.cover(*(b.y[:b.n] for b in bufs))

    def clear_data(self):
        for key, buf in self.buffers.items():
            buf.clear()
            self.curves[key].setData([], [])
        self._xr = None
        self._y.reset()

    def keep_as_reference(self, label, keep=1, colour=None):
        """Keep the current curves, dashed, as a finished run's, so runs compare on one plot.
        ``keep=1``: replace the older reference (two runs on the plot); more: keep that many, the
        oldest dropped first. ``colour``: one colour for this run's curves (runs told apart by
        colour), else each curve keeps its own. Called on Reset, not per frame."""
        pi = self.getPlotItem()
        while self._ref_runs and len(self._ref_runs) >= keep:
            for item in self._ref_runs.pop(0):
                pi.removeItem(item)
        run = []
        for i, (key, buf) in enumerate(self.buffers.items()):
            if buf.n:
                color = colour or PALETTE[i % len(PALETTE)]
                name = f"{self.curves[key].name()} ({label})" if len(self.buffers) > 1 or colour is None else label
                ref = pi.plot(buf.x[:buf.n].copy(), buf.y[:buf.n].copy(), name=name,
                              pen=pg.mkPen(color, width=1.2, style=Qt.DashLine))
                run.append(ref)
        if run:
            self._ref_runs.append(run)
        self.references = [item for r in self._ref_runs for item in r]


class BandCurves(pg.PlotWidget):
    """Named estimates with an interval each, against a counter: a line per series and a band
    (``<key>`` for the line, ``low``/``high`` keys for the band), appended in place."""

    def __init__(self, title, series, y_label, x_label, parent=None):
        """series: key -> (label, low key, high key)."""
        super().__init__(parent=parent)
        pi = style(self, title, x_label, y_label)
        pi.getAxis("left").enableAutoSIPrefix(False)
        pi.showGrid(x=True, y=True, alpha=0.25)
        pi.addLegend(offset=(-10, 10), labelTextColor="#222")
        self.series = series
        self.curves, self.bands, self.buffers = {}, {}, {}
        for i, (key, (label, lo, hi)) in enumerate(series.items()):
            color = pg.mkColor(PALETTE[i % len(PALETTE)])
            self.curves[key] = pi.plot([], [], name=label, pen=pg.mkPen(color, width=2))
            edge = pg.mkPen(color, width=0.5)
            lo_c, hi_c = pi.plot([], [], pen=edge, name=f"{label}: 95 % low"), pi.plot([], [], pen=edge,
                                                                                       name=f"{label}: 95 % high")
            pi.legend.removeItem(lo_c)
            pi.legend.removeItem(hi_c)
            fill = QColor(color)
            fill.setAlpha(50)
            band = pg.FillBetweenItem(lo_c, hi_c, brush=fill)
            pi.addItem(band)
            self.bands[key] = (lo_c, hi_c, band)
            self.buffers[key] = (_Buffer(), _Buffer())  # (x, estimate), (low, high)
        cache_axes(pi)
        # the counter keeps growing and the intervals narrow: re-range in steps, not every frame
        self.x_range = SteadyRange(pi, "x", margin=0.02, headroom=1.0)
        self.y_range = SteadyRange(pi)

    def append_rows(self, rows, x_key):
        """rows: [(step, metrics)]; the x of each point is metrics[x_key]."""
        for key, (_, lo, hi) in self.series.items():
            pts = [(m[x_key], m[key], m[lo], m[hi]) for _, m in rows if key in m and x_key in m]
            if not pts:
                continue
            xs, ys, los, his = map(np.asarray, zip(*pts))
            line, band = self.buffers[key]
            line.extend(xs, ys)
            band.extend(los, his)
            self.curves[key].setData(line.x[:line.n], line.y[:line.n])
            lo_c, hi_c, _ = self.bands[key]
            lo_c.setData(line.x[:line.n], band.x[:band.n])
            hi_c.setData(line.x[:line.n], band.y[:band.n])
            self.x_range.cover([0], xs)
            self.y_range.cover(los, his)

    def clear_data(self):
        self.x_range.reset()
        self.y_range.reset()
        for key, (line, band) in self.buffers.items():
            line.clear()
            band.clear()
            self.curves[key].setData([], [])
            for c in self.bands[key][:2]:
                c.setData([], [])
