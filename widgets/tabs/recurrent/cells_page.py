"""Page 1: five recurrent cells on one memory task, side by side — training and test loss, the gradient
reaching each time step (vanishing gradients made visible), one cell's step outputs over time as a
heat map, and its gates' mean activation per step."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from lab.experiments.recurrent import CELL_NAMES, GATES, MEAN_MSE, RecurrentExperiment

from ...live_text import LiveText
from ...plots import PALETTE, HeatmapPanel, LiveCurves
from ...plots.style import SteadyRange, cache_axes, style
from ..base import ExperimentTab

EXPLANATION = """
<p>Five recurrent cells read the same sequences, from the same readout initialisation, on the same
minibatches: a vanilla <b>RNN</b> (h = tanh([x, h]W + b)), the <b>IRNN</b> (ReLU, recurrent weights
initialised to the identity: Le, Jaitly & Hinton 2015), an <b>LSTM</b>, the update-gate RNN
(<b>UGRNN</b>: h = u·h<sub>prev</sub> + (1 − u)·c) and the <b>intersection</b> RNN with its separate
depth output (Collins, Sohl-Dickstein & Sussillo 2017). Backward passes are hand-written and
gradient-checked through time; each cell's gradient is clipped to a global norm.</p>
<p><b>Tasks.</b> <i>Adding</i>: two of T numbers are marked, output their sum at the end (predicting
the mean scores MSE 0.167: the grey line). <i>Copy</i>: recall 10 symbols after T blanks.
<i>Running sum</i>: the seed's task for the intersection RNN. <i>Row digits</i>: a digit read one row
per step.</p>
<p><b>What to see.</b> <i>Gradient reaching each step</i> is ‖∂L/∂h<sub>t</sub>‖ for t = 1…T: the
loss is read at the last step, and for the vanilla RNN this gradient shrinks by a factor per step on
its way back, so the marked numbers early in a long sequence cannot be learnt from — its loss stays at
the mean's. The gates (LSTM forget, UGRNN update) learn to hold the state, and the gradient with it.</p>
<p><b>The LSTM's backward pass, gate by gate</b> (v = [x<sub>t</sub>, h<sub>t−1</sub>];
[i, f, o, g] = σ, σ, σ, tanh of vW + b; c<sub>t</sub> = f⊙c<sub>t−1</sub> + i⊙g; h<sub>t</sub> = o⊙tanh c<sub>t</sub>).
With dh the gradient on h<sub>t</sub> (from the loss and from step t+1) and dc<sub>next</sub> the one
on c<sub>t</sub> from step t+1:<br>
do = dh⊙tanh c<sub>t</sub>; &nbsp; dc = dc<sub>next</sub> + dh⊙o⊙(1 − tanh² c<sub>t</sub>)<br>
di = dc⊙g; &nbsp; df = dc⊙c<sub>t−1</sub>; &nbsp; dg = dc⊙i<br>
through the nonlinearities: dz<sub>i</sub> = di⊙i(1−i), dz<sub>f</sub> = df⊙f(1−f),
dz<sub>o</sub> = do⊙o(1−o), dz<sub>g</sub> = dg⊙(1−g²)<br>
dW += vᵀ dz; &nbsp; db += Σ dz; &nbsp; [dx<sub>t</sub>, dh<sub>t−1</sub>] = dz Wᵀ; &nbsp;
dc<sub>t−1</sub> = dc⊙f.<br>
The last line is why the LSTM keeps its gradient: along the cell state it is multiplied by the
forget gate f, which the net can hold near 1, not by a weight matrix and a squashing slope.</p>
<p><i>Try</i>: the <i>Length T</i> slider (10 → 200), <i>Show cell</i> for another heat map.</p>
"""

LABELS = {"rnn": "RNN", "irnn": "IRNN", "lstm": "LSTM", "ugrnn": "UGRNN", "intersection": "intersection",
          "conv-ugrnn": "conv-UGRNN"}


class RecurrentTab(ExperimentTab):
    name = "recurrent"
    experiment_cls = RecurrentExperiment
    explanation = EXPLANATION
    tab_title = "Cells on a memory task"

    def build_views(self, area):
        g = QGridLayout(area)
        g.setContentsMargins(0, 0, 0, 0)
        self.loss_plot = LiveCurves("Training loss (each minibatch)", {f"loss/{k}": LABELS[k] for k in CELL_NAMES},
                                    "loss (MSE or cross-entropy, log scale)", log_y=True)
        self.test_plot = LiveCurves("Test loss", {f"test_loss/{k}": LABELS[k] for k in CELL_NAMES},
                                    "loss (MSE or cross-entropy, log scale)", log_y=True, markers=True)
        for p in (self.loss_plot, self.test_plot):
            p.getPlotItem().setLabel("bottom", "step (minibatch)")
        self.mean_line = pg.InfiniteLine(angle=0, pen=pg.mkPen("#888", width=1.5, style=Qt.DashLine),
                                         label="predicting the mean", labelOpts={"color": "#555", "position": 0.97,
                                                                                   "anchors": [(1, 1), (1, 0)]})
        self.test_plot.getPlotItem().addItem(self.mean_line)
        self.grad_plot = pg.PlotWidget()
        pi = style(self.grad_plot, "Gradient reaching each step: ‖∂L/∂hₜ‖", "time step t",
                   "gradient norm (log scale)")
        pi.setLogMode(y=True)
        pi.showGrid(x=True, y=True, alpha=0.25)
        self.grad_legend = pi.addLegend(offset=(10, -10), labelTextColor="#222", colCount=2)
        self.grad_curves = {k: pi.plot([], [], name=LABELS[k], pen=pg.mkPen(PALETTE[i], width=2))
                            for i, k in enumerate(CELL_NAMES)}
        pi.getAxis("left").enableAutoSIPrefix(False)
        self.grad_range = SteadyRange(pi, log=True)
        cache_axes(pi)
        self.hidden = HeatmapPanel("Step outputs of one test sequence", x_label="time step t", y_label="unit")
        self.hidden.getPlotItem().setAspectLocked(False)
        for side in ("left", "bottom"):
            self.hidden.getPlotItem().getAxis(side).enableAutoSIPrefix(False)
        self.gate_plot = pg.PlotWidget()
        pi = style(self.gate_plot, "Gates: mean per step", "time step t",
                   "mean over 64 test sequences")
        pi.setYRange(0, 1, padding=0.02)
        pi.showGrid(x=True, y=True, alpha=0.25)
        pi.addLegend(offset=(10, 10), labelTextColor="#222")
        self.gate_curves = [pi.plot([], [], name="", pen=pg.mkPen(PALETTE[i + 5], width=2)) for i in range(3)]
        self.gate_legend = pi.legend
        self._legend_cell = None
        side = QWidget()
        sl = QVBoxLayout(side)
        sl.setContentsMargins(0, 0, 0, 0)
        self.summary = LiveText("–", lines=7)
        sl.addWidget(self.summary)
        sl.addWidget(self.gate_plot, 1)
        g.addWidget(self.loss_plot, 0, 0)
        g.addWidget(self.test_plot, 0, 1)
        g.addWidget(side, 0, 2)
        g.addWidget(self.grad_plot, 1, 0)
        g.addWidget(self.hidden, 1, 1, 1, 2)
        for col in range(3):
            g.setColumnStretch(col, 1)

    def clear_views(self):
        self.restart_curves((self.loss_plot, self.test_plot))
        exp = self.experiment
        for k, c in self.grad_curves.items():
            c.setData([], [])
            on = k in exp.nets                          # a cell the task has no use for (conv-UGRNN: rows only)
            self.loss_plot.show_series(f"loss/{k}", on)
            self.test_plot.show_series(f"test_loss/{k}", on)
            c.setVisible(on)
            listed = self.grad_legend.getLabel(c) is not None
            if on and not listed:
                self.grad_legend.addItem(c, LABELS[k])
            elif listed and not on:
                self.grad_legend.removeItem(c)
        for c in self.gate_curves:
            c.setData([], [])
        self.grad_range.reset()
        T = exp.T
        self.grad_plot.getPlotItem().setXRange(0.5, T + 0.5, padding=0)
        self.gate_plot.getPlotItem().setXRange(0.5, T + 0.5, padding=0)
        mean = MEAN_MSE.get(exp.config.task)
        self.mean_line.setVisible(mean is not None)
        if mean is not None:
            self.mean_line.setValue(np.log10(mean))
        self.hidden.set_matrix(np.zeros((exp.config.hidden, T)))
        left_out = "".join(f" {LABELS[k]}: {why}." for k, why in exp.left_out.items())
        self.summary.set_html(f"{exp.source}; cells: {', '.join(LABELS[k] for k in exp.nets)}; "
                              f"{exp.config.hidden} hidden units each.{left_out}")

    def on_view_settings(self, names):
        """Show cell only chooses what is drawn: one forward of 64 test sequences."""
        self._draw_cell(self.experiment.preview_arrays())

    def _draw_cell(self, a):
        k = self.experiment.config.show_cell
        if f"hidden/{k}" not in a:
            k = next(iter(self.experiment.nets))
        H = a[f"hidden/{k}"]
        T = H.shape[1]
        self.hidden.set_matrix(H, scale=max(float(np.abs(H).max()), 1e-6))
        gates = GATES.get(k, ())
        if k != self._legend_cell:                       # the legend is laid out again only for a new cell
            self._legend_cell = k
            self.gate_legend.clear()
            for i, c in enumerate(self.gate_curves[:len(gates)]):
                self.gate_legend.addItem(c, f"{LABELS[k]} {gates[i][0]}")
            self.gate_plot.getPlotItem().setTitle(f"{LABELS[k]} gates: mean per step" if gates else
                                                  f"{LABELS[k]} has no gates")
            self.hidden.getPlotItem().setTitle(f"{LABELS[k]}: step outputs of one test sequence (unit × t)")
        for i, c in enumerate(self.gate_curves):
            if i < len(gates):
                c.setData(np.arange(1, T + 1), a[f"gates/{k}"][i])
            else:
                c.setData([], [])

    def draw(self, frame):
        self.loss_plot.append_rows(frame.rows)
        yield
        self.test_plot.append_rows(frame.rows)
        yield
        a = frame.snapshot.arrays
        if any(key.startswith("hidden/") for key in a):
            for k, c in self.grad_curves.items():
                if f"grad_norms/{k}" in a:
                    n = a[f"grad_norms/{k}"]
                    c.setData(np.arange(1, len(n) + 1), np.maximum(n, 1e-30))
            self.grad_range.cover(*(a[key] for key in a if key.startswith("grad_norms/")))
            yield
            self._draw_cell(a)
            yield
        exp = self.experiment
        first = next(iter(exp.nets))
        m = self.latest_metrics(frame, f"test_loss/{first}")
        if m is not None:
            parts = []
            for k in exp.nets:
                acc = m.get(f"test_accuracy/{k}")
                what = f"accuracy {acc:.1%}" if acc is not None else f"MSE {m[f'test_loss/{k}']:.4g}"
                ratio = exp.grad_norm_ratio(k)
                parts.append(f"<b>{LABELS[k]}</b> {what}, ‖∂L/∂h₁‖/‖∂L/∂h_T‖ = {ratio:.2g}")
            mean = MEAN_MSE.get(exp.config.task)
            tail = f" (predicting the mean: {mean:.3f})" if mean else ""
            parts += [f"<i>{LABELS[k]}: {why}</i>" for k, why in exp.left_out.items()]
            self.summary.set_html(f"Step {frame.snapshot.step}, test{tail}:<br>" + "<br>".join(parts))

    def figures(self):
        return [self.loss_plot, self.test_plot, self.grad_plot, self.hidden, self.gate_plot]
