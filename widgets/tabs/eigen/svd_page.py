"""Page 2: a slider over how many singular values rebuild the data, with front/top/side
projections (drawn from an ``SVDView``)."""

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QSlider, QWidget

from lab.export.timelapse import FrameKeeper

from ...plots import ScatterPanel
from ...signals import signals_blocked


class SVDPage(QWidget):
    keep_changed = Signal(int)

    def __init__(self, class_names, parent=None):
        super().__init__(parent)
        g = QGridLayout(self)
        row = QHBoxLayout()
        self.keep = QSlider(Qt.Horizontal)
        self.keep.setRange(1, 2)
        self.keep.setValue(2)
        self.keep.setToolTip("How many singular values rebuild the data")
        self.keep.valueChanged.connect(self.keep_changed)
        self.keep_label = QLabel()
        row.addWidget(QLabel("Singular values kept"))
        row.addWidget(self.keep, 1)
        row.addWidget(self.keep_label)
        g.addLayout(row, 0, 0, 1, 3)
        self.views = [ScatterPanel(t, class_names, "", "") for t in ("front", "top", "side")]
        for i, v in enumerate(self.views):
            g.addWidget(v, 1, i)
        self.views[1].getPlotItem().setXLink(self.views[0].getPlotItem())  # front and top share x
        self.info = QLabel()
        self.info.setWordWrap(True)
        g.addWidget(self.info, 2, 0, 1, 3)
        self.timelapse = FrameKeeper(max_frames=64, label="singular values kept")  # the views as the slider moves

    def set_classes(self, class_names):
        for v in self.views:
            v.set_classes(class_names)

    def set_dims(self, d):
        """The slider's range for d attributes, all singular values kept."""
        with signals_blocked(self.keep):
            self.keep.setRange(1, d)
            self.keep.setValue(d)

    def show_view(self, v):
        """Draw a ``lab.decompositions.views.SVDView``."""
        three = v.dims == 3
        titles = ["front", "top", "side"]
        for i, panel in enumerate(self.views):
            panel.setVisible(i < len(v.pairs))
            if i < len(v.pairs):
                a, b = v.pairs[i]
                f = v.features
                panel.set_points(v.reconstruction[:, a], v.reconstruction[:, b], v.labels)
                panel.getPlotItem().setTitle(f"{titles[i]}: {f[a]} vs {f[b]}" if three else f"{f[a]} vs {f[b]}",
                                             color="#222", size="10pt")
                panel.getPlotItem().setLabel("bottom", f[a])
                panel.getPlotItem().setLabel("left", f[b])
        self.keep_label.setText(f"{v.keep} of {v.dims}")
        self._keep_frame(v.keep)
        self.info.setText(f"Singular values: {', '.join(f'{x:.3g}' for x in v.singular_values)} · kept {v.keep}: "
                          f"rebuilt data span {v.span} · RMS error {v.rms_error:.3g} · nearest-centroid accuracy "
                          f"{v.accuracy:.1%} (all kept: {v.accuracy_all:.1%})")

    def _keep_frame(self, keep):
        """The three views as they are now, for the timelapse (only when the page is on screen)."""
        if not self.isVisible() or (self.timelapse.frames and self.timelapse.frames[-1][0] == keep):
            return
        shown = [v for v in self.views if not v.isHidden()]
        imgs = [v.grab().toImage().convertToFormat(QImage.Format_RGB888) for v in shown]
        arrays = [np.array(im.constBits(), np.uint8).reshape(im.height(), im.bytesPerLine())[:, :im.width() * 3]
                  .reshape(im.height(), im.width(), 3) for im in imgs]
        h = min(a.shape[0] for a in arrays)
        self.timelapse.offer(keep, np.concatenate([a[:h] for a in arrays], axis=1), 0, 255)

    def figures(self):
        return [v for v in self.views if not v.isHidden()]
