"""Page 3: online against batch linear regression — the lines moving over the points as they
arrive, the weights' paths over the loss contours, and each learner's distance to the closed
form (and to the true line) against the points seen."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout

from lab.experiments.online_regression import LEARNERS, OnlineRegressionExperiment

from ...plots import PALETTE, LiveCurves
from ...plots.buffers import GrowBuffer
from ...plots.style import SteadyRange, faded_lut, still_background, style
from ..base import ExperimentTab

EXPLANATION = """
<p>Points of a line arrive one per step. <b>Online SGD</b> takes one gradient step on each new
point (rate η₀/(1 + t/τ)) and reports the running average of its iterates (Polyak–Ruppert), which
converges to least squares. <b>RLS</b> (recursive least squares) updates the inverse of XᵀX by a
rank-one step per point: it equals least squares at every step, at O(1) cost per point, and a
forgetting factor λ &lt; 1 weights recent points more. <b>Batch GD</b> runs gradient descent on
every point seen so far. <b>lstsq</b> is the closed form, recomputed on everything seen.</p>
<p>Right: the paths of the weights (slope, intercept) over the mean-squared-error contours of the
points seen so far; below, each learner's distance to lstsq and to the true line.</p>
<p><i>Try</i>: the <i>drift</i> preset — the true line changes halfway; least squares on everything
averages the two lines, while the forgetting RLS and constant-rate SGD follow the new one.</p>
"""


class OnlineTab(ExperimentTab):
    name = "online-regression"
    experiment_cls = OnlineRegressionExperiment
    explanation = EXPLANATION
    tab_title = "Online vs batch regression"

    def build_views(self, area):
        g = QGridLayout(area)
        g.setContentsMargins(0, 0, 0, 0)
        self.data_plot = pg.PlotWidget()
        pi = style(self.data_plot, "The stream and each learner's line", "x", "y")
        pi.addLegend(offset=(10, 10), labelTextColor="#222")
        self.seen = pg.ScatterPlotItem(symbol="o", size=3, brush=(120, 120, 120, 120), pen=None,
                                       name="points seen")   # points only ever added: ``addPoints``
        pi.addItem(self.seen)
        self.newest = pi.plot([], [], pen=None, symbol="o", symbolSize=9, symbolBrush="#d62728", name="newest")
        self.true_line = pi.plot([], [], pen=pg.mkPen("#000", width=1.5, style=Qt.DashLine), name="true line")
        self.lines = {k: pi.plot([], [], pen=pg.mkPen(PALETTE[i], width=2), name=k) for i, k in enumerate(LEARNERS)}
        pi.setRange(xRange=(-2.1, 2.1))
        pi.disableAutoRange()
        self.data_y = SteadyRange(pi, "y", margin=0.05)  # ranges that grow in steps: no re-layout per frame
        self.weight_plot = pg.PlotWidget()
        pi = style(self.weight_plot, "Weights over the loss (points seen so far)", "slope", "intercept")
        pi.addLegend(offset=(10, 10), labelTextColor="#222")
        self.contour = pg.ImageItem(axisOrder="row-major")
        self.contour.setLookupTable(faded_lut("viridis", 0.6))  # faded by its colours, not item opacity
        still_background(self.contour)
        pi.addItem(self.contour)
        self.paths = {k: pi.plot([], [], pen=pg.mkPen(PALETTE[i], width=2), name=k) for i, k in enumerate(LEARNERS)}
        self._path_buffers = {k: GrowBuffer() for k in LEARNERS}   # the paths so far, grown by each frame's steps
        self.truth = pi.plot([], [], pen=None, symbol="star", symbolSize=14, symbolBrush="w", name="true weights")
        pi.setAspectLocked(True)
        pi.disableAutoRange()
        self.weight_ranges = (SteadyRange(pi, "x", margin=0.02), SteadyRange(pi, "y", margin=0.02))
        self.dist_plot = LiveCurves("Distance to the least-squares weights", {f"distance/{k}": k for k in LEARNERS[:3]},
                                    "|w − w_lstsq| / |w_lstsq|", x_label="points seen", log_y=True)
        self.truth_plot = LiveCurves("Distance to the true line", {f"to_truth/{k}": k for k in LEARNERS},
                                     "|w − w_true|", x_label="points seen", log_y=True)
        g.addWidget(self.data_plot, 0, 0)
        g.addWidget(self.weight_plot, 0, 1)
        g.addWidget(self.dist_plot, 1, 0)
        g.addWidget(self.truth_plot, 1, 1)
        self._frames, self._seen_n, self._truth = 0, 0, None

    def clear_views(self):
        self.restart_curves((self.dist_plot, self.truth_plot))
        for item in (self.seen, self.newest, self.true_line, *self.lines.values(), *self.paths.values()):
            item.setData([], [])
        for b in self._path_buffers.values():
            b.clear()
        self._seen_n = 0
        self._frames = 0
        self._truth = None
        for r in (self.data_y, *self.weight_ranges):
            r.reset()
        self._draw_contour()

    def _draw_contour(self):
        a, b, Z = self.experiment.loss_grid()
        self.contour.setImage(Z, autoLevels=True)
        self.contour.setRect(a[0], b[0], a[-1] - a[0], b[-1] - b[0])
        self.weight_ranges[0].cover(a)
        self.weight_ranges[1].cover(b)

    def draw(self, frame):
        self.dist_plot.append_rows(frame.rows)
        yield
        self.truth_plot.append_rows(frame.rows)
        yield
        exp, n = self.experiment, frame.snapshot.step
        m = frame.snapshot.metrics
        xs = np.array([-2.0, 2.0])
        point, true_w = frame.snapshot.arrays["point"], frame.snapshot.arrays["true_w"]
        # No lock (the GUI never waits for a step): the stream (xs, ys) is fixed when the run is built,
        # and a path only grows by appending new arrays, so its first n + 1 entries are final.
        if n > self._seen_n:                # only the points that arrived since the last frame
            self.seen.addPoints(exp.xs[self._seen_n:n], exp.ys[self._seen_n:n])
            self.data_y.cover(exp.ys[self._seen_n:n], true_w[0] * xs + true_w[1])
            self._seen_n = n
        self.newest.setData([point[0]], [point[1]])
        self.true_line.setData(xs, true_w[0] * xs + true_w[1])
        for k in LEARNERS:
            self.lines[k].setData(xs, m[f"slope/{k}"] * xs + m[f"intercept/{k}"])
        yield
        # the weights' plot, in a part of its own: one view painted per turn
        new = {}
        for k, b in self._path_buffers.items():
            new[k] = np.array(exp.paths[k][b.n:n + 1]).reshape(-1, 2)
            b.extend(new[k][:, 0], new[k][:, 1])
            self.paths[k].setData(b.x[:b.n], b.y[:b.n])
        if self._truth != (true_w[0], true_w[1]):   # moves only when the line drifts
            self._truth = (true_w[0], true_w[1])
            self.truth.setData([true_w[0]], [true_w[1]])
        self.weight_ranges[0].cover(*(p[:, 0] for p in new.values()), [true_w[0]])
        self.weight_ranges[1].cover(*(p[:, 1] for p in new.values()), [true_w[1]])
        self._frames += 1
        if self._frames % 15 == 0:  # the contours of every point seen so far: now and then
            self._draw_contour()

    def on_run_halted(self):
        if self.experiment is not None and self.experiment.steps_done:
            self._draw_contour()

    def figures(self):
        return [self.data_plot, self.weight_plot, self.dist_plot, self.truth_plot]
