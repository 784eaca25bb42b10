"""LSTM GIF classifier tab: the frames being fed with the hidden state and gates, cost and
accuracy (a second run overlaid: BPTT against DNI), and per-GIF predictions before training
beside the current ones."""

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from lab.experiments.gif import GIFExperiment
from lab.export.images import tile_grid

from ..plots import BeforeAfterBars, ImagePanel, LiveCurves
from .base import ExperimentTab

EXPLANATION = """
<p>A <b>convolutional LSTM</b> reads N frames of each GIF. At every frame t the four gates are
convolutions over the frame and the previous hidden state:
i, f, o = σ(W<sub>x</sub>∗x<sub>t</sub> + W<sub>h</sub>∗h<sub>t−1</sub> + b), g = tanh(…),
c<sub>t</sub> = f·c<sub>t−1</sub> + i·g, h<sub>t</sub> = o·tanh(c<sub>t</sub>). The last hidden state,
pooled, feeds a fully-connected head.</p>
<p><b>BPTT</b> backpropagates the cost through every frame and updates once per minibatch.
<b>DNI</b> (decoupled neural interfaces) cuts the frames into chunks of <i>k</i>; at each chunk's end a
small convolutional model predicts the gradient of the cost with respect to the whole recurrent state
(h and c of every layer) from that state and, when <i>Conditional SG</i> is on, the label. The chunk
backpropagates that synthetic gradient through its own frames and updates the layers at once; the
predictor learns from the gradient the next chunk delivers (bootstrapped through time). Every 10 steps
the true gradient is computed on the side: the cosine plot says how well the predictions point.</p>
<p>The built-in GIFs show a shape (disk, square, triangle, ring or cross) crossing the frame either
horizontally or vertically, either way: any single frame is just a shape somewhere, so only the
motion — the sequence — tells the classes apart (top left: two GIFs of each class, frames left to right). The bars show each test GIF's
probability of its true class before training (grey) and now (the seed's point: confidence grows as
the features are learnt).</p>
<p><i>Try</i>: run with Training = bptt, press Reset, choose dni and run again: both cost curves stay on
one plot.</p>
<p>Seed: "Decoupled convolutional LSTM to classify puppy GIFs and baby GIFs" (J. D. Seo, 2018);
Shi et al. 2015 (ConvLSTM); Jaderberg et al. 2017 (synthetic gradients).</p>
"""


MAX_SHOWN_BOUNDARIES = 7   # DNI boundaries drawn one by one (all of them are in the CSV)


class GIFTab(ExperimentTab):
    name = "gif"
    experiment_cls = GIFExperiment
    explanation = EXPLANATION

    def build_views(self, area):
        g = QGridLayout(area)
        g.setContentsMargins(0, 0, 0, 0)
        self.classes_view = ImagePanel("The classes: two GIFs each, frames t →")
        self.frames_view = ImagePanel("Frames fed to the LSTM (t →)")
        self.hidden_view = ImagePanel("Hidden state h_t (mean over channels)", levels=(-0.5, 0.5))
        self.gates_view = ImagePanel("Gates at the last frame: input · forget · output")
        for v, tip in ((self.frames_view, "The frames of the first GIF of the minibatch being trained on"),
                       (self.hidden_view, "The ConvLSTM's hidden state after each frame, averaged over channels"),
                       (self.gates_view, "Mean input, forget and output gate activations (0 black, 1 white)")):
            v.setToolTip(tip)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.classes_view, 2)
        ll.addWidget(self.frames_view, 1)
        ll.addWidget(self.hidden_view, 1)
        ll.addWidget(self.gates_view, 1)
        self.cost_plot = LiveCurves("Cost", {"batch_cost": "batch", "train_cost": "train (epoch's batches)",
                                             "test_cost": "test (epoch)", "sg_loss": "synthetic-gradient loss"},
                                    "cost (nats) / SG loss, log scale", log_y=True)  # SG loss spikes 1e3 x the cost
        self.cost_plot.curves["batch_cost"].setPen(pg.mkPen("#c7c7c7", width=1))
        self.cost_plot.curves["batch_cost"].setZValue(-1)
        self.acc_plot = LiveCurves("Accuracy", {"train_accuracy": "train (epoch's batches)", "test_accuracy": "test"},
                                   "fraction correct")
        self.acc_plot.fix_y_range(0, 1)
        self.acc_plot.legend.anchor((1, 1), (1, 1), offset=(-10, -10))   # accuracy rises top right: legend below
        self.cos_plot = LiveCurves("DNI: synthetic vs true gradient", {
            "sg_cosine": "mean", **{f"sg_cosine/t{t}": f"at frame {t}" for t in range(1, MAX_SHOWN_BOUNDARIES + 1)}},
            "cosine similarity", markers=True)
        self.cos_plot.fix_y_range(-1, 1)
        self.cos_plot.setToolTip("Every 10 steps the true gradient of the state at each chunk boundary is computed "
                                 "on the side (full BPTT) and compared with the synthetic one: 1 = same direction")
        for p in (self.cost_plot, self.acc_plot, self.cos_plot):
            p.getPlotItem().setLabel("bottom", "step (minibatch)")
        middle = QWidget()
        ml = QHBoxLayout(middle)
        ml.setContentsMargins(0, 0, 0, 0)
        ml.addWidget(self.acc_plot, 1)
        ml.addWidget(self.cos_plot, 1)
        self.bars = BeforeAfterBars("Test GIFs: probability of the true class", "probability", "test GIF")
        self.bars.setToolTip("Grey: before training; blue: now")
        self.summary = QLabel("press Start: the model has not seen a GIF yet")
        self.summary.setWordWrap(True)
        g.addWidget(left, 0, 0, 3, 1)
        g.addWidget(self.cost_plot, 0, 1)
        g.addWidget(middle, 1, 1)
        g.addWidget(self.bars, 2, 1)
        g.addWidget(self.summary, 3, 0, 1, 2)
        g.setColumnStretch(0, 2)
        g.setColumnStretch(1, 3)

    def clear_views(self):
        self.restart_curves((self.cost_plot, self.acc_plot, self.cos_plot))
        exp = self.experiment
        if exp is not None:  # BPTT has no synthetic-gradient loss or cosine to draw or name
            dni = exp.config.mode == "dni"
            self.cost_plot.show_series("sg_loss", dni)
            self.cos_plot.setVisible(dni)
            shown = set(exp.dni.boundaries[:MAX_SHOWN_BOUNDARIES])
            for t in range(1, MAX_SHOWN_BOUNDARIES + 1):
                self.cos_plot.show_series(f"sg_cosine/t{t}", dni and t in shown)
        for v in (self.frames_view, self.hidden_view, self.gates_view):
            v.current = None
        if exp is not None:
            tiles, rows = exp.class_examples(2)
            if len(tiles):
                self.classes_view.show_image(tile_grid(tiles, exp.config.frames),
                                             "The classes, top to bottom: " + ", ".join(dict.fromkeys(rows)))
                self.classes_view.setToolTip("Rows: " + ", ".join(rows) + ". Each row is one training GIF, "
                                             "its frames left to right")
            y = exp.y[exp.test_idx]
            before = exp.before[np.arange(len(y)), y] if len(y) else np.zeros(0)
            self.bars.set_values(before, before)
            self.bars.setToolTip("Grey: before training; blue: now. Test GIFs: " +
                                 ", ".join(f"{i}: {Path(f).name}" for i, f in enumerate(exp.test_files[:60])))
            T, s = exp.config.frames, exp.config.size
            self.frames_view.show_image(np.zeros((s, T * (s + 2) - 2), np.float32))
            self.hidden_view.show_image(np.zeros((s, T * (s + 2) - 2), np.float32))
            n_gates = 3 if exp.config.cell == "convlstm" else 1
            self.gates_view.show_image(np.zeros((s, n_gates * (s + 2) - 2), np.float32),
                                       "Gates at the last frame: input · forget · output" if n_gates == 3 else
                                       "Update gate u at the last frame (1: keep the state)")
            self.summary.setText(f"{len(exp.train_idx)} training and {len(exp.test_idx)} test GIFs in classes "
                                 f"{', '.join(exp.classes)} · {exp.config.mode.upper()}"
                                 + (f" · skipped: {len(exp.data.skipped)} files" if exp.data.skipped else "")
                                 + (" · " + "; ".join(exp.data.notes) if exp.data.notes else ""))

    def draw(self, frame):
        for plot in (self.cost_plot, self.acc_plot, self.cos_plot):
            plot.append_rows(frame.rows)
            yield
        a = frame.snapshot.arrays
        if "frames" in a:
            T = len(a["frames"])
            self.frames_view.show_image(tile_grid(a["frames"], T))
            yield
            scale = max(float(np.abs(a["hidden"]).max()), 1e-6)
            self.hidden_view.levels = (-scale, scale)
            self.hidden_view.show_image(tile_grid(a["hidden"], T))
            yield
            self.gates_view.show_image(tile_grid(a["gates"], len(a["gates"])))
            yield
        m = self.latest_metrics(frame, "train_accuracy")
        if m is not None and "test_probs" in a:
            exp = self.experiment
            y = exp.y[exp.test_idx]
            idx = np.arange(len(y))
            self.bars.set_values(a["before_probs"][idx, y], a["test_probs"][idx, y])
            self.summary.setText(f"epoch {m['epoch']:.0f} · {frame.snapshot.text.get('mode', '').upper()} · "
                                 f"test accuracy {m.get('test_accuracy', float('nan')):.1%} · train "
                                 f"{m['train_accuracy']:.1%} · mean P(true class) on test: "
                                 f"{a['before_probs'][idx, y].mean():.2f} before → {a['test_probs'][idx, y].mean():.2f}")

    def figures(self):
        dni = self.experiment is not None and self.experiment.config.mode == "dni"
        return [self.classes_view, self.frames_view, self.hidden_view, self.gates_view, self.cost_plot, self.acc_plot,
                *([self.cos_plot] if dni else []), self.bars]
