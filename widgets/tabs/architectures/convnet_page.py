"""Page 3: mini-VGG and a small ResNet on digits — cost and test accuracy with the earlier runs of
this page overlaid in their colours, the first layer's filters, one layer's feature maps for one
test digit, the confusion matrix, and a table of runs (parameters, time per step, accuracy)."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGridLayout, QTableWidget, QVBoxLayout, QWidget

from lab.experiments.convnets import ConvNetExperiment
from lab.export.images import tile_grid

from ...live_text import LiveText, fill_table
from ...plots import PALETTE, HeatmapPanel, ImagePanel, LiveCurves
from ..base import ExperimentTab

EXPLANATION = """
<p><b>Mini-VGG</b> (the seed's "VGG-7", after Simonyan & Zisserman): blocks of two 3×3 convolutions
with ReLU and a 2×2 max pool, then a fully-connected layer and softmax. <b>Small ResNet</b> (He et
al. 2016): a conv stem, basic residual blocks (conv-BN-ReLU-conv-BN plus the block's input; a
1×1 stride-2 projection where the size halves), global average pooling and softmax.</p>
<p><b>Stochastic depth</b> (Huang et al. 2016): while training, block l of L is skipped with
probability (l/L)(1 − p<sub>L</sub>) — the deeper, the more often — so the net trains as an ensemble
of shallower nets; at test time every block runs, scaled by its survival probability.</p>
<p><b>What to see.</b> The first layer's 3×3 filters turn into edge and stroke detectors; the
feature maps show which strokes of the test digit each channel answers to. Press Reset with
another preset: the finished run's curves stay on the plots, dashed, in their own colour, and
the table keeps its parameters, time per step and accuracy.</p>
<p>Data: MNIST-format IDX files (Ctrl+O, or found in the usual folders), else the built-in
scikit-learn digits resampled to 28×28.</p>
"""

MAX_RUNS = 6


def run_label(config):
    text = f"{config.architecture} {'-'.join(map(str, config.channels))}"
    if config.architecture == "resnet":
        text += f" ×{config.blocks}" + (f" SD p_L={config.survival_last:g}" if config.stochastic_depth else "")
    return text


class ConvNetTab(ExperimentTab):
    name = "convnet"
    experiment_cls = ConvNetExperiment
    explanation = EXPLANATION
    tab_title = "Mini-VGG & ResNet"
    show_previous_run = False  # this page keeps its last runs itself, each in its colour, with a table

    def build_views(self, area):
        g = QGridLayout(area)
        g.setContentsMargins(0, 0, 0, 0)
        self.cost_plot = LiveCurves("Test cost (each epoch)", {"test_cost": "this run"},
                                    "cross-entropy (nats, log scale)", log_y=True, markers=True)
        self.acc_plot = LiveCurves("Test accuracy (each epoch)", {"test_accuracy": "this run"},
                                   "fraction correct", markers=True)
        for p in (self.cost_plot, self.acc_plot):
            p.getPlotItem().setLabel("bottom", "step (minibatch)")
            p.legend = p.legend or p.getPlotItem().addLegend(offset=(-10, 10), labelTextColor="#222")
            p.getPlotItem().legend.addItem(p.curves[next(iter(p.curves))], "this run")
        self.filters = ImagePanel("First-layer filters (3×3)")
        self.maps = ImagePanel("Feature maps")
        self.probe = ImagePanel("The test digit")
        self.confusion = HeatmapPanel("Confusion matrix (test)", [str(i) for i in range(10)],
                                      x_label="predicted", y_label="true")
        self.confusion.image.setLookupTable(pg.ColorMap([0, 1], [(255, 255, 255), (31, 119, 180)]).getLookupTable())
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["run", "parameters", "ms / step", "epochs", "test accuracy"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setToolTip("This run and the earlier runs of this page (newest first)")
        self.probe_label = LiveText("–", lines=2)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.probe, 2)
        ll.addWidget(self.probe_label)
        g.addWidget(self.cost_plot, 0, 0)
        g.addWidget(self.acc_plot, 0, 1)
        g.addWidget(self.confusion, 0, 2)
        g.addWidget(self.filters, 1, 0)
        g.addWidget(self.maps, 1, 1)
        g.addWidget(left, 1, 2)
        g.addWidget(self.table, 2, 0, 1, 3)
        for col in range(3):
            g.setColumnStretch(col, 1)
        for w in (self.cost_plot, self.acc_plot, self.confusion):
            w.setMinimumHeight(320)  # the image panels would take the height otherwise
        g.setRowStretch(0, 5)
        g.setRowStretch(1, 3)
        g.setRowStretch(2, 1)
        self.runs = []            # finished runs: [label, params, ms, epochs, accuracy]
        self._current = None      # the run being drawn, as a row
        self._colour = 0

    def clear_views(self):
        if self._current is not None and any(b.n for b in self.acc_plot.buffers.values()):
            self._colour += 1
            colour = PALETTE[self._colour % len(PALETTE)]
            for p in (self.cost_plot, self.acc_plot):
                p.keep_as_reference(self._current[0], keep=MAX_RUNS, colour=colour)
            self.runs = [self._current, *self.runs][:MAX_RUNS]
        for p in (self.cost_plot, self.acc_plot):
            p.clear_data()
        exp = self.experiment
        self._current = [run_label(exp.config), f"{exp.n_params:,}", "–", "0", "–"]
        self.confusion.set_matrix(np.zeros((10, 10)), levels=(0, 1))
        self.filters.show_image(np.full((8, 8), 0.5, np.float32))
        self.maps.show_image(np.full((8, 8), 0.5, np.float32), f"Feature maps: {exp.shown_layer}")
        self.probe.show_image(exp.probe[0, 0])
        self.probe_label.set_html(f"test digit, true class {exp.split.y_test[0]}")
        self._fill_table()

    def _fill_table(self):
        fill_table(self.table, [self._current, *self.runs] if self._current else self.runs)

    def on_view_settings(self, names):
        """The feature layer only chooses what is shown: one test digit's forward (a few ms)."""
        exp = self.experiment
        self._draw_preview(exp.preview_arrays(), exp.shown_layer)

    def draw(self, frame):
        self.cost_plot.append_rows(frame.rows)
        yield
        self.acc_plot.append_rows(frame.rows)
        yield
        a = frame.snapshot.arrays
        if "filters" in a:
            self._draw_preview(a, frame.snapshot.text.get("layer", ""))
            yield
        if "confusion" in a:
            self.confusion.set_matrix(a["confusion"], levels=(0, float(a["confusion"].max()) or 1.0))
            yield
        m = frame.snapshot.metrics
        if self._current is not None:
            self._current[2] = f"{m['ms_per_step']:.0f}"
            self._current[3] = f"{m['epoch']:.2f}"
            e = self.latest_metrics(frame, "test_accuracy")
            if e is not None:
                self._current[4] = f"{e['test_accuracy']:.2%}"
            self._fill_table()

    def _draw_preview(self, a, layer):
        """The filters, the chosen layer's maps and the probe digit's prediction."""
        f = a["filters"]
        lo = f.min(axis=(1, 2), keepdims=True)
        span = np.maximum(f.max(axis=(1, 2), keepdims=True) - lo, 1e-12)
        self.filters.show_image(tile_grid((f - lo) / span, cols=min(8, len(f)), pad=1, pad_value=1.0))
        maps = a["maps"]
        mx = np.maximum(maps.max(axis=(1, 2), keepdims=True), 1e-12)
        self.maps.show_image(tile_grid(np.clip(maps / mx, 0, 1), cols=min(8, len(maps)), pad=1, pad_value=1.0),
                             f"Feature maps: {layer} ({len(maps)})")
        p = a["probe_probs"]
        self.probe_label.set_html(f"test digit, true class {self.experiment.split.y_test[0]}: "
                                  f"predicted {int(p.argmax())} ({p.max():.0%})")

    def figures(self):
        return [self.cost_plot, self.acc_plot, self.filters, self.maps, self.confusion]
