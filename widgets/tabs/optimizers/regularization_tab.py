"""Page 2: L1/L2 losses x L1/L2 regularisation — six fits over the noisy points (outliers
marked), each case's sum |W| and weight histogram, loss curves and the results table."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QTableWidget

from lab.experiments.regularization import CASES, RegularizationExperiment

from ...live_text import fill_table
from ...plots import PALETTE, BarPanel, LiveCurves
from ...plots.style import SteadyRange, style
from ..base import ExperimentTab

EXPLANATION = """
<p>One regression network (1 → 100 → 104 → 200 → 1, arctan activations) and one initialisation,
trained six ways on the same noisy points with outliers: the L1 loss |y − ŷ| or the L2 loss
(y − ŷ)²/2, each alone, with an L1 penalty λ Σ|W| or an L2 penalty λ/2 Σ W².</p>
<p><b>What to see.</b> The penalised nets keep far smaller weights (Σ|W| bars); the L1 penalty
piles weights up at zero (the spike in the histogram), the L2 penalty shrinks them all. The L1
loss gives an outlier a pull of 1 however far it is, the L2 loss a pull proportional to its
distance: the L1-loss fits stay on the clean curve (test RMSE against the curve, not the points).</p>
<p>|x| has no derivative at 0; we use its subgradient sign(x), which is 0 at 0. The seed article
"broke the rule" and used a non-zero value there.</p>
<p><i>Try</i>: the <i>no-outliers</i> preset (the L1 loss loses its edge), or <i>strong-penalty</i>.</p>
<p>Seed: "Only Numpy: Implementing L1/L2 norm/regularization" (J. D. Seo, 2018).</p>
"""


class RegularizationTab(ExperimentTab):
    name = "regularization"
    experiment_cls = RegularizationExperiment
    explanation = EXPLANATION
    tab_title = "L1/L2 regularisation"

    def build_views(self, area):
        g = QGridLayout(area)
        g.setContentsMargins(0, 0, 0, 0)
        self.fit_plot = pg.PlotWidget()
        pi = style(self.fit_plot, "Six fits to the same points", "x", "y")
        pi.addLegend(offset=(10, 10), labelTextColor="#222", colCount=2)
        self.points = pi.plot([], [], pen=None, symbol="o", symbolSize=4, symbolBrush=(120, 120, 120, 160),
                              symbolPen=None, name="points")
        self.outlier_points = pi.plot([], [], pen=None, symbol="x", symbolSize=9, symbolBrush="#d62728",
                                      symbolPen=pg.mkPen("#d62728"), name="outliers")
        self.clean_curve = pi.plot([], [], pen=pg.mkPen("#000", width=1.5, style=Qt.DashLine), name="clean curve")
        self.fits = {c: pi.plot([], [], pen=pg.mkPen(PALETTE[i], width=2), name=c) for i, c in enumerate(CASES)}
        # ranges set from the points (steady), not re-fitted to every frame's fits: each re-fit
        # re-ticked and re-laid out the plot; a fit far off the points leaves the view
        self.fit_ranges = (SteadyRange(pi, "x", margin=0.03), SteadyRange(pi, "y", margin=0.1))
        self.weights_bar = BarPanel("Σ|W| per case", [c.replace("reg", "") for c in CASES], "sum of |weights|",
                                    "loss + penalty")
        self.hist_plot = pg.PlotWidget()
        pi = style(self.hist_plot, "Weights (clipped to ±1)", "weight value", "weights (log scale)")
        pi.setLogMode(y=True)
        pi.addLegend(offset=(10, 10), labelTextColor="#222")
        edges = np.linspace(-1, 1, 81)
        self.hist_edges = edges
        self.hists = {c: pi.plot([], [], stepMode="center", pen=pg.mkPen(PALETTE[i], width=1.5), name=c)
                      for i, c in enumerate(CASES)}
        pi.setXRange(edges[0], edges[-1], padding=0.02)
        pi.enableAutoRange(axis="x", enable=False)
        self.hist_y = SteadyRange(pi, "y", log=True, margin=0.05, headroom=0.3)  # auto-range re-laid it out per frame
        self.loss_plot = LiveCurves("Loss on all training points", {f"full_loss/{c}": c for c in CASES},
                                    "mean |error| (l1) or error²/2 (l2)", log_y=True)
        self.loss_plot.getPlotItem().setLabel("bottom", "step (minibatch)")
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["case", "loss", "Σ|W|", "test RMSE (vs clean curve)"])
        self.table.setToolTip("Each case's loss on every training point, its sum of |weights| and its RMSE against "
                              "the clean curve (not the noisy points)")
        self.table.horizontalHeader().setStretchLastSection(True)
        g.addWidget(self.fit_plot, 0, 0, 1, 2)
        g.addWidget(self.weights_bar, 0, 2)
        g.addWidget(self.loss_plot, 1, 0)
        g.addWidget(self.hist_plot, 1, 1)
        g.addWidget(self.table, 1, 2)
        g.setRowStretch(0, 3)
        g.setRowStretch(1, 2)
        g.setColumnStretch(0, 2)
        g.setColumnStretch(1, 2)
        g.setColumnStretch(2, 2)

    def clear_views(self):
        self.restart_curves((self.loss_plot,))
        exp = self.experiment
        out = exp.outlier_idx
        self.points.setData(exp.x, exp.y)
        self.outlier_points.setData(exp.x[out], exp.y[out])
        self.clean_curve.setData(exp.grid, exp.clean)
        for r in (*self.fit_ranges, self.hist_y):
            r.reset()
        self.fit_ranges[0].cover(exp.x, exp.grid)
        self.fit_ranges[1].cover(exp.y, exp.clean)
        for c in CASES:
            self.fits[c].setData([], [])
            self.hists[c].setData([], [])
        self.weights_bar.set_values(np.zeros(len(CASES)))
        self.table.setRowCount(0)

    def draw(self, frame):
        self.loss_plot.append_rows(frame.rows)
        yield
        a = frame.snapshot.arrays
        if "fit/l1" not in a:
            return
        grid = self.experiment.grid
        for c in CASES:
            self.fits[c].setData(grid, a[f"fit/{c}"])
        yield
        counts = {c: np.maximum(a[f"weights_hist/{c}"], 0.5) for c in CASES}
        for c in CASES:
            self.hists[c].setData(self.hist_edges, counts[c])
        self.hist_y.cover(*counts.values())
        yield
        m = self.latest_metrics(frame, "sum_abs_w/l1")
        if m is not None:
            self.weights_bar.set_values([m[f"sum_abs_w/{c}"] for c in CASES])
            fill_table(self.table, [[c, f"{m[f'full_loss/{c}']:.4g}", f"{m[f'sum_abs_w/{c}']:.4g}",
                                     f"{m[f'test_rmse/{c}']:.4f}"] for c in CASES])

    def figures(self):
        return [self.fit_plot, self.weights_bar, self.hist_plot, self.loss_plot]
