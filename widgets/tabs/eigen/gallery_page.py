"""Page 3: 100 images centred, standardised, PCA- and ZCA-whitened, each with its histogram and
covariance (drawn from a ``GalleryView``, computed off the GUI thread)."""

import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from lab.decompositions.gallery import TRANSFORMS

from ...plots import PALETTE, diverging_lut


class GalleryPage(QWidget):
    axis_changed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        v = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(QLabel("Statistics"))
        self.axis_box = QComboBox()
        self.axis_box.addItems(["per dimension", "per example"])
        self.axis_box.setToolTip("Per dimension: each pixel over the 100 images; per example: each image "
                                 "over its pixels")
        self.axis_box.currentIndexChanged.connect(lambda _i: self.axis_changed.emit(self.axis))
        row.addWidget(self.axis_box)
        self.info = QLabel("computing…")
        self.info.setWordWrap(True)
        row.addWidget(self.info, 1)
        v.addLayout(row)
        self.gallery = pg.GraphicsLayoutWidget()
        self.gallery.setBackground("w")
        self.gallery.export_name = "Whitening gallery"
        self.images, self.hists, self.covs = [], [], []
        for c, name in enumerate(TRANSFORMS):
            self.gallery.addLabel(name, row=0, col=c, color="#222", size="9pt")
            vb = self.gallery.addViewBox(row=1, col=c, lockAspect=True, invertY=True, enableMouse=False)
            img = pg.ImageItem(axisOrder="row-major")
            vb.addItem(img)
            self.images.append((vb, img))
            hp = self.gallery.addPlot(row=2, col=c)
            hp.setLabel("bottom", "value")
            hp.setLabel("left", "pixels" if c == 0 else "")
            hp.setMouseEnabled(x=False, y=False)
            curve = hp.plot([], [], stepMode="center", fillLevel=0, brush=PALETTE[0], pen=None)
            self.hists.append((hp, curve))
            cv = self.gallery.addViewBox(row=3, col=c, lockAspect=True, invertY=True, enableMouse=False)
            cimg = pg.ImageItem(axisOrder="row-major")
            cimg.setLookupTable(diverging_lut())
            cv.addItem(cimg)
            self.covs.append((cv, cimg))
        self.gallery.addLabel("24 of the 100 images · histogram of values · covariance (blue < 0 < red); "
                              "PCA-whitened rows are eigen-coordinates, not pixels",
                              row=4, col=0, colspan=len(TRANSFORMS), color="#555", size="9pt")
        v.addWidget(self.gallery, 1)

    @property
    def axis(self):
        return "dimension" if self.axis_box.currentIndex() == 0 else "example"

    def show_view(self, view):
        """Draw a ``lab.decompositions.views.GalleryView``."""
        for c, col in enumerate(view.columns):
            vb, img = self.images[c]
            img.setImage(col.tiles, autoLevels=False, levels=(0, 1))
            vb.autoRange(padding=0.01)
            self.hists[c][1].setData(col.hist_edges, col.hist_counts)
            cv, cimg = self.covs[c]
            cimg.setImage(col.covariance, autoLevels=False, levels=(-col.cov_scale, col.cov_scale))
            cv.autoRange(padding=0.01)
        self.info.setText(view.info)
