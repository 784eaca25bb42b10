"""Image panels: one image in a locked-aspect view, and matrices as coloured cells."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPen

from .style import diverging_lut, style


class _DragViewBox(pg.ViewBox):
    """A view box that reports drags (dx, dy in screen pixels) instead of panning, e.g. for
    window/level: the way radiology viewers let you drag the contrast."""

    def __init__(self, on_drag, **kw):
        super().__init__(**kw)
        self.on_drag = on_drag

    def mouseDragEvent(self, ev, axis=None):
        if ev.button() not in (Qt.LeftButton, Qt.RightButton):
            ev.ignore()
            return
        ev.accept()
        d = ev.screenPos() - ev.lastScreenPos()
        self.on_drag(float(d.x()), float(d.y()))


class ImagePanel(pg.GraphicsLayoutWidget):
    """One image (gray or RGB) in a locked-aspect view with a title; ``show_image`` only calls
    ``setImage`` with fixed levels, so the view never jumps. The title changes only when its
    text does (a changed label re-lays out the scene: keep per-step text elsewhere)."""

    def __init__(self, title, levels=(0.0, 1.0), parent=None, on_drag=None):
        super().__init__(parent=parent)
        self.export_name = title
        self.setBackground("w")
        self.title = self.addLabel(title, color="#222", size="11pt")
        self.nextRow()
        if on_drag is None:
            self.view = self.addViewBox(lockAspect=True, invertY=True, enableMouse=False)
        else:
            self.view = _DragViewBox(on_drag, lockAspect=True, invertY=True, enableMouse=True)
            self.addItem(self.view)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.view.addItem(self.image)
        self.levels = levels
        self.current = None

    def show_image(self, img, title=None):
        shape_changed = self.current is None or self.current.shape[:2] != img.shape[:2]
        self.current = img
        self.image.setImage(img, autoLevels=False, levels=self.levels)
        if title is not None and title != self.title.text:
            self.title.setText(title)
        if shape_changed:
            self.view.autoRange(padding=0.01)


class CellNumbers(pg.GraphicsObject):
    """The numbers written in a matrix's cells (row-major, cell (i, j) spans [j, j+1] x [i, i+1]),
    all drawn by this one item at the view's font size. A TextItem per cell cost ~0.4 ms to create
    and lay out (a 10 x 10 matrix: 40 ms of the first tab's first paint) and each changed number
    was laid out again."""

    def __init__(self, colour="#000"):
        super().__init__()
        self.texts, self.shape = [], (0, 0)
        self._pen = QPen(QColor(colour))

    def set_cells(self, texts, shape):
        if texts == self.texts and shape == self.shape:
            return
        if shape != self.shape:
            self.prepareGeometryChange()
        self.texts, self.shape = list(texts), shape
        self.update()

    def boundingRect(self):
        n, m = self.shape
        return QRectF(0, 0, m, n)

    def paint(self, p, *args):
        if not self.texts:
            return
        m = self.shape[1]
        t = p.transform()                          # data -> device; the text is drawn unscaled
        w, h = abs(t.m11()) + abs(t.m21()), abs(t.m22()) + abs(t.m12())
        p.save()
        p.resetTransform()
        p.setPen(self._pen)
        for k, text in enumerate(self.texts):
            i, j = divmod(k, m)
            c = t.map(QPointF(j + 0.5, i + 0.5))
            p.drawText(QRectF(c.x() - w / 2, c.y() - h / 2, w, h), Qt.AlignCenter | Qt.TextDontClip, text)
        p.restore()


class HeatmapPanel(pg.PlotWidget):
    """A matrix as coloured cells with a signed colour scale; small matrices get their values
    written in and their rows/columns labelled. ``set_matrix`` reuses the items."""

    def __init__(self, title, labels=None, annotate_max=13, parent=None, x_label="", y_label=""):
        super().__init__(parent=parent)
        pi = style(self, title, x_label, y_label, "10pt")
        pi.invertY(True)
        pi.setAspectLocked(True)
        pi.setMouseEnabled(x=False, y=False)
        pi.hideButtons()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(diverging_lut())
        pi.addItem(self.image)
        self.labels = labels
        self.annotate_max = annotate_max
        self.numbers = CellNumbers()
        pi.addItem(self.numbers)
        self.current = None
        self.levels = (-1.0, 1.0)

    def set_matrix(self, M, scale=None, labels=None, levels=None):
        """Colour levels: ``levels`` when given, else symmetric +-scale (default: max |M|)."""
        M = np.asarray(M, float)
        s = scale or float(np.abs(M).max()) or 1.0
        self.levels = levels or (-s, s)
        reshaped = self.current is None or self.current.shape != M.shape
        self.current = M
        self.image.setImage(M, autoLevels=False, levels=self.levels)
        pi = self.getPlotItem()
        n, m = M.shape
        labels = labels or self.labels
        if labels and len(labels) == n:
            ticks = [(i + 0.5, lab[:14]) for i, lab in enumerate(labels)]
            pi.getAxis("left").setTicks([ticks])
            pi.getAxis("bottom").setTicks([ticks])
        annotate = max(n, m) <= self.annotate_max
        self.numbers.set_cells([f"{v:.3g}" for v in M.ravel()] if annotate else [], (n, m))
        if reshaped:                                     # ranging again re-lays out the axes: only when it changes
            pi.setRange(xRange=(0, m), yRange=(0, n), padding=0.02)
