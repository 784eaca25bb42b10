"""Live curves: named metrics against the step (or the epoch, or wall time), appended in place
(buffers grown by doubling, ``setData`` on items created once) with axis ranges that grow in steps;
recorded runs drawn dashed behind them, and EMA smoothing."""

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from .buffers import GrowBuffer, StepClock
from .smoothing import Ema, smooth
from .style import PALETTE, SteadyRange, cache_axes, nice_ceiling, room_for_labels, style


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
        if not markers:
            # dense per-step curves: draw what is in view, a few points per pixel. (Marked curves have
            # a point per evaluation, few: clipping them would make every change of the visible
            # range re-derive every curve and rebuild its markers.)
            pi.setDownsampling(auto=True, mode="peak")
            pi.setClipToView(True)
        self.legend = pi.addLegend(offset=(-10, 10), labelTextColor="#222") if len(series) > 1 else None
        self.curves, self.buffers = {}, {}
        for i, (key, label) in enumerate(series.items()):
            colour = PALETTE[i % len(PALETTE)]
            marks = {"symbol": "o", "symbolSize": 5, "symbolBrush": colour, "symbolPen": None} if markers else {}
            # 1 px: Qt draws a cosmetic pen of width <= 1 with its fast line stroker, a wider one
            # through the general stroker, 3x slower (0.2 against 0.7 ms a curve); exported figures
            # widen it (figures.scaled_lines)
            self.curves[key] = pi.plot([], [], name=label, pen=pg.mkPen(colour, width=1), **marks)
            self.buffers[key] = GrowBuffer()
        # Ranges grow in steps instead of following every point: the axes are re-laid out and
        # repainted only when a range changes, which keeps each frame cheap for the GUI thread.
        self.log_y = log_y
        pi.disableAutoRange()
        cache_axes(pi)
        room_for_labels(pi.getAxis("left"))
        self.fixed_y = None
        self._y = SteadyRange(pi, log=log_y, margin=0.15)
        self.references = []     # the reference curves' items (all kept runs)
        self._ref_runs = []      # the same, one list per kept run
        self._xr = None
        self.smoothing = 0.0     # EMA weight: 0 draws the raw values
        self._ema, self._smoothed, self._raw = {}, {}, {}  # per key: Ema, smoothed buffer, faint raw item
        self.runs = []           # shown recorded runs: dicts key, label, colour, metrics (see show_runs)
        self._run_items = []
        self.x_mode, self.x_label = "step", x_label   # "step", "epoch" or "wall" (set_x_axis)
        self.clock = StepClock()  # the live run's epochs and wall times, by step
        self._t0 = None

    def show_series(self, key, on=True):
        """Show or hide one series, its legend entry too (a series the run does not have)."""
        curve = self.curves[key]
        curve.setVisible(on)
        if self.legend is not None:
            listed = self.legend.getLabel(curve) is not None
            if on and not listed:
                self.legend.addItem(curve, curve.name())
            elif not on and listed:
                self.legend.removeItem(curve)

    def fix_y_range(self, lo, hi):
        """Keep the y axis at [lo, hi] (e.g. probabilities 0..1)."""
        self.fixed_y = (lo, hi)
        self.getPlotItem().setYRange(lo, hi, padding=0.02)

    def append_rows(self, rows):
        if rows:
            now = time.perf_counter()
            self._t0 = now if self._t0 is None else self._t0
            steps = [s for s, _ in rows]
            epochs = [(s, m["epoch"]) for s, m in rows if "epoch" in m]
            self.clock.add(steps, walls=[now - self._t0] * len(steps))
            if epochs:
                self.clock.add(*map(list, zip(*epochs)))
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
        buf, mode = self.buffers[key], self.x_mode
        if self.smoothing > 0:
            sm = self._smoothed[key]
            self.curves[key].setData(self._x(sm.x[:sm.n]), sm.y[:sm.n])
            self._raw[key].setData(self._x(buf.x[:buf.n]), buf.y[:buf.n])
        else:
            self.curves[key].setData(buf.x[:buf.n] if mode == "step" else self._x(buf.x[:buf.n]), buf.y[:buf.n])

    def _x(self, steps):
        return self.clock.x(steps, self.x_mode)

    def set_x_axis(self, mode):
        """Draw against the step, the epoch (runs that report one) or wall time (seconds since the
        run's first point); shown runs alike. A run without epochs stays against the step."""
        if mode == self.x_mode or mode not in StepClock.MODES:
            return
        self.x_mode = mode
        label = {"step": self.x_label, "epoch": "epoch", "wall": "wall time (s)"}[mode]
        self.getPlotItem().setLabel("bottom", label if self.clock.has(mode) or mode == "step" else
                                    f"{self.x_label} (this run reports no {mode})")
        for key in self.buffers:
            self._draw(key)
        self._xr = None
        if self.runs:
            self.show_runs(self.runs)
        else:
            self._grow_ranges()

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
                self._ema[key], self._smoothed[key] = Ema(weight), GrowBuffer()
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
                xs = self._run_x(run, key, xs)
                name = f"{curve.name()} · {run['label']}" if len(self.curves) > 1 else run["label"]
                colour = QColor(run["colour"])
                colour.setAlpha(210)
                item = pi.plot(xs, smooth(ys, self.smoothing), name=name,
                               pen=pg.mkPen(colour, width=1, style=RUN_DASHES[i % len(RUN_DASHES)]))
                item.setZValue(-0.5)  # behind the live run
                item.run_values = (xs, ys)
                self._run_items.append(item)
        self._grow_ranges()

    def _run_x(self, run, key, steps):
        """A shown run's x for the chosen axis, from what it recorded (its epoch metric, wall times)."""
        if self.x_mode == "step":
            return steps
        if self.x_mode == "wall":
            ss, _, walls = run["metrics"][key][:3]
            return np.asarray(walls, float)
        ep = run["metrics"].get("epoch")
        if not ep or not len(ep[0]):
            return steps
        return np.interp(steps, np.asarray(ep[0], float), np.asarray(ep[1], float))

    def _grow_ranges(self):
        bufs = [(self._x(b.x[:b.n]), b.y[:b.n]) for b in self.buffers.values() if b.n]
        bufs += [item.run_values for item in self._run_items if len(item.run_values[0])]
        if not bufs:
            return
        pi = self.getPlotItem()
        x_max = max(float(np.max(x)) for x, _ in bufs)
        if self._xr is None or x_max > self._xr:
            self._xr = nice_ceiling(max(x_max * 1.25, 10 if self.x_mode == "step" else 1))
            pi.setXRange(0, self._xr, padding=0.01)
        if self.fixed_y is None:
            self._y.cover(*(y for _, y in bufs))

    def clear_data(self):
        for key, buf in self.buffers.items():
            buf.clear()
            self.curves[key].setData([], [])
            if key in self._raw:
                self._raw[key].setData([], [])
                self._ema[key], self._smoothed[key] = Ema(self.smoothing), GrowBuffer()
        self._xr = None
        self._y.reset()
        self.clock.clear()
        self._t0 = None
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


