"""Page 2: highway vs plain vs residual MLPs of one depth, width and initialisation, trained side
by side — cost and test accuracy, the gradient norm reaching each layer (vanishing gradients made
visible), the mean transform gate per layer, and the highway net's confusion matrix."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from lab.experiments.highway import HighwayExperiment
from lab.nn.deep_mlp import KINDS

from ...live_text import LiveText
from ...plots import PALETTE, HeatmapPanel, LiveCurves
from ...plots.bars import Bars
from ...plots.style import SteadyRange, cache_axes, style
from ..base import ExperimentTab

EXPLANATION = """
<p>Three nets of the same depth, width, activation and initial weights, trained side by side on the
same minibatches: a <b>plain</b> MLP, a <b>highway</b> MLP (Srivastava, Greff & Schmidhuber 2015)
whose layers compute y = T(x)·H(x) + (1 − T(x))·x with a transform gate T = σ(xW<sub>T</sub> + b<sub>T</sub>),
b<sub>T</sub> initialised negative so each layer starts by carrying its input, and a <b>residual</b>
MLP (y = x + H(x)/√L).</p>
<p><b>What to see.</b> The gradient reaching the output h<sub>i</sub> of layer i of the plain net is
the product of the Jacobians of every layer above it: with variance-preserving (Xavier) weights and
ReLU it shrinks by about 1/√2 per layer, so in a 20-layer plain net the first layers get gradients
orders of magnitude smaller than the last (<i>Gradient reaching each layer</i>, log scale; dashed:
the first ten steps, solid: the recent ones), and the signal going up shrinks the same way: the net
learns slowly, from the top down, while the highway and residual nets pass the gradient through. The carry path of
the highway net and the identity of the residual net pass the gradient down unchanged, so every
layer learns. The gates open (T grows) where the net finds a layer worth using.</p>
<p><i>Try</i>: the <i>depth-50</i> preset (the plain net stops learning), <i>depth-5</i> (all three
train), or <i>he-init</i> (He weights keep a plain ReLU net alive longer).</p>
<p>Seeds: the Highway / VGG / ResNet systems of the source articles.</p>
"""

LABELS = {"plain": "plain", "highway": "highway", "residual": "residual"}


class HighwayTab(ExperimentTab):
    name = "highway"
    experiment_cls = HighwayExperiment
    explanation = EXPLANATION
    tab_title = "Highway vs plain"

    def build_views(self, area):
        g = QGridLayout(area)
        g.setContentsMargins(0, 0, 0, 0)
        self.cost_plot = LiveCurves("Batch cost", {f"batch_cost/{k}": LABELS[k] for k in KINDS},
                                    "cross-entropy (nats, log scale)", log_y=True)
        self.acc_plot = LiveCurves("Test accuracy (each epoch)", {f"test_accuracy/{k}": LABELS[k] for k in KINDS},
                                   "fraction correct", markers=True)
        self.acc_plot.fix_y_range(0, 1)
        for p in (self.cost_plot, self.acc_plot):
            p.getPlotItem().setLabel("bottom", "step (minibatch)")
        self.grad_plot = pg.PlotWidget()
        pi = style(self.grad_plot, "Gradient reaching each layer (‖∂ℓ/∂hᵢ‖ per example, recent steps)",
                   "layer (1 = first)",
                   "gradient norm (log scale)")
        pi.setLogMode(y=True)
        pi.showGrid(x=True, y=True, alpha=0.25)
        pi.addLegend(offset=(-10, -10), labelTextColor="#222", colCount=2)  # bottom right: the curves rise there
        self.grad_curves = {k: pi.plot([], [], name=LABELS[k], pen=pg.mkPen(PALETTE[i], width=2), symbol="o",
                                       symbolSize=4, symbolBrush=PALETTE[i], symbolPen=None)
                            for i, k in enumerate(KINDS)}
        self.grad_range = SteadyRange(pi, log=True)
        cache_axes(pi)
        self.start_curves = {k: pi.plot([], [], name=f"{LABELS[k]}, first 10 steps",
                                        pen=pg.mkPen(PALETTE[i], width=1.5, style=Qt.DashLine))
                             for i, k in enumerate(KINDS)}
        self.gate_plot = pg.PlotWidget()
        pi = style(self.gate_plot, "Highway gates: mean T per layer", "layer (1 = first)",
                   "mean T (0 = carry, 1 = transform)")
        pi.setYRange(0, 1, padding=0.02)
        self.gate_bars = Bars(0.7, PALETTE[1])
        pi.addItem(self.gate_bars)
        self.confusion = HeatmapPanel("Highway net: confusion matrix (test)", [str(i) for i in range(10)],
                                      x_label="predicted", y_label="true")
        self.confusion.image.setLookupTable(pg.ColorMap([0, 1], [(255, 255, 255), (214, 39, 40)]).getLookupTable())
        side = QWidget()
        sl = QVBoxLayout(side)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(self.confusion, 1)
        self.summary = LiveText("–", lines=3)
        sl.addWidget(self.summary)
        g.addWidget(self.cost_plot, 0, 0)
        g.addWidget(self.acc_plot, 0, 1)
        g.addWidget(side, 0, 2)
        g.addWidget(self.grad_plot, 1, 0, 1, 2)
        g.addWidget(self.gate_plot, 1, 2)
        for col in range(3):
            g.setColumnStretch(col, 1)

    def clear_views(self):
        self.restart_curves((self.cost_plot, self.acc_plot))
        exp = self.experiment
        for c in (*self.grad_curves.values(), *self.start_curves.values()):
            c.setData([], [])
        self.grad_range.reset()
        depth = exp.config.depth
        self.gate_bars.set_bars(np.arange(1, depth + 1), np.zeros(depth))
        self.gate_plot.getPlotItem().setXRange(0.3, depth + 0.7, padding=0)
        self.grad_plot.getPlotItem().setXRange(0.5, depth + 0.5, padding=0)
        self.confusion.set_matrix(np.zeros((10, 10)), levels=(0, 1))
        params = ", ".join(f"{k} {n.n_params:,}" for k, n in exp.nets.items())
        self.summary.set_html(f"{depth} layers of {exp.config.width} units ({exp.config.activation}, "
                             f"{exp.config.init} init). Parameters: {params}.")

    def draw(self, frame):
        self.cost_plot.append_rows(frame.rows)
        yield
        self.acc_plot.append_rows(frame.rows)
        yield
        a = frame.snapshot.arrays
        if "gates" in a:
            layers = np.arange(1, len(a["gates"]) + 1)
            self.gate_bars.set_bars(layers, a["gates"])
            yield
            for k, c in self.grad_curves.items():
                c.setData(layers, np.maximum(a[f"grad_norms/{k}"], 1e-30))
                if f"start_grad_norms/{k}" in a:
                    self.start_curves[k].setData(layers, np.maximum(a[f"start_grad_norms/{k}"], 1e-30))
            self.grad_range.cover(*(a[key] for key in a if "grad_norms/" in key))
            yield
        if "confusion" in a:
            self.confusion.set_matrix(a["confusion"], levels=(0, float(a["confusion"].max()) or 1.0))
            yield
        m = self.latest_metrics(frame, "test_accuracy/highway")
        if m is not None:
            accs = ", ".join(f"{k} {m[f'test_accuracy/{k}']:.2%}" for k in KINDS)
            exp = self.experiment
            self.summary.set_html(f"Epoch {m['epoch']:.0f}, test accuracy: {accs}. {exp.config.depth} layers of "
                                 f"{exp.config.width} units; parameters: "
                                 + ", ".join(f"{k} {n.n_params:,}" for k, n in exp.nets.items()) + ".")

    def figures(self):
        return [self.cost_plot, self.acc_plot, self.grad_plot, self.gate_plot, self.confusion]
