"""Live plot pieces every tab uses. Items are created once and updated with ``setData`` /
``setImage`` (pyqtgraph's scrollingPlots / VideoSpeedTest pattern); nothing is re-created
per frame."""

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsItem, QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False)  # NumPy images display as they are

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


def _style(plot_widget, title, x_label="", y_label="", title_size="11pt"):
    """White background, a title and axis labels: every plot in the app looks alike."""
    plot_widget.export_name = title
    plot_widget.setBackground("w")
    pi = plot_widget.getPlotItem()
    pi.setTitle(title, color="#222", size=title_size)
    pi.setLabel("bottom", x_label)
    pi.setLabel("left", y_label)
    return pi


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
    metrics missing from a row leave no point. Curve names become CSV headers on export."""

    def __init__(self, title, series, y_label, y_units=None, x_label="step", log_y=False, parent=None):
        super().__init__(parent=parent)
        pi = _style(self, title, x_label)
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
            self.curves[key] = pi.plot([], [], name=label, pen=pg.mkPen(PALETTE[i % len(PALETTE)], width=1.5))
            self.buffers[key] = _Buffer()
        # Ranges grow in steps instead of following every point: the axes are re-laid out and
        # repainted only when a range changes, which keeps each frame cheap for the GUI thread.
        self.log_y = log_y
        pi.disableAutoRange()
        _cache_axes(pi)
        self.fixed_y = None
        self._xr = self._yr = None

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
            self._xr = _nice_ceiling(max(x_max * 1.25, 10))
            pi.setXRange(0, self._xr, padding=0.01)
        if self.fixed_y is None:
            ys = np.concatenate([b.y[:b.n] for b in bufs])
            ys = ys[np.isfinite(ys)]
            if self.log_y:
                ys = np.log10(ys[ys > 0])
            if ys.size:
                lo, hi = float(ys.min()), float(ys.max())
                if self._yr is None or lo < self._yr[0] or hi > self._yr[1]:
                    span = max(hi - lo, 1e-9)
                    self._yr = (lo - 0.15 * span, hi + 0.15 * span)
                    pi.setYRange(*self._yr, padding=0)

    def clear_data(self):
        for key, buf in self.buffers.items():
            buf.clear()
            self.curves[key].setData([], [])
        self._xr = self._yr = None

    def keep_as_reference(self, label):
        """Keep the current curves, dashed, as the previous run's (replacing an older one), so two
        runs compare on one plot. Called on Reset, not per frame."""
        pi = self.getPlotItem()
        for item in getattr(self, "references", []):
            pi.removeItem(item)
        self.references = []
        for i, (key, buf) in enumerate(self.buffers.items()):
            if buf.n:
                color = PALETTE[i % len(PALETTE)]
                name = f"{self.curves[key].name()} ({label})"
                ref = pi.plot(buf.x[:buf.n].copy(), buf.y[:buf.n].copy(), name=name,
                              pen=pg.mkPen(color, width=1.2, style=Qt.DashLine))
                self.references.append(ref)


class _DragViewBox(pg.ViewBox):
    """A view box that reports drags (dx, dy in screen pixels) instead of panning, e.g. for
    window/level: the way radiology viewers let you drag the contrast."""

    def __init__(self, on_drag, **kw):
        super().__init__(**kw)
        self.on_drag = on_drag

    def mouseDragEvent(self, ev, axis=None):
        if ev.button() not in (Qt.LeftButton, Qt.RightButton):
            ev.ignore()
            return
        ev.accept()
        d = ev.screenPos() - ev.lastScreenPos()
        self.on_drag(float(d.x()), float(d.y()))


class ImagePanel(pg.GraphicsLayoutWidget):
    """One image (gray or RGB) in a locked-aspect view with a title; ``show_image`` only calls
    ``setImage`` with fixed levels, so the view never jumps. The title changes only when its
    text does (a changed label re-lays out the scene: keep per-step text elsewhere)."""

    def __init__(self, title, levels=(0.0, 1.0), parent=None, on_drag=None):
        super().__init__(parent=parent)
        self.export_name = title
        self.setBackground("w")
        self.title = self.addLabel(title, color="#222", size="11pt")
        self.nextRow()
        if on_drag is None:
            self.view = self.addViewBox(lockAspect=True, invertY=True, enableMouse=False)
        else:
            self.view = _DragViewBox(on_drag, lockAspect=True, invertY=True, enableMouse=True)
            self.addItem(self.view)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.view.addItem(self.image)
        self.levels = levels
        self.current = None

    def show_image(self, img, title=None):
        shape_changed = self.current is None or self.current.shape[:2] != img.shape[:2]
        self.current = img
        self.image.setImage(img, autoLevels=False, levels=self.levels)
        if title is not None and title != self.title.text:
            self.title.setText(title)
        if shape_changed:
            self.view.autoRange(padding=0.01)


class BarPanel(pg.PlotWidget):
    """A bar chart updated in place (``setOpts``), e.g. classes found in a sample grid."""

    def __init__(self, title, categories, y_label, x_label, y_max=None, parent=None):
        super().__init__(parent=parent)
        pi = _style(self, title, x_label, y_label)
        pi.getAxis("bottom").setTicks([[(i, str(c)) for i, c in enumerate(categories)]])
        self.x = np.arange(len(categories))
        self.bars = pg.BarGraphItem(x=self.x, height=np.zeros(len(categories)), width=0.7, brush=PALETTE[0],
                                    name=y_label)
        pi.addItem(self.bars)
        pi.setMouseEnabled(x=False, y=False)
        _cache_axes(pi)
        self.y_max = y_max
        if y_max:
            pi.setYRange(0, y_max, padding=0.02)

    def set_values(self, values):
        self.bars.setOpts(height=np.asarray(values, float))
        top = self.y_max or _nice_ceiling(max(1.0, float(np.max(values))))
        if top != getattr(self, "_top", None):
            self._top = top
            self.getPlotItem().setYRange(0, top, padding=0.02)


class ProgressPanel(QWidget):
    """A progress bar with step count, rate and ETA; the rate is measured from the frames the
    GUI receives (steps per wall-clock second)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.bar = QProgressBar()
        self.bar.setTextVisible(True)
        self.bar.setToolTip("Steps done of the steps this run plans")
        self.label = QLabel("not started")
        self.label.setToolTip("Step count, training rate and estimated time left")
        lay.addWidget(self.bar)
        lay.addWidget(self.label)
        self.total = 1
        self._marks = []  # (time, step) over the last seconds

    def reset(self, total, step=0):
        self.total = max(1, int(total or 1))
        self.bar.setRange(0, self.total)
        self._marks = []
        self.update_step(step, running=False)

    def update_step(self, step, running=True, state=None):
        now = time.perf_counter()
        if running:
            self._marks.append((now, step))
            self._marks = [(t, s) for t, s in self._marks if now - t < 3.0] or [(now, step)]
        else:
            self._marks = []
        self.bar.setValue(min(step, self.total))
        self.bar.setFormat(f"{step} / {self.total}")
        rate = 0.0
        if len(self._marks) >= 2:
            (t0, s0), (t1, s1) = self._marks[0], self._marks[-1]
            rate = (s1 - s0) / max(t1 - t0, 1e-9)
        if rate > 0 and step < self.total:
            eta = (self.total - step) / rate
            self.label.setText(f"step {step} · {rate:.1f} it/s · ETA {_fmt_time(eta)}")
        elif step >= self.total:
            self.label.setText(f"step {step} · planned steps done (Start continues)")
        else:
            self.label.setText(f"step {step}" + (f" · {state}" if state else ""))
        return rate


def _cache_axes(plot_item):
    """Paint each axis (with its grid lines) from a pixmap cache: a curve update then repaints
    the axes by a blit instead of replaying every tick and label."""
    for name in ("left", "bottom", "right", "top"):
        plot_item.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def _nice_ceiling(x):
    """Smallest of 1, 2, 5 x 10^k that is >= x."""
    k = 10 ** np.floor(np.log10(x))
    for m in (1, 2, 5, 10):
        if m * k >= x:
            return float(m * k)
    return float(10 * k)


def _fmt_time(s):
    s = int(s)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class MessageBar(QWidget):
    """A non-modal banner for errors and notices (a modal box would block a running app)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        from PySide6.QtWidgets import QToolButton
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Dismiss this message")
        close.clicked.connect(self.hide)
        lay.addWidget(self.label, 1)
        lay.addWidget(close)
        self.hide()

    def show_message(self, text, error=True):
        color = "#fde2e1" if error else "#e3f1e3"
        self.setStyleSheet(f"MessageBar {{ background: {color}; border-radius: 4px; }}")
        self.setAttribute(Qt.WA_StyledBackground, True)
        self.label.setText(text)
        self.show()


def diverging_lut():
    """Blue - white - red lookup table for signed matrices (symmetric levels around 0)."""
    cmap = pg.ColorMap([0.0, 0.5, 1.0], [(33, 102, 172), (247, 247, 247), (178, 24, 43)])
    return cmap.getLookupTable(0.0, 1.0, 256)


class HeatmapPanel(pg.PlotWidget):
    """A matrix as coloured cells with a signed colour scale; small matrices get their values
    written in and their rows/columns labelled. ``set_matrix`` reuses the items."""

    def __init__(self, title, labels=None, annotate_max=13, parent=None, x_label="", y_label=""):
        super().__init__(parent=parent)
        pi = _style(self, title, x_label, y_label, "10pt")
        pi.invertY(True)
        pi.setAspectLocked(True)
        pi.setMouseEnabled(x=False, y=False)
        pi.hideButtons()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(diverging_lut())
        pi.addItem(self.image)
        self.labels = labels
        self.annotate_max = annotate_max
        self.texts = []
        self.current = None
        self.levels = (-1.0, 1.0)

    def set_matrix(self, M, scale=None, labels=None, levels=None):
        """Colour levels: ``levels`` when given, else symmetric +-scale (default: max |M|)."""
        M = np.asarray(M, float)
        s = scale or float(np.abs(M).max()) or 1.0
        self.levels = levels or (-s, s)
        self.current = M
        self.image.setImage(M, autoLevels=False, levels=self.levels)
        pi = self.getPlotItem()
        n, m = M.shape
        labels = labels or self.labels
        if labels and len(labels) == n:
            ticks = [(i + 0.5, lab[:14]) for i, lab in enumerate(labels)]
            pi.getAxis("left").setTicks([ticks])
            pi.getAxis("bottom").setTicks([ticks])
        if max(n, m) <= self.annotate_max:
            while len(self.texts) < n * m:
                t = pg.TextItem(color="#000", anchor=(0.5, 0.5))
                pi.addItem(t)
                self.texts.append(t)
            for k, t in enumerate(self.texts):
                if k < n * m:
                    i, j = divmod(k, m)
                    t.setText(f"{M[i, j]:.3g}")
                    t.setPos(j + 0.5, i + 0.5)
                    t.show()
                else:
                    t.hide()
        else:
            for t in self.texts:
                t.hide()
        pi.setRange(xRange=(0, m), yRange=(0, n), padding=0.02)


class ScatterPanel(pg.PlotWidget):
    """Points coloured by class (one ScatterPlotItem per class, created once) and up to
    ``n_arrows`` arrows (eigenvectors), with a legend and labelled axes."""

    def __init__(self, title, class_names, x_label, y_label, n_arrows=0, parent=None):
        super().__init__(parent=parent)
        pi = _style(self, title, x_label, y_label, "10pt")
        pi.showGrid(x=True, y=True, alpha=0.2)
        pi.addLegend(offset=(10, 10), labelTextColor="#222")
        self.scatters = []
        self.set_classes(class_names)
        self.arrows = []
        for i in range(n_arrows):
            pen = pg.mkPen("#000" if i == 0 else "#666", width=2.5)
            line = pi.plot([], [], pen=pen, name=f"e{i + 1}")
            head = pg.ArrowItem(angle=0, headLen=14, tipAngle=30, brush="#000" if i == 0 else "#666", pen=None)
            label = pg.TextItem(color="#000" if i == 0 else "#555", anchor=(0, 1))
            pi.addItem(head)
            pi.addItem(label)
            self.arrows.append((line, head, label))

    def set_classes(self, class_names):
        """One scatter item per class; re-made only when the data's classes change."""
        pi = self.getPlotItem()
        for s in self.scatters:
            pi.removeItem(s)
        self.scatters = [pg.ScatterPlotItem(size=6, pen=None, brush=pg.mkBrush(PALETTE[i % len(PALETTE)]),
                                            name=str(name)) for i, name in enumerate(class_names)]
        for s in self.scatters:
            pi.addItem(s)

    def set_points(self, x, y, labels):
        for c, s in enumerate(self.scatters):
            m = labels == c
            s.setData(x[m], y[m])

    def set_arrows(self, arrows):
        """arrows: [(x0, y0, x1, y1, text)]"""
        for (line, head, label), (x0, y0, x1, y1, text) in zip(self.arrows, arrows):
            line.setData([x0, x1], [y0, y1])
            head.setPos(x1, y1)
            # ArrowItem's angle is in screen degrees; y grows upwards in data but downwards on screen
            head.setStyle(angle=180 - np.degrees(np.arctan2(y1 - y0, x1 - x0)))
            label.setText(text)
            label.setPos(x1, y1)


class BeforeAfterBars(pg.PlotWidget):
    """Two bars per item: a reference value (grey, e.g. before training) and the current one."""

    def __init__(self, title, y_label, x_label, ref_name="before training", cur_name="now", parent=None):
        super().__init__(parent=parent)
        pi = _style(self, title, x_label, y_label, "10pt")
        pi.addLegend(offset=(10, 10), labelTextColor="#222")
        pi.setMouseEnabled(x=False, y=False)
        pi.setYRange(0, 1.3, padding=0.02)  # headroom for the legend
        _cache_axes(pi)
        self.ref = pg.BarGraphItem(x=[], height=[], width=0.38, brush="#b0b0b0", name=ref_name)
        self.cur = pg.BarGraphItem(x=[], height=[], width=0.38, brush=PALETTE[0], name=cur_name)
        pi.addItem(self.ref)
        pi.addItem(self.cur)
        self.n = None

    def set_values(self, ref, cur, labels=None):
        x = np.arange(len(cur), dtype=float)
        self.ref.setOpts(x=x - 0.2, height=np.asarray(ref, float))
        self.cur.setOpts(x=x + 0.2, height=np.asarray(cur, float))
        if self.n != len(cur):
            self.n = len(cur)
            step = max(1, len(cur) // 12)
            ax = self.getPlotItem().getAxis("bottom")
            ax.setTicks([[(i, (labels[i] if labels else str(i))[:10]) for i in range(0, len(cur), step)]])
            self.getPlotItem().setXRange(-0.7, len(cur) - 0.3, padding=0)
