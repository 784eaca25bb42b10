"""Bars drawn as one filled outline: x ± width/2 from 0 up to each height, a single path in its fill
colour. pyqtgraph's BarGraphItem paints through a QPicture, which its SVG exporter turns into merged
grey polygons; a filled curve exports as the same vector path, colour and all."""

import numpy as np
import pyqtgraph as pg


class Bars(pg.PlotCurveItem):
    def __init__(self, width=0.7, brush="#1f77b4", name=None):
        super().__init__([], [], pen=pg.mkPen(brush, width=1), brush=pg.mkBrush(brush), fillLevel=0.0, name=name)
        self.bar_width = float(width)
        self.x = np.zeros(0)
        self.heights = np.zeros(0)

    def set_bars(self, x, heights):
        """Bars at ``x`` with ``heights`` (arrays of one length); updates the one path in place."""
        x, h = np.asarray(x, float), np.asarray(heights, float)
        self.x, self.heights = x, h
        w, z = self.bar_width / 2, np.zeros_like(h)
        self.setData(np.stack([x - w, x - w, x + w, x + w], 1).ravel(), np.stack([z, h, h, z], 1).ravel())
