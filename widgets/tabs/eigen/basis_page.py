"""Page 1: the data with its eigenvectors, the data in the eigenbasis, and our covariance and
correlation matrices beside NumPy's (drawn from a ``BasisView``)."""

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QWidget

from ...plots import HeatmapPanel, ScatterPanel


class BasisPage(QWidget):
    basis_changed = Signal(str)

    def __init__(self, class_names, parent=None):
        super().__init__(parent)
        g = QGridLayout(self)
        row = QHBoxLayout()
        row.addWidget(QLabel("Eigenbasis of the"))
        self.basis_box = QComboBox()
        self.basis_box.addItems(["covariance", "correlation"])
        self.basis_box.setToolTip("Covariance: raw units; correlation: the same for standardised attributes")
        self.basis_box.currentTextChanged.connect(self.basis_changed)
        row.addWidget(self.basis_box)
        row.addWidget(QLabel("matrix"))
        self.diff_label = QLabel()
        self.diff_label.setToolTip("Largest difference between our matrices and NumPy's")
        row.addStretch(1)
        row.addWidget(self.diff_label)
        g.addLayout(row, 0, 0, 1, 4)
        self.scatter = ScatterPanel("Data and its eigenvectors", class_names, "", "", n_arrows=2)
        self.scatter.getPlotItem().setAspectLocked(True)
        self.projection = ScatterPanel("The data in the eigenbasis", class_names, "coordinate on e1",
                                       "coordinate on e2")
        self.projection.getPlotItem().setAspectLocked(True)
        self.heat = {k: HeatmapPanel(t) for k, t in (("cov", "covariance (ours)"), ("cov_diff", "ours − np.cov"),
                                                     ("corr", "correlation (ours)"),
                                                     ("corr_diff", "ours − np.corrcoef"))}
        g.addWidget(self.scatter, 1, 0, 2, 2)
        g.addWidget(self.projection, 1, 2, 2, 2)
        for i, k in enumerate(("cov", "cov_diff", "corr", "corr_diff")):
            g.addWidget(self.heat[k], 3, i)
        g.setRowStretch(1, 3)
        g.setRowStretch(3, 2)

    @property
    def basis(self):
        return self.basis_box.currentText()

    def set_classes(self, class_names):
        for v in (self.scatter, self.projection):
            v.set_classes(class_names)

    def show_view(self, v, three_d=False):
        """Draw a ``lab.decompositions.views.BasisView``."""
        pi = self.scatter.getPlotItem()
        pi.setTitle("Data and its eigenvectors" + (" (seen along the third attribute)" if three_d else ""),
                    color="#222", size="10pt")
        pi.setLabel("bottom", v.axis_labels[0])
        pi.setLabel("left", v.axis_labels[1])
        self.scatter.set_points(v.data[:, 0], v.data[:, 1], v.labels)
        self.scatter.set_arrows(v.arrows)
        self.projection.set_points(v.projection[:, 0], v.projection[:, 1], v.labels)
        for k, M, ref in (("cov", v.covariance, v.np_cov), ("corr", v.correlation, v.np_corrcoef)):
            self.heat[k].set_matrix(M, labels=v.matrix_labels)
            self.heat[f"{k}_diff"].set_matrix(M - ref, scale=max(float(abs(M - ref).max()), 1e-300),
                                              labels=v.matrix_labels)
        self.diff_label.setText(f"largest |ours − NumPy|: covariance {v.cov_difference:.1e}, "
                                f"correlation {v.corr_difference:.1e}")

    def figures(self):
        return [self.scatter, self.projection, *self.heat.values()]
