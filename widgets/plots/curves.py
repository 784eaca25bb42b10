"""Live curves: named metrics against the step, appended in place (buffers grown by doubling,
``setData`` on items created once) with axis ranges that grow in steps."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from .smoothing import Ema, smooth
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


# a shown run draws all its series in its colour; the series are told apart by the dash
RUN_DASHES = (Qt.DashLine, Qt.DotLine, Qt.DashDotLine, Qt.DashDotDotLine)


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
        self.smoothing = 0.0     # EMA weight: 0 draws the raw values
        self._ema, self._smoothed, self._raw = {}, {}, {}  # per key: Ema, smoothed buffer, faint raw item
        self.runs = []           # shown recorded runs: dicts key, label, colour, metrics (see show_runs)
        self._run_items = []

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
                if self.smoothing > 0:
                    self._smoothed[key].extend(xs, self._ema[key].extend(ys))
                self._draw(key)
                changed = True
        if changed:
            self._grow_ranges()

    def _draw(self, key):
        buf = self.buffers[key]
        if self.smoothing > 0:
            sm = self._smoothed[key]
            self.curves[key].setData(sm.x[:sm.n], sm.y[:sm.n])
            self._raw[key].setData(buf.x[:buf.n], buf.y[:buf.n])
        else:
            self.curves[key].setData(buf.x[:buf.n], buf.y[:buf.n])

    def set_smoothing(self, weight):
        """Draw each curve as its debiased EMA (``weight`` in [0, 1)), the raw values faint behind it;
        0 draws the raw values alone. Shown runs are smoothed alike."""
        weight = float(min(max(weight, 0.0), 0.999))
        if weight == self.smoothing:
            return
        self.smoothing = weight
        pi = self.getPlotItem()
        for key, buf in self.buffers.items():
            if weight > 0:
                if key not in self._raw:  # made once, the first time smoothing is asked for
                    colour = QColor(self.curves[key].opts["pen"].color())
                    colour.setAlpha(60)
                    self._raw[key] = pi.plot([], [], pen=pg.mkPen(colour, width=1))
                    self._raw[key].setZValue(-1)
                    if self.legend is not None:
                        self.legend.removeItem(self._raw[key])
                self._ema[key], self._smoothed[key] = Ema(weight), _Buffer()
                self._smoothed[key].extend(buf.x[:buf.n], self._ema[key].extend(buf.y[:buf.n]))
            elif key in self._raw:
                self._raw[key].setData([], [])
            self._draw(key)
        if self.runs:
            self.show_runs(self.runs)

    def show_runs(self, runs):
        """Draw recorded runs dashed behind the live curves, each in its own colour: ``runs`` is a
        list of dicts with ``key`` (the run's id), ``label`` (what differs in its config), ``colour``
        and ``metrics`` (name -> (steps, values, …)). Series this plot has and the run recorded are drawn;
        an empty list removes them. Called when the user shows or hides runs, not per frame."""
        pi = self.getPlotItem()
        for item in self._run_items:
            pi.removeItem(item)
        self._run_items, self.runs = [], list(runs)
        for run in self.runs:
            for i, (key, curve) in enumerate(self.curves.items()):
                if key not in run["metrics"]:
                    continue
                xs, ys = (np.asarray(v, float) for v in run["metrics"][key][:2])
                name = f"{curve.name()} · {run['label']}" if len(self.curves) > 1 else run["label"]
                colour = QColor(run["colour"])
                colour.setAlpha(210)
                item = pi.plot(xs, smooth(ys, self.smoothing), name=name,
                               pen=pg.mkPen(colour, width=1.3, style=RUN_DASHES[i % len(RUN_DASHES)]))
                item.setZValue(-0.5)  # behind the live run
                item.run_values = (xs, ys)
                self._run_items.append(item)
        self._grow_ranges()

    def _grow_ranges(self):
        bufs = [(b.x[:b.n], b.y[:b.n]) for b in self.buffers.values() if b.n]
        bufs += [item.run_values for item in self._run_items if len(item.run_values[0])]
        if not bufs:
            return
        pi = self.getPlotItem()
        x_max = max(x[-1] for x, _ in bufs)
        if self._xr is None or x_max > self._xr:
            self._xr = nice_ceiling(max(x_max * 1.25, 10))
            pi.setXRange(0, self._xr, padding=0.01)
        if self.fixed_y is None:
            self._y.cover(*(y for _, y in bufs))

    def clear_data(self):
        for key, buf in self.buffers.items():
            buf.clear()
            self.curves[key].setData([], [])
            if key in self._raw:
                self._raw[key].setData([], [])
                self._ema[key], self._smoothed[key] = Ema(self.smoothing), _Buffer()
        self._xr = None
        self._y.reset()
        self._grow_ranges()

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
