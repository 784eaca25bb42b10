"""Curves with an interval band, appended in place (``LiveCurves``, the plain live curves, are in
``live_curves``)."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

from .buffers import GrowBuffer
from .style import PALETTE, SteadyRange, cache_axes, style


class BandCurves(pg.PlotWidget):
    """Named estimates with an interval each, against a counter: a line per series and a band
    (``<key>`` for the line, ``low``/``high`` keys for the band), appended in place."""

    def __init__(self, title, series, y_label, x_label, parent=None):
        """series: key -> (label, low key, high key)."""
        super().__init__(parent=parent)
        pi = style(self, title, x_label, y_label)
        pi.getAxis("left").enableAutoSIPrefix(False)
        pi.showGrid(x=True, y=True, alpha=0.25)
        pi.addLegend(offset=(-10, 10), labelTextColor="#222")
        self.series = series
        self.curves, self.bands, self.buffers = {}, {}, {}
        for i, (key, (label, lo, hi)) in enumerate(series.items()):
            color = pg.mkColor(PALETTE[i % len(PALETTE)])
            self.curves[key] = pi.plot([], [], name=label, pen=pg.mkPen(color, width=2))
            edge = pg.mkPen(color, width=0.5)
            lo_c, hi_c = pi.plot([], [], pen=edge, name=f"{label}: 95 % low"), pi.plot([], [], pen=edge,
                                                                                       name=f"{label}: 95 % high")
            pi.legend.removeItem(lo_c)
            pi.legend.removeItem(hi_c)
            fill = QColor(color)
            fill.setAlpha(50)
            band = pg.FillBetweenItem(lo_c, hi_c, brush=fill)
            pi.addItem(band)
            self.bands[key] = (lo_c, hi_c, band)
            self.buffers[key] = (GrowBuffer(), GrowBuffer())  # (x, estimate), (low, high)
        cache_axes(pi)
        # the counter keeps growing and the intervals narrow: re-range in steps, not every frame
        self.x_range = SteadyRange(pi, "x", margin=0.02, headroom=1.0)
        self.y_range = SteadyRange(pi)

    def append_rows(self, rows, x_key):
        """rows: [(step, metrics)]; the x of each point is metrics[x_key]. A generator: it yields
        after each series it changed (a line, its band's two edges and the fill between them),
        so a paced draw gives the event loop a turn between series (``yield from``)."""
        for key, (_, lo, hi) in self.series.items():
            pts = [(m[x_key], m[key], m[lo], m[hi]) for _, m in rows if key in m and x_key in m]
            if not pts:
                continue
            xs, ys, los, his = map(np.asarray, zip(*pts))
            line, band = self.buffers[key]
            line.extend(xs, ys)
            band.extend(los, his)
            self.curves[key].setData(line.x[:line.n], line.y[:line.n])
            lo_c, hi_c, _ = self.bands[key]
            lo_c.blockSignals(True)   # the band re-traces its outline once, when its upper edge is set
            try:
                lo_c.setData(line.x[:line.n], band.x[:band.n])
            finally:
                lo_c.blockSignals(False)
            hi_c.setData(line.x[:line.n], band.y[:band.n])
            self.x_range.cover([0], xs)
            self.y_range.cover(los, his)
            yield

    def clear_data(self):
        self.x_range.reset()
        self.y_range.reset()
        for key, (line, band) in self.buffers.items():
            line.clear()
            band.clear()
            self.curves[key].setData([], [])
            for c in self.bands[key][:2]:
                c.setData([], [])
