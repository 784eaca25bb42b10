"""GAN sample grid tab: the live grid from a fixed noise batch, a scrubber over kept grids,
a latent interpolation strip, loss / discriminator-output curves and the diversity readout."""

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QGridLayout, QHBoxLayout, QLabel, QSlider, QSpinBox, QVBoxLayout, QWidget

from lab.experiments.gan import GANExperiment
from lab.export.images import tile_grid

from ..plots import BarPanel, ImagePanel, LiveCurves
from ..signals import signals_blocked
from .base import ExperimentTab

EXPLANATION = """
<p>A <b>generator</b> G maps noise z, uniform in [−1, 1]<sup>100</sup>, to a 28×28 image; a
<b>discriminator</b> D scores an image as real (1) or generated (0). Each step updates D on a real and a
generated batch, then G through D (backpropagation into G(z)): both are MLPs with hand-written backward
passes and our own Adam.</p>
<p><b>Sample grid</b>: G applied to the same 64 noise vectors all run long, so you watch the same
"pen" learn. <b>D(x)</b> and <b>D(G(z))</b> are the mean probabilities D gives real and generated images;
near 0.5–0.7 is a healthy balance.</p>
<p><b>Diversity</b>: a separate digit classifier (our own MLP, trained on the same data) labels the 64
samples. The seed article's GAN collapsed so that "everything looks like a 3": that is the bar chart
turning into one tall bar and <i>classes found</i> dropping to 1.</p>
<p><i>Try</i>: the preset <b>seed-200-560</b> (the seed's saturating loss and extreme step decay) against
<b>default</b>; drag the scrubber to replay the grids; pick two samples for the interpolation strip.</p>
<p>Seed: "Only Numpy: Implementing GAN (General Adversarial Networks) and Adam Optimizer using Numpy with
Interactive Code" (J. D. Seo, 2018).</p>
"""


LIVE_TITLE = "Samples from the fixed noise batch"


class GANTab(ExperimentTab):
    name = "gan"
    experiment_cls = GANExperiment
    explanation = EXPLANATION

    def build_views(self, area):
        grid = QGridLayout(area)
        grid.setContentsMargins(0, 0, 0, 0)

        left = QVBoxLayout()
        self.grid_view = ImagePanel("Samples from the fixed noise batch")
        self.grid_view.setToolTip("G(z) for 64 fixed noise vectors z, refreshed as training runs")
        left.addWidget(self.grid_view, 5)
        srow = QHBoxLayout()
        self.follow = QCheckBox("Live")
        self.follow.setChecked(True)
        self.follow.setToolTip("Show the newest grid; untick (or drag the scrubber) to replay kept grids")
        self.follow.toggled.connect(self._on_follow)
        self.scrubber = QSlider(Qt.Horizontal)
        self.scrubber.setRange(0, 0)
        self.scrubber.setToolTip("Replay the grids kept during training")
        self.scrubber.valueChanged.connect(self._on_scrub)
        self.scrub_label = QLabel("kept grids: 0")
        self.scrub_label.setToolTip("The step of the grid shown live, and how many grids were kept")
        srow.addWidget(self.follow)
        srow.addWidget(self.scrubber, 1)
        left.addLayout(srow)
        left.addWidget(self.scrub_label)
        self.interp_view = ImagePanel("Latent interpolation 0 → 1")
        self.interp_view.setToolTip("G along the straight line between two of the fixed noise vectors")
        left.addWidget(self.interp_view, 1)
        irow = QHBoxLayout()
        irow.addWidget(QLabel("Interpolate from sample"))
        self.interp_a, self.interp_b = QSpinBox(), QSpinBox()
        for sb, v in ((self.interp_a, 0), (self.interp_b, 1)):
            sb.setRange(0, GANExperiment.grid_size - 1)
            sb.setValue(v)
            sb.setToolTip("Index in the sample grid (row-major, from 0 at the top left)")
            sb.valueChanged.connect(self._on_interp_pair)
        irow.addWidget(self.interp_a)
        irow.addWidget(QLabel("to"))
        irow.addWidget(self.interp_b)
        irow.addStretch(1)
        left.addLayout(irow)
        lw = QWidget()
        lw.setLayout(left)
        grid.addWidget(lw, 0, 0, 3, 1)

        self.loss_plot = LiveCurves("Loss", {"d_loss": "D loss", "g_loss": "G loss"}, "loss (cross-entropy, nats)")
        self.dout_plot = LiveCurves("Discriminator output", {"d_real": "D(x)", "d_fake": "D(G(z))"},
                                    "mean probability of 'real'")
        self.dout_plot.fix_y_range(0, 1)
        self.div_plot = LiveCurves("Diversity", {"classes_found": "classes found"}, "digit classes in the grid")
        self.div_plot.fix_y_range(0, 10.5)
        self.bars = BarPanel("Classes the judge sees", list(range(10)), "samples", "digit class",
                             y_max=GANExperiment.grid_size)
        self.div_label = QLabel("classes found: –")
        self.div_label.setToolTip("How many digit classes the separately trained classifier finds in the grid")
        grid.addWidget(self.loss_plot, 0, 1)
        grid.addWidget(self.dout_plot, 1, 1)
        dw = QWidget()
        dl = QHBoxLayout(dw)
        dl.setContentsMargins(0, 0, 0, 0)
        dl.addWidget(self.div_plot, 1)
        dl.addWidget(self.bars, 1)
        grid.addWidget(dw, 2, 1)
        grid.addWidget(self.div_label, 3, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        lw.setMinimumWidth(420)
        self._latest_grid = None

    # -------------------------------------------------------------------------- drawing
    def clear_views(self):
        self.restart_curves((self.loss_plot, self.dout_plot, self.div_plot))
        blank = np.zeros((8 * 30 - 2, 8 * 30 - 2), np.float32)
        self.grid_view.show_image(blank, LIVE_TITLE)
        self.interp_view.show_image(np.zeros((28, 10 * 30 - 2), np.float32), "Latent interpolation 0 → 1")
        self.bars.set_values(np.zeros(10))
        self.div_label.setText("classes found: –")
        with signals_blocked(self.scrubber):
            self.scrubber.setRange(0, 0)
        self.scrub_label.setText("kept grids: 0")
        self._latest_grid = None
        self.after_checkpoint_loaded()

    def draw(self, frame):
        snap = frame.snapshot
        for plot in (self.loss_plot, self.dout_plot, self.div_plot):
            plot.append_rows(frame.rows)
            yield
        a = snap.arrays
        if "grid" in a:
            self._latest_grid = (int(snap.text.get("grid_step", snap.step)), a["grid"])
            if self.follow.isChecked():
                self.grid_view.show_image(tile_grid(a["grid"], 8), LIVE_TITLE)
                yield
        if "interpolation" in a:
            i, j = self.experiment.interp_pair
            self.interp_view.show_image(tile_grid(a["interpolation"], len(a["interpolation"])),
                                        f"Latent interpolation {i} → {j}")
            yield
        if "class_counts" in a:
            self.bars.set_values(a["class_counts"])
            m = self.latest_metrics(frame, "classes_found")
            if m is not None:
                self.div_label.setText(f"classes found: {int(m['classes_found'])} of {len(a['class_counts'])} · "
                                       f"mean confidence {m['mean_confidence']:.2f} · {snap.text.get('judge', '')}")
        self._update_scrubber_range()

    def _update_scrubber_range(self):
        n = len(self.experiment.history)
        if n and self.scrubber.maximum() != n - 1:
            with signals_blocked(self.scrubber):
                self.scrubber.setRange(0, n - 1)
                if self.follow.isChecked():
                    self.scrubber.setValue(n - 1)
        live = f"live at step {self._latest_grid[0]} · " if self._latest_grid and self.follow.isChecked() else ""
        self.scrub_label.setText(f"{live}kept grids: {n}")

    def _on_scrub(self, idx):
        hist = self.experiment.history
        if not hist:
            return
        idx = min(idx, len(hist) - 1)
        with signals_blocked(self.follow):
            self.follow.setChecked(idx == len(hist) - 1 and self.follow.isChecked())
        step = self.experiment.history_steps[idx]
        self.grid_view.show_image(tile_grid(hist[idx].astype(np.float32) / 255, 8),
                                  f"Kept grid {idx + 1} of {len(hist)} · step {step}")

    def _on_follow(self, on):
        if on and self._latest_grid is not None:
            step, g = self._latest_grid
            self.grid_view.show_image(tile_grid(g, 8), LIVE_TITLE)
            self._update_scrubber_range()

    def _on_interp_pair(self):
        pair = (self.interp_a.value(), self.interp_b.value())
        self.experiment.interp_pair = pair
        if self.experiment.steps_done and not self.session.state == "running":
            with self.session.locked() as exp:
                strip = exp.interpolation()
            self.interp_view.show_image(tile_grid(strip, len(strip)), f"Latent interpolation {pair[0]} → {pair[1]}")

    def after_checkpoint_loaded(self):
        self.show_current_model()

    def on_run_halted(self):
        self.show_current_model()

    def show_current_model(self):
        """Draw the grid and strip of the model as it is now (after a pause, a stop or a load)."""
        exp = self.experiment
        if exp is None or not exp.steps_done:
            return
        with self.session.locked():
            grid, strip = exp.samples(), exp.interpolation()
        self._latest_grid = (exp.steps_done, grid)
        if self.follow.isChecked():
            self.grid_view.show_image(tile_grid(grid, 8), LIVE_TITLE)
        i, j = exp.interp_pair
        self.interp_view.show_image(tile_grid(strip, len(strip)), f"Latent interpolation {i} → {j}")
        self._update_scrubber_range()

    def figures(self):
        return [self.grid_view, self.interp_view, self.loss_plot, self.dout_plot, self.div_plot, self.bars]
