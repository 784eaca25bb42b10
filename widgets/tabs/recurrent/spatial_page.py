"""Page 2: a spatial (2-D) LSTM on digits — cost and test accuracy, the test digit beside its state
maps after the scan (one small map per hidden unit), and the confusion matrix."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from lab.experiments.spatial_lstm import SpatialLSTMExperiment
from lab.export.images import tile_grid

from ...live_text import LiveText
from ...plots import HeatmapPanel, ImagePanel, LiveCurves
from ..base import ExperimentTab

EXPLANATION = """
<p>A <b>spatial (2-D) LSTM</b> (Graves, Fernández & Schmidhuber 2007): the digit is cut into p×p
patches and one LSTM cell per patch scans the grid row by row. Each cell reads its patch and the
hidden and cell states of the cells <b>above</b> and to the <b>left</b>, with a forget gate for each
direction: c = σ(f<sub>up</sub>)·c<sub>up</sub> + σ(f<sub>left</sub>)·c<sub>left</sub> + σ(i)·tanh(g),
h = σ(o)·tanh(c). So the last cell has seen the whole image. A softmax layer reads the mean of every
cell's output. Backward walks the grid in reverse; a cell's gradient comes from the cell below and
the cell to the right (gradient-checked like every layer).</p>
<p><b>What to see.</b> The state maps: one small map per hidden unit, the value of that unit at
every cell of the scan, for the test digit — units that follow strokes, and units that fill in as
the scan reaches the bottom right.</p>
"""


class SpatialLSTMTab(ExperimentTab):
    name = "spatial-lstm"
    experiment_cls = SpatialLSTMExperiment
    explanation = EXPLANATION
    tab_title = "Spatial LSTM"

    def build_views(self, area):
        g = QGridLayout(area)
        g.setContentsMargins(0, 0, 0, 0)
        self.cost_plot = LiveCurves("Cost", {"batch_cost": "minibatch", "test_cost": "test (each epoch)"},
                                    "cross-entropy (nats, log scale)", log_y=True)
        self.acc_plot = LiveCurves("Accuracy", {"batch_accuracy": "minibatch", "test_accuracy": "test (each epoch)"},
                                   "fraction correct")
        self.acc_plot.fix_y_range(0, 1)
        self.acc_plot.getPlotItem().legend.anchor((1, 1), (1, 1), offset=(-10, -10))   # accuracy rises top right
        for p, key in ((self.cost_plot, "test_cost"), (self.acc_plot, "test_accuracy")):
            p.getPlotItem().setLabel("bottom", "step (minibatch)")
            p.curves[key].setSymbol("o")                       # one point per epoch
            p.curves[key].setSymbolSize(6)
        self.probe = ImagePanel("The test digit")
        self.maps = ImagePanel("State maps after the scan")
        self.confusion = HeatmapPanel("Confusion matrix (test)", [str(i) for i in range(10)],
                                      x_label="predicted", y_label="true")
        self.confusion.image.setLookupTable(pg.ColorMap([0, 1], [(255, 255, 255), (31, 119, 180)]).getLookupTable())
        self.probe_label = LiveText("–", lines=2)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.probe, 1)
        ll.addWidget(self.probe_label)
        g.addWidget(self.cost_plot, 0, 0)
        g.addWidget(self.acc_plot, 0, 1)
        g.addWidget(self.confusion, 0, 2)
        g.addWidget(left, 1, 0)
        g.addWidget(self.maps, 1, 1, 1, 2)
        for col in range(3):
            g.setColumnStretch(col, 1)

    def clear_views(self):
        self.restart_curves((self.cost_plot, self.acc_plot))
        exp = self.experiment
        self.confusion.set_matrix(np.zeros((10, 10)), levels=(0, 1))
        self.probe.show_image(exp.probe[0, 0])
        self.maps.show_image(np.full((8, 8), 0.5, np.float32))
        side = exp.split.side // exp.config.patch
        self.probe_label.set_html(f"test digit, true class {exp.split.y_test[0]}; a {side}×{side} scan of "
                                  f"{exp.config.patch}×{exp.config.patch} patches")

    def draw(self, frame):
        self.cost_plot.append_rows(frame.rows)
        yield
        self.acc_plot.append_rows(frame.rows)
        yield
        a = frame.snapshot.arrays
        if "state_maps" in a:
            maps = a["state_maps"][:32]
            s = max(float(np.abs(maps).max()), 1e-6)
            self.maps.show_image(tile_grid((maps / s + 1) / 2, cols=8, pad=1, pad_value=1.0),
                                 f"State maps after the scan: {len(maps)} units (grey 0, white +, black −)")
            p = a["probe_probs"]
            self.probe_label.set_html(f"test digit, true class {self.experiment.split.y_test[0]}: "
                                      f"predicted {int(p.argmax())} ({p.max():.0%})")
            yield
        if "confusion" in a:
            self.confusion.set_matrix(a["confusion"], levels=(0, float(a["confusion"].max()) or 1.0))

    def figures(self):
        return [self.cost_plot, self.acc_plot, self.probe, self.maps, self.confusion]
