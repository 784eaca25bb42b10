"""Page 4: the whitening classifier trained live: cost and accuracy per step and epoch, the
confusion matrix and misclassified test images."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from lab.export.images import tile_grid

from ...plots import HeatmapPanel, ImagePanel, LiveCurves


class ClassifierPage(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        g = QGridLayout(self)
        self.cost_plot = LiveCurves("Cost", {"batch_cost": "batch", "train_cost": "train (epoch)",
                                             "test_cost": "test (epoch)"}, "cross-entropy (nats)")
        self.acc_plot = LiveCurves("Accuracy", {"batch_accuracy": "batch", "train_accuracy": "train (epoch)",
                                                "test_accuracy": "test (epoch)"}, "fraction correct")
        self.acc_plot.fix_y_range(0, 1)
        for p in (self.cost_plot, self.acc_plot):
            p.getPlotItem().setLabel("bottom", "step (minibatch)")
            batch = next(k for k in p.curves if k.startswith("batch"))
            p.curves[batch].setPen(pg.mkPen("#c7c7c7", width=1))  # the noisy per-batch values stay in the back
            p.curves[batch].setZValue(-1)
            for key in ("train_cost", "test_cost", "train_accuracy", "test_accuracy"):
                if key in p.curves:
                    p.curves[key].setSymbol("o")
                    p.curves[key].setSymbolSize(5)
        self.confusion = HeatmapPanel("Confusion matrix (test)", [str(i) for i in range(10)],
                                      x_label="predicted", y_label="true")
        self.confusion.image.setLookupTable(pg.ColorMap([0, 1], [(255, 255, 255), (31, 119, 180)]).getLookupTable())
        self.wrong = ImagePanel("Misclassified test images")
        self.wrong_label = QLabel("true → predicted: –")
        self.wrong_label.setWordWrap(True)
        self.acc_label = QLabel("test accuracy: –")
        self.acc_label.setStyleSheet("font-weight: bold;")
        g.addWidget(self.cost_plot, 0, 0)
        g.addWidget(self.acc_plot, 0, 1)
        g.addWidget(self.confusion, 1, 0)
        w = QWidget()
        wl = QVBoxLayout(w)
        wl.setContentsMargins(0, 0, 0, 0)
        wl.addWidget(self.wrong, 1)
        wl.addWidget(self.wrong_label)
        wl.addWidget(self.acc_label)
        g.addWidget(w, 1, 1)

    @property
    def curves(self):
        return (self.cost_plot, self.acc_plot)

    def clear(self):
        self.confusion.set_matrix(np.zeros((10, 10)), levels=(0, 1))
        # a light placeholder, not a black strip, until the first epoch has test predictions
        self.wrong.show_image(np.full((28, 8 * 30 - 2), 0.92, np.float32), "Misclassified test images (after epoch 1)")
        self.wrong_label.setText("true → predicted: –")
        self.acc_label.setText("test accuracy: –")

    def draw(self, frame, epoch_metrics):
        """A worker frame; ``epoch_metrics``: the newest end-of-epoch metrics in it, or None."""
        self.cost_plot.append_rows(frame.rows)
        yield
        self.acc_plot.append_rows(frame.rows)
        yield
        a = frame.snapshot.arrays
        if "confusion" in a:
            self.confusion.set_matrix(a["confusion"], levels=(0, float(a["confusion"].max()) or 1.0))
            yield
            if len(a["misclassified"]):
                self.wrong.show_image(tile_grid(a["misclassified"], 8), "Misclassified test images")
                pairs = ", ".join(f"{t}→{p}" for t, p in zip(a["misclassified_true"], a["misclassified_pred"]))
                self.wrong_label.setText(f"true → predicted (row-major): {pairs}")
            else:
                self.wrong.show_image(np.full((28, 8 * 30 - 2), 0.92, np.float32), "No misclassified test images")
                self.wrong_label.setText("every test image is classified correctly")
        m = epoch_metrics
        if m is not None:
            self.acc_label.setText(f"epoch {m['epoch']:.0f}: test accuracy {m['test_accuracy']:.2%}, "
                                   f"train {m['train_accuracy']:.2%}")

    def figures(self):
        return [self.cost_plot, self.acc_plot, self.confusion, self.wrong]
