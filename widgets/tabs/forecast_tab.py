"""Forecast risk tab: each month model's fit over the history (density and Q–Q), P(target) per
model settling with its 95 % interval as samples stream in, the histogram of simulated year
totals against the target, a fan chart of cumulative sales through the year, and the table."""

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QTableWidget, QVBoxLayout, \
    QWidget

from lab.experiments.forecast import FAN_QUANTILES, ForecastExperiment
from lab.stats.month_models import MODEL_NAMES

from ..live_text import LiveText, fill_table
from ..plots import PALETTE, BandCurves
from ..plots.style import SteadyRange, cache_axes, style
from .base import ExperimentTab

EXPLANATION = """
<p><b>The question.</b> With the year's sales so far (year to date) and a yearly target, how likely
is the target? Each model of a month is fitted to the history; the remaining months are drawn
from it many times, and P(target) is the share of simulated years at or above the target. Its 95 %
interval, p ± 1.96 √(p(1−p)/n), narrows as 1/√n: watch it settle to see when enough samples
were drawn.</p>
<p><b>The models.</b> <i>normal</i>: maximum likelihood. <i>truncated-normal</i>: the same, cut to
the history's [min, max] (the article's option A: 26.75 %). <i>johnson</i>: a Johnson SU/SB/SL
curve fitted by four quantiles in closed form (Slifker–Shapiro; the family chosen by the quantile
ratio mn/p²; the article's option B, 33.2 %, used R's JohnsonFit, Wheeler's five-quantile variant,
so the answers differ by a little, as they do for different z). <i>bootstrap</i>: past months drawn
at random. <i>seasonal</i>: each calendar month from its own history with a linear trend — every
other model treats October like June, which is the article's blind spot: compare its answer.</p>
<p><i>Try</i>: the <i>seed-2015</i> preset on the article's series (File ▸ Open data), raise the
samples to 100,000, change Johnson z, or switch the seasonal trend off.</p>
<p>Seed: "One simple way for CFOs to manage forecast uncertainties using Monte Carlo and R"
(T. Gaillard, 2018); Slifker & Shapiro, Technometrics 22 (1980).</p>
"""


def _color(i, alpha=255):
    c = QColor(PALETTE[i % len(PALETTE)])
    c.setAlpha(alpha)
    return c


class ForecastTab(ExperimentTab):
    name = "forecast"
    experiment_cls = ForecastExperiment
    explanation = EXPLANATION

    def build_views(self, area):
        g = QGridLayout(area)
        g.setContentsMargins(0, 0, 0, 0)
        labels = {n: n for n in MODEL_NAMES}
        # fits: density over the history's histogram, and Q-Q
        self.fit_plot = pg.PlotWidget()
        pi = style(self.fit_plot, "A month: history and each model's fit", "monthly value (units)",
                   "density (per unit)")
        pi.getAxis("left").enableAutoSIPrefix(False)
        pi.addLegend(offset=(10, 10), labelTextColor="#222")
        self.hist_curve = pi.plot([], [], stepMode="center", fillLevel=0, brush=(200, 200, 200, 160),
                                  pen=pg.mkPen("#888"), name="history")
        self.pdf_curves = {n: pi.plot([], [], pen=pg.mkPen(_color(i), width=2), name=labels[n])
                           for i, n in enumerate(MODEL_NAMES)}
        self.qq_plot = pg.PlotWidget()
        pi = style(self.qq_plot, "Q–Q: model quantiles against the history", "observed month (units, sorted)",
                   "model quantile (units)")
        pi.addLegend(offset=(10, 10), labelTextColor="#222")
        self.qq_line = pi.plot([], [], pen=pg.mkPen("#444", width=1, style=Qt.DashLine), name="y = x")
        self.qq_points = {n: pi.plot([], [], pen=None, symbol="o", symbolSize=4, symbolBrush=_color(i),
                                     symbolPen=None, name=labels[n]) for i, n in enumerate(MODEL_NAMES)}
        # convergence of P(target)
        self.p_plot = BandCurves("P(target), 95 % interval shaded",
                                 {f"p/{n}": (n, f"ci_low/{n}", f"ci_high/{n}") for n in MODEL_NAMES},
                                 "P(year total ≥ target)", "simulated years per model")
        self.p_plot.getPlotItem().setLimits(yMin=-0.02, yMax=1.02)
        # totals histogram
        self.totals_plot = pg.PlotWidget()
        pi = style(self.totals_plot, "Simulated year totals", "year total (units)", "simulated years")
        pi.addLegend(offset=(10, 10), labelTextColor="#222")
        self.total_curves = {n: pi.plot([], [], stepMode="center", pen=pg.mkPen(_color(i), width=1.5),
                                        name=labels[n]) for i, n in enumerate(MODEL_NAMES)}
        self.target_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#000", width=2), label="target",
                                           labelOpts={"position": 0.92, "color": "#000"})
        pi.addItem(self.target_line)
        cache_axes(pi)
        self.totals_range = SteadyRange(pi, headroom=1.0)  # the counts keep growing: re-range rarely
        # fan chart
        fan = QWidget()
        fl = QVBoxLayout(fan)
        fl.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("Fan chart of"))
        self.fan_model = QComboBox()
        self.fan_model.addItems(list(MODEL_NAMES))
        self.fan_model.setToolTip("Which model's simulated months the fan chart shows")
        self.fan_model.currentTextChanged.connect(lambda _t: self._draw_fan())
        row.addWidget(self.fan_model)
        row.addStretch(1)
        fl.addLayout(row)
        self.fan_plot = pg.PlotWidget()
        pi = style(self.fan_plot, "Cumulative sales through the year", "month (1 = January)", "cumulative units")
        pi.addLegend(offset=(-10, -10), labelTextColor="#222")
        self.fan_actual = pi.plot([], [], pen=pg.mkPen("#000", width=2), symbol="o", symbolSize=5, name="actual")
        self.fan_lines = [pi.plot([], [], pen=pg.mkPen(PALETTE[0], width=1 if q != 0.5 else 2),
                                  name=f"{int(100 * q)} % quantile") for q in FAN_QUANTILES]
        self.fan_fills = []
        for outer, inner, alpha in ((0, 4, 40), (1, 3, 70)):
            fill = pg.FillBetweenItem(self.fan_lines[outer], self.fan_lines[inner], brush=_color(0, alpha))
            pi.addItem(fill)
            self.fan_fills.append((fill, alpha))
        self.fan_target = pg.InfiniteLine(angle=0, pen=pg.mkPen("#d62728", width=1.5, style=Qt.DashLine),
                                          label="target", labelOpts={"position": 0.05, "color": "#d62728", "anchors": [(0, 1), (0, 1)]})
        pi.addItem(self.fan_target)
        self.fan_range = SteadyRange(pi)
        cache_axes(pi)
        fl.addWidget(self.fan_plot)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["model", "P(target)", "95 % interval"])
        self.table.setToolTip("The answer so far for each model; a Stop at any time leaves these valid")
        self.table.horizontalHeader().setStretchLastSection(True)
        # what each model fitted, under the table: as a fourth column it sat behind a scroll bar
        self.fitted = LiveText(lines=2 * len(MODEL_NAMES) + 1)   # a fit may take two lines
        self.fitted.setToolTip("What each model fitted to the history")
        answers = QWidget()
        al = QVBoxLayout(answers)
        al.setContentsMargins(0, 0, 0, 0)
        al.addWidget(self.table, 1)
        al.addWidget(self.fitted)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        g.addWidget(self.fit_plot, 0, 0)
        g.addWidget(self.qq_plot, 1, 0)
        g.addWidget(self.p_plot, 0, 1)
        g.addWidget(self.totals_plot, 1, 1)
        g.addWidget(fan, 0, 2)
        g.addWidget(answers, 1, 2)
        g.addWidget(self.summary, 2, 0, 1, 3)
        self._fan = {}

    # ------------------------------------------------------------------ drawing
    def clear_views(self):
        exp = self.experiment
        self.p_plot.clear_data()
        for c in (*self.total_curves.values(), *self.fan_lines):
            c.setData([], [])
        self._fan = {}
        self.table.setRowCount(0)
        self.fitted.set_html("")
        self.totals_range.reset()
        self.fan_range.reset()
        fits = exp.fits()
        self._draw_fits(fits)
        c = exp.config
        self.target_line.setValue(c.target)
        self.fan_target.setValue(c.target)
        actual = exp.actual_cumulative()
        self.fan_actual.setData(np.arange(1, len(actual) + 1), actual)
        self.fan_plot.getPlotItem().setXRange(0.5, 12.5, padding=0)
        drawn = ", ".join(f"{y}-{m:02d}" for y, m in exp.future)
        self.summary.setText(f"{len(exp.history)} months of history to {c.last_month} · year to date {exp.ytd:.4g} · "
                             f"target {c.target:g} (needs {c.target - exp.ytd:.4g} more) · drawn: {drawn} · "
                             f"{c.samples:,} simulated years per model")

    def _draw_fits(self, a):
        self.hist_curve.setData(a["hist_edges"], a["hist_counts"])
        for n, c in self.pdf_curves.items():
            c.setData(a["grid"], a[f"pdf/{n}"])
        h = a["history_sorted"]
        self.qq_line.setData([h[0], h[-1]], [h[0], h[-1]])
        for n, c in self.qq_points.items():
            c.setData(h, a[f"qq/{n}"])

    def draw(self, frame):
        yield from self.p_plot.append_rows(frame.rows, "samples")
        a = frame.snapshot.arrays
        edges = a.get("totals_edges")
        if edges is not None:
            for n, c in self.total_curves.items():
                c.setData(edges, a[f"totals_hist/{n}"])
            self.totals_range.cover(0, *(a[f"totals_hist/{n}"] for n in self.total_curves))
            yield
        self._fan = {n: a[f"fan/{n}"] for n in MODEL_NAMES if f"fan/{n}" in a}
        self._draw_fan()
        yield
        rows = frame.snapshot.tables.get("probabilities")
        if rows:
            fill_table(self.table, [[row["model"], f"{100 * row['p_target']:.2f} %",
                                     f"{100 * row['ci_low']:.2f} – {100 * row['ci_high']:.2f} %"]
                                    for row in rows], tips=[row["fit"] for row in rows])
            self.fitted.set_html("<b>Fitted</b><br>" + "<br>".join(
                f"<span style='color:{_color(MODEL_NAMES.index(row['model'])).name()}'>■</span> "
                f"{html.escape(row['model'])}: {html.escape(row['fit'])}" for row in rows if row["model"] in MODEL_NAMES))

    def _draw_fan(self):
        qs = self._fan.get(self.fan_model.currentText())
        exp = self.experiment
        if qs is None or exp is None or not qs.shape[1]:
            return
        last = exp.last[1]
        actual = exp.actual_cumulative()  # the fan's quantiles come in the snapshot; none computed here
        x = np.arange(last, last + qs.shape[1] + 1)
        i = MODEL_NAMES.index(self.fan_model.currentText())
        for line, q in zip(self.fan_lines, qs):
            line.setData(x, np.concatenate([[actual[-1]], q]))
        self.fan_range.cover(actual, qs, [self.experiment.config.target])
        if getattr(self, "_fan_colour", None) != i:  # restyle only when the model changes: a new pen redraws all
            self._fan_colour = i
            for line in self.fan_lines:
                line.setPen(pg.mkPen(_color(i), width=2 if line is self.fan_lines[2] else 1))
            for fill, alpha in self.fan_fills:
                fill.setBrush(_color(i, alpha))

    def figures(self):
        return [self.fit_plot, self.qq_plot, self.p_plot, self.totals_plot, self.fan_plot]
