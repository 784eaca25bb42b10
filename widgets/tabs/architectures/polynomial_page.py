"""Page 1: residual nets are polynomials — the fits over the target at the chosen depth, error
against depth for every fit, the trained network written out as its polynomial beside the
Legendre projection's coefficients, loss curves and the results table."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QTableWidget, QVBoxLayout, QWidget

from lab.experiments.polynomial import DEPTHS, FITS, NETS, PolynomialExperiment

from ...live_text import LiveText, fill_table
from ...plots import PALETTE, LiveCurves
from ...plots.style import SteadyRange, cache_axes, style
from ..base import ExperimentTab

EXPLANATION = """
<p>Seed 001 reads a residual connection as a Taylor-like expansion. With the activation g(x) = x²
and no bias, a plain chain F<sub>n</sub> = (w<sub>n</sub>F<sub>n−1</sub>)² is one monomial
c·x^(2ⁿ); with a skip, F<sub>n</sub> = (w<sub>n</sub>F<sub>n−1</sub>)² + F<sub>n−1</sub>, it is a
full polynomial of degree 2ⁿ with every lower power present.</p>
<p><b>What to see.</b> The plain chain can only draw an even monomial: on sin 3x it stays flat.
The residual x² nets are polynomials, and the panel on the right writes the trained network out
as one (composed layer by layer with <code>numpy.polynomial</code>), checked against the network's
own output. The Legendre projection is the best polynomial of the same degree in this error
(RMSE over [−1, 1]), so an x² network can at best match it. The <i>width-k</i> chain has far more
weights than the polynomial has coefficients: its gap to Legendre is <b>training</b> (Adam stops
short of the optimum, and deeper chains are stiffer), not expressiveness. The <i>scalar</i> chain's
n + 3 weights reach only a thin family of polynomials: its gap is expressiveness too. The ReLU²
net is piecewise polynomial and can beat the single polynomial on |x| or a step.</p>
<p>Every depth 1…6 trains at once: the error-vs-depth plot is live. Chebyshev minimises a
weighted error (the ends count more), so it is close to, but above, Legendre in this one.</p>
<p><i>Try</i>: the <i>runge</i> preset, or type your own target (Target: expression).</p>
"""

FIT_LABELS = {"plain-x2": "plain x² chain", "residual-x2-scalar": "residual x² (scalar)",
              "residual-x2": "residual x² (width k)", "residual-relu2": "residual ReLU² (width k)",
              "legendre": "Legendre projection", "chebyshev": "Chebyshev projection"}


def polynomial_text(coef, digits=4, max_terms=12):
    """'y = 0.01 + 2.98 x − 4.4 x³ + …' from power-basis coefficients (tiny terms left out)."""
    scale = max(float(np.abs(coef).max()), 1e-300)
    terms = []
    for p, c in enumerate(coef):
        if abs(c) < 1e-9 * scale:
            continue
        x = "" if p == 0 else (" x" if p == 1 else f" x^{p}")
        terms.append((c, f"{abs(c):.{digits}g}{x}"))
    if not terms:
        return "y = 0"
    out = ("−" if terms[0][0] < 0 else "") + terms[0][1]
    for c, t in terms[1:max_terms]:
        out += (" − " if c < 0 else " + ") + t
    if len(terms) > max_terms:
        out += f" + … ({len(terms) - max_terms} more terms)"
    return "y = " + out


class PolynomialTab(ExperimentTab):
    name = "polynomial"
    experiment_cls = PolynomialExperiment
    explanation = EXPLANATION
    tab_title = "Residual = polynomial"

    def build_views(self, area):
        g = QGridLayout(area)
        g.setContentsMargins(0, 0, 0, 0)
        colours = {f: PALETTE[i] for i, f in enumerate(FITS)}
        self.fit_plot = pg.PlotWidget()
        pi = style(self.fit_plot, "Fits", "x", "y")
        pi.addLegend(offset=(10, 10), labelTextColor="#222")
        self.target_curve = pi.plot([], [], pen=pg.mkPen("#000", width=2.5), name="target")
        self.fits = {f: pi.plot([], [], name=FIT_LABELS[f], pen=pg.mkPen(
            colours[f], width=1.6, style=Qt.DashLine if f in ("legendre", "chebyshev") else Qt.SolidLine))
            for f in FITS}
        pi.setXRange(-1.02, 1.02, padding=0)
        self.fit_range = SteadyRange(pi)
        self.depth_plot = pg.PlotWidget()
        pi = style(self.depth_plot, "Error against depth", "depth n (degree 2ⁿ)", "RMSE over [−1, 1] (log scale)")
        pi.setLogMode(y=True)
        pi.showGrid(x=True, y=True, alpha=0.25)
        pi.addLegend(offset=(-10, -10), labelTextColor="#222")
        self.depth_curves = {f: pi.plot([], [], name=FIT_LABELS[f], pen=pg.mkPen(colours[f], width=1.5),
                                        symbol="o", symbolSize=6, symbolBrush=colours[f], symbolPen=None)
                             for f in FITS}
        pi.setXRange(0.8, 6.2, padding=0)
        self.depth_range = SteadyRange(pi, log=True)
        self.coef_plot = pg.PlotWidget()
        pi = style(self.coef_plot, "Written out: coefficient of xᵖ", "power p",
                   "coefficient")
        pi.addLegend(offset=(-10, 10), labelTextColor="#222")
        pi.showGrid(x=True, y=True, alpha=0.25)
        self.coef_items = {
            "legendre": pi.plot([], [], pen=None, symbol="s", symbolSize=11, symbolBrush=None,
                                symbolPen=pg.mkPen(colours["legendre"], width=2), name="Legendre projection"),
            "residual-x2": pi.plot([], [], pen=pg.mkPen(colours["residual-x2"], width=1), symbol="o",
                                   symbolSize=7, symbolBrush=colours["residual-x2"], symbolPen=None,
                                   name="residual x² net, expanded"),
            "residual-x2-scalar": pi.plot([], [], pen=None, symbol="t", symbolSize=8,
                                          symbolBrush=colours["residual-x2-scalar"], symbolPen=None,
                                          name="scalar residual x², expanded")}
        self.coef_range = SteadyRange(pi)
        for p in (self.fit_plot, self.depth_plot, self.coef_plot):
            cache_axes(p.getPlotItem())
        self.loss_plot = LiveCurves("Training loss at the shown depth",
                                    {f"loss/{f}": FIT_LABELS[f] for f in NETS}, "mean squared error", log_y=True)
        self.loss_plot.getPlotItem().setLabel("bottom", "step (full batch)")
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["fit", "degree", "RMSE", "× Legendre"])
        self.table.setToolTip("RMSE over [−1, 1] at the chosen depth, and as a multiple of the Legendre projection's "
                              "(the best any polynomial of that degree can do)")
        self.table.horizontalHeader().setStretchLastSection(True)
        side = QWidget()
        sl = QVBoxLayout(side)
        sl.setContentsMargins(0, 0, 0, 0)
        self.poly_label = LiveText("The trained residual x² net as a polynomial: –", lines=5)
        self.check_label = LiveText("expansion check: –", lines=2)
        sl.addWidget(self.table, 1)
        sl.addWidget(self.poly_label)
        sl.addWidget(self.check_label)
        g.addWidget(self.fit_plot, 0, 0)
        g.addWidget(self.depth_plot, 0, 1)
        g.addWidget(self.coef_plot, 0, 2)
        g.addWidget(self.loss_plot, 1, 0)
        g.addWidget(side, 1, 1, 1, 2)
        for col in range(3):
            g.setColumnStretch(col, 1)
        g.setRowStretch(0, 3)
        g.setRowStretch(1, 2)

    def clear_views(self):
        self.restart_curves((self.loss_plot,))
        exp = self.experiment
        self._rows, self._arrays, self._metrics, self._tables = [], {}, None, {}
        self._scale = float(np.max(np.abs(exp.f(exp.grid)))) or 1.0
        target = exp.f(exp.grid)
        self.target_curve.setData(exp.grid, target)
        for r in (self.fit_range, self.depth_range, self.coef_range):
            r.reset()
        self.fit_range.cover(target)
        for item in (*self.fits.values(), *self.depth_curves.values(), *self.coef_items.values()):
            item.setData([], [])
        self.table.setRowCount(0)
        self.poly_label.set_html("The trained residual x² net as a polynomial: –")
        self.check_label.set_html("expansion check: –")
        self._set_depth(exp.config.depth)

    def _set_depth(self, depth):
        self.view_depth = depth
        self.fit_plot.getPlotItem().setTitle(f"Fits at depth {depth} (degree {2 ** depth})")
        self.coef_plot.getPlotItem().setXRange(-0.5, 2 ** depth + 0.5, padding=0)
        self.coef_range.reset()
        self.loss_plot.clear_data()
        self.loss_plot.append_rows(self._loss_rows(self._rows))

    def _loss_rows(self, rows):
        """The chosen depth's losses under the plot's keys (every depth's are in the metrics)."""
        d = self.view_depth
        return [(s, {f"loss/{f}": m[f"loss_d{d}/{f}"] for f in NETS if f"loss_d{d}/{f}" in m}) for s, m in rows]

    def on_view_settings(self, names):
        """Depth only chooses what is shown (every depth trains): switch the views at once."""
        self._set_depth(self.experiment.config.depth)
        self._show()

    def draw(self, frame):
        self._rows.extend(frame.rows)
        self.loss_plot.append_rows(self._loss_rows(frame.rows))
        yield
        a = frame.snapshot.arrays
        if "fit_d1/legendre" not in a:
            return
        self._arrays = a
        self._tables = frame.snapshot.tables or self._tables
        self._metrics = self.latest_metrics(frame, "rmse_d1/legendre") or self._metrics
        yield from self._show_parts()

    def _show(self):
        """Draw the kept preview at the chosen depth."""
        for _ in self._show_parts():
            pass

    def _show_parts(self):
        """``_show`` a view at a time (a generator, for the paced frame)."""
        a, d, exp = self._arrays, self.view_depth, self.experiment
        if f"fit_d{d}/legendre" not in a:
            return
        for f in FITS:
            self.fits[f].setData(exp.grid, a[f"fit_d{d}/{f}"])
        self.fit_range.cover(*(np.clip(a[f"fit_d{d}/{f}"], -1e3, 1e3) for f in FITS))
        yield
        for k, item in self.coef_items.items():
            c = a[f"coef_d{d}/{k}"]
            item.setData(np.arange(len(c)), c)
        self.coef_range.cover(*(a[f"coef_d{d}/{k}"] for k in self.coef_items))
        yield
        m = self._metrics
        if m is not None:
            depths = np.array(list(DEPTHS), float)
            errors = {f: np.maximum([m[f"rmse_d{k}/{f}"] for k in DEPTHS], 1e-16) for f in FITS}
            for f in FITS:
                self.depth_curves[f].setData(depths, errors[f])
            self.depth_range.cover(*errors.values())
            yield
            err = m[f"expansion_error_d{d}"]
            ok = "reproduces" if err <= 1e-6 * self._scale else "does NOT reproduce"
            self.check_label.set_html(f"<b>expansion check: the polynomial {ok} the network "
                                      f"(max |net − polynomial| = {err:.2g}, output scale {self._scale:.3g})</b>")
        rows = self._tables.get(f"fits_d{d}")
        if rows:
            fill_table(self.table, [[FIT_LABELS[row["fit"]], str(row["degree"]), f"{row['rmse']:.3g}",
                                     f"{row['vs_legendre']:.3g}" + (f" (diverged at step {row['diverged_at']})"
                                                                    if row["diverged_at"] else "")] for row in rows])
        self.poly_label.set_html(f"<b>The trained residual x² net (width k, depth {d}) as a polynomial:</b><br>"
                                 + polynomial_text(a[f"coef_d{d}/residual-x2"]) + "<br><b>Legendre projection:</b><br>"
                                 + polynomial_text(a[f"coef_d{d}/legendre"]))

    def figures(self):
        return [self.fit_plot, self.depth_plot, self.coef_plot, self.loss_plot]
