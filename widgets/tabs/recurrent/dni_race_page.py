"""Page 3: the seed's "DNI + Gaussian noise" race — backprop, DNI, and each with gradient noise, one
ConvLSTM GIF classifier from one initialisation: minibatch cost, test accuracy at each epoch's end,
the synthetic-gradient loss and its cosine with the true gradient, and a table of where each stands."""

import pyqtgraph as pg
from PySide6.QtWidgets import QGridLayout, QTableWidget

from lab.experiments.gif.race import CASES, DNIRaceExperiment

from ...live_text import LiveText, fill_table
from ...plots import PALETTE, LiveCurves
from ..base import ExperimentTab

EXPLANATION = """
<p>Four ways to train the GIF tab's ConvLSTM, started from <i>the same weights</i> on the same
minibatches: <b>backprop</b> through time; <b>DNI</b>, where each chunk of frames updates at once from a
predicted gradient for the state it hands on (the predictor learns from the gradient that arrives
later); and each of them with <b>annealed Gaussian gradient noise</b>, g + N(0, η/(1+t)<sup>0.55</sup>) —
for DNI on the layers' weights <i>and</i> on the synthetic-gradient models' weights.</p>
<p><b>What to see.</b> Whether the decoupled updates keep up with backprop, and whether the noise
helps or hurts either (the seed asked whether noise rescues DNI). Lower right: how well the
synthetic gradients point the way of the true ones (cosine 1: the same direction).</p>
<p>Seed: "Only Numpy: Decoupled Neural Interfaces + Gaussian noise" (J. D. Seo, 2018); Jaderberg et al.
2017; Neelakantan et al. 2015.</p>
"""

class DNIRaceTab(ExperimentTab):
    name = "dni-race"
    experiment_cls = DNIRaceExperiment
    explanation = EXPLANATION
    tab_title = "DNI and noise race"

    def build_views(self, area):
        g = QGridLayout(area)
        g.setContentsMargins(0, 0, 0, 0)
        self.cost_plot = LiveCurves("Training cost (minibatch)", {f"batch_cost/{c}": c for c in CASES},
                                    "cross-entropy (nats)")
        self.acc_plot = LiveCurves("Test accuracy (each epoch)", {f"test_accuracy/{c}": c for c in CASES},
                                   "fraction correct", markers=True)
        self.acc_plot.fix_y_range(0, 1)
        self.acc_plot.legend.anchor((1, 1), (1, 1), offset=(-10, -10))   # accuracy rises top right: legend below
        dni_cases = [c for c, (mode, _) in CASES.items() if mode == "dni"]
        self.sg_plot = LiveCurves("Synthetic-gradient loss", {f"sg_loss/{c}": c for c in dni_cases},
                                  "mean squared error", log_y=True)
        self.cos_plot = LiveCurves("Synthetic against true gradient", {f"sg_cosine/{c}": c for c in dni_cases},
                                   "cosine similarity", markers=True)
        self.cos_plot.fix_y_range(-1, 1)
        for p in (self.cost_plot, self.acc_plot, self.sg_plot, self.cos_plot):
            p.getPlotItem().setLabel("bottom", "step (minibatch)")
            for key, curve in p.curves.items():       # a case has one colour on every plot
                colour = PALETTE[list(CASES).index(key.split("/", 1)[1])]
                curve.setPen(pg.mkPen(colour, width=1.5))
                if curve.opts.get("symbol"):
                    curve.setSymbolBrush(colour)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["case", "test accuracy", "train accuracy", "test cost"])
        self.table.verticalHeader().setVisible(False)
        rows = len(CASES) + 1                                  # the header and one row per case, all in sight
        self.table.setFixedHeight(rows * self.table.verticalHeader().defaultSectionSize() + 8)
        self.summary = LiveText("–", lines=2)
        g.addWidget(self.cost_plot, 0, 0)
        g.addWidget(self.acc_plot, 0, 1)
        g.addWidget(self.sg_plot, 1, 0)
        g.addWidget(self.cos_plot, 1, 1)
        g.addWidget(self.table, 2, 0)
        g.addWidget(self.summary, 2, 1)
        g.setRowStretch(0, 1)
        g.setRowStretch(1, 1)

    def clear_views(self):
        self.restart_curves((self.cost_plot, self.acc_plot, self.sg_plot, self.cos_plot))
        self.table.setRowCount(0)
        exp = self.experiment
        self.summary.set_html(f"{len(exp.runs)} cases, one initialisation (seed {exp.config.seed}); "
                              f"{exp.total_steps} steps each; DNI chunk k = {exp.config.dni_k}, noise η = "
                              f"{exp.config.noise:g}")

    def draw(self, frame):
        for plot in (self.cost_plot, self.acc_plot, self.sg_plot, self.cos_plot):
            plot.append_rows(frame.rows)
            yield
        rows = frame.snapshot.tables.get("race")
        if rows:
            fill_table(self.table, [(row["case"], f"{row['test_accuracy']:.1%}", f"{row['train_accuracy']:.1%}",
                                     f"{row['test_cost']:.3f}") for row in rows])
            best = max(rows, key=lambda r: r["test_accuracy"])
            m = self.latest_metrics(frame, "test_accuracy/backprop")
            epoch = f"epoch {m['epoch']:.0f}: " if m else ""
            self.summary.set_html(f"{epoch}best on test: <b>{best['case']}</b> ({best['test_accuracy']:.1%})")

    def figures(self):
        return [self.cost_plot, self.acc_plot, self.sg_plot, self.cos_plot]
