"""Page 1: the optimizer race — twelve cost curves from one initialisation (click a legend entry
to hide a run), test accuracy, the results table, and the same optimizers on 2-D test surfaces
with their trajectories drawn over the contours."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import (QComboBox, QGridLayout, QHBoxLayout, QLabel, QSlider, QSpinBox, QTableWidget,
                               QVBoxLayout, QWidget)

from lab.experiments.optimizers.race import RUNS, RaceExperiment, make_run_optimizer
from lab.experiments.optimizers.surfaces import SURFACES, surface_grid, trajectory

from ...background import BackgroundCall
from ...live_text import fill_table
from ...plots import LiveCurves
from ...plots.style import faded_lut, still_background, style
from ...signals import signals_blocked
from ..base import ExperimentTab

EXPLANATION = """
<p><b>The race.</b> One 3-layer network (ELU, tanh, then the logistic — for two classes, a softmax)
classifies MNIST 0 against 1. Twelve optimizers start from <i>byte-identical</i> weights and train in
lockstep on the same minibatches, so only the update rule differs. SGD: w −= η g. Momentum:
v = μv − ηg, w += v. Nesterov: the gradient at the look-ahead point. Adagrad: η g/√(Σg²). Adadelta:
step sizes from running RMS of steps and gradients (no learning rate in the paper). RMSProp: η g/√(E[g²]).
Adam: bias-corrected first and second moments. Nadam: Adam with Nesterov's look-ahead. Gradient
noise (Neelakantan et al.): g + N(0, η/(1+t)<sup>0.55</sup>). "Noise training" (the seed author's):
the gradient plus Gumbel noise, centred so it does not drift; with Gaussian noise too; inside Adam.</p>
<p>A run whose cost stops being finite or climbs above 100× its first value, or whose weights leave
±10⁶, is marked <i>diverged at step N</i> and stops; it is never drawn as a NaN curve. The seed saw Adadelta diverge and "noisy Adam" converge.</p>
<p><b>Surfaces.</b> The same update rules on 2-D functions: Rosenbrock's curved valley, Beale's flat
plateaus, a saddle (x² − y²: who escapes along y?), and a quadratic with noisy gradients. The slider
sets one learning rate for all (Adadelta keeps its own scale).</p>
<p><i>Try</i>: raise SGD's rate until it diverges; on the saddle, watch momentum escape first.</p>
<p>Seed: "Only Numpy: Implementing and comparing gradient descent optimization algorithms + Google
Brain's Adding Gradient Noise" (J. D. Seo, 2018); Ruder 2016; Neelakantan et al. 2015.</p>
"""


class RaceTab(ExperimentTab):
    name = "optimizers"
    experiment_cls = RaceExperiment
    explanation = EXPLANATION
    tab_title = "Optimizer race"

    def build_views(self, area):
        g = QGridLayout(area)
        g.setContentsMargins(0, 0, 0, 0)
        self.cost_plot = LiveCurves("Training cost (minibatch) — click a legend entry to hide a run",
                                    {f"cost/{n}": n for n in RUNS}, "cross-entropy (nats)", log_y=True)
        self.acc_plot = LiveCurves("Test accuracy", {f"acc/{n}": n for n in RUNS}, "fraction correct",
                                  markers=True)  # evaluated every few steps: a lone first point must show
        self.acc_plot.fix_y_range(0, 1)
        for p in (self.cost_plot, self.acc_plot):
            p.getPlotItem().setLabel("bottom", "step (minibatch)")
            for i, c in enumerate(p.curves.values()):
                colour = pg.intColor(i, hues=len(RUNS), values=1, maxValue=220)
                # 1 px: twelve curves of 1.5 px took twice as long to paint (4.8 against 2.4 ms), and
                # the race paints them every frame
                c.setPen(pg.mkPen(colour, width=1, style=Qt.DashLine if i >= 8 else Qt.SolidLine))
                if c.opts.get("symbol"):
                    c.setSymbolBrush(colour)  # the points in their run's colour too
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["optimizer", "cost", "test accuracy", "steps to 95 %", "diverged at"])
        self.table.setToolTip("Each run's latest minibatch cost and test accuracy; a diverged run names its step")
        self.table.horizontalHeader().setStretchLastSection(True)
        g.addWidget(self.cost_plot, 0, 0)
        g.addWidget(self.acc_plot, 0, 1)
        g.addWidget(self.table, 1, 0)
        g.addWidget(self._surface_view(), 1, 1)
        g.setRowStretch(0, 3)
        g.setRowStretch(1, 2)

    # ------------------------------------------------------------------ the 2-D surfaces
    def _surface_view(self):
        w = QWidget()
        v = QVBoxLayout(w)
        v.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.surface_box = QComboBox()
        self.surface_box.addItems(list(SURFACES))
        self.surface_box.setToolTip("The 2-D function the optimizers descend")
        self.lr_slider = QSlider(Qt.Horizontal)
        self.lr_slider.setRange(-40, 0)  # log10(lr) * 10
        self.lr_slider.setValue(self.SURFACE_LR["rosenbrock"])
        self.lr_slider.setToolTip("One learning rate for every optimizer on the surface (log scale)")
        self.lr_label = QLabel()
        self.surface_steps = QSpinBox()
        self.surface_steps.setRange(10, 5000)
        self.surface_steps.setValue(300)
        self.surface_steps.setToolTip("Steps on the surface")
        row.addWidget(self.surface_box)
        row.addWidget(QLabel("LR"))
        row.addWidget(self.lr_slider, 1)
        row.addWidget(self.lr_label)
        row.addWidget(QLabel("steps"))
        row.addWidget(self.surface_steps)
        v.addLayout(row)
        self.surface_plot = pg.PlotWidget()
        pi = style(self.surface_plot, "Trajectories on the surface (colours as in the race)", "x", "y", "10pt")
        self.contour = pg.ImageItem(axisOrder="row-major")
        self.contour.setLookupTable(faded_lut("viridis", 0.55))  # faded by its colours, not item opacity
        still_background(self.contour)
        pi.addItem(self.contour)
        self.paths = {n: pi.plot([], [], name=n, pen=pg.mkPen(pg.intColor(i, hues=len(RUNS), values=1, maxValue=220),
                                                              width=1))
                      for i, n in enumerate(RUNS)}
        self.minimum = pi.plot([], [], pen=None, symbol="star", symbolSize=14, symbolBrush="w")
        v.addWidget(self.surface_plot, 1)
        self._surface_call = BackgroundCall(self)
        self._surface_call.ready.connect(self._start_reveal)
        self._reveal = QTimer(self)
        self._reveal.setInterval(30)
        self._reveal.timeout.connect(self._reveal_more)
        self._traj, self._shown = {}, 0
        self.surface_plot.installEventFilter(self)          # a hidden surface waits; it animates when shown
        self.surface_box.currentTextChanged.connect(self._on_surface)
        self.lr_slider.valueChanged.connect(lambda _v: self._compute_surface())
        self.surface_steps.valueChanged.connect(lambda _v: self._compute_surface())
        self._compute_surface()
        return w

    SURFACE_LR = {"rosenbrock": -27, "beale": -20, "saddle": -20, "noisy-quadratic": -13}  # 10 log10(lr)

    def _on_surface(self, name):
        """A new surface starts at the rate that suits it (the slider then moves from there)."""
        with signals_blocked(self.lr_slider):
            self.lr_slider.setValue(self.SURFACE_LR[name])
        self._compute_surface()

    def _surface_lr(self):
        return 10 ** (self.lr_slider.value() / 10)

    def _compute_surface(self):
        lr, name, steps = self._surface_lr(), self.surface_box.currentText(), self.surface_steps.value()
        self.lr_label.setText(f"{lr:.2g}")
        xs, ys, Z = surface_grid(name)
        self.contour.setImage(Z, autoLevels=True)
        self.contour.setRect(xs[0], ys[0], xs[-1] - xs[0], ys[-1] - ys[0])
        best = SURFACES[name][4]
        self.minimum.setData([best[0]] if best else [], [best[1]] if best else [])
        self.surface_plot.getPlotItem().setRange(xRange=(xs[0], xs[-1]), yRange=(ys[0], ys[-1]), padding=0)
        config = self.experiment.config if self.experiment is not None else RaceExperiment.preset_config()
        self._surface_call.request(self._trajectories, name, lr, steps, config)

    @staticmethod
    def _trajectories(name, lr, steps, config):
        """Off the GUI thread: every optimizer's path on the surface from its start."""
        out = {}
        for i, run in enumerate(RUNS):
            opt = make_run_optimizer(run, config, np.random.default_rng([config.seed, 100 + i]),
                                     lr=1.0 if run == "adadelta" else lr)
            out[run] = trajectory(name, opt, steps, np.random.default_rng([config.seed, 200 + i]))
        return out

    def _start_reveal(self, traj):
        self._traj, self._shown = traj, 0
        if self.surface_plot.isVisible():                   # else the show event starts it
            self._reveal.start()

    def eventFilter(self, obj, event):
        if obj is self.__dict__.get("surface_plot") and event.type() == QEvent.Show and self._traj:
            if self._shown < len(next(iter(self._traj.values()))):
                self._reveal.start()
        return super().eventFilter(obj, event)

    def _reveal_more(self):
        """Draw the paths growing, a few dozen steps per tick: the optimizers move live. Only while the
        surface is on screen: a hidden tab's animation took the GUI thread from the tab in use."""
        if not self.surface_plot.isVisible():
            self._reveal.stop()                             # resumed by the show event
            return
        n = len(next(iter(self._traj.values())))
        self.worker.hold_for_a_turn()                       # a race may be training meanwhile
        self._shown = min(n, self._shown + max(1, n // 60))
        for run, path in self._traj.items():
            self.paths[run].setData(path[:self._shown, 0], path[:self._shown, 1])
        if self._shown >= n:
            self._reveal.stop()

    # ------------------------------------------------------------------ the race
    def clear_views(self):
        self.restart_curves((self.cost_plot, self.acc_plot))
        for key, c in self.cost_plot.curves.items():
            on = key.split("/", 1)[1] in self.experiment.runs
            c.setVisible(on)
            self.acc_plot.curves[f"acc/{key.split('/', 1)[1]}"].setVisible(on)
        self.table.setRowCount(0)

    def draw(self, frame):
        self.cost_plot.append_rows(frame.rows)
        yield
        self.acc_plot.append_rows(frame.rows)
        yield
        rows = frame.snapshot.tables.get("race")
        if rows:
            fill_table(self.table, [
                (row["run"], "" if not np.isfinite(row["cost"]) else f"{row['cost'] + 0.0:.4g}",  # no "-0"
                 "" if not np.isfinite(row["accuracy"]) else f"{100 * row['accuracy']:.2f} %",
                 "" if row["steps_to_95"] is None else str(row["steps_to_95"]),
                 "" if row["diverged_at"] is None else f"step {row['diverged_at']}") for row in rows])

    def figures(self):
        return [self.cost_plot, self.acc_plot, self.surface_plot]
