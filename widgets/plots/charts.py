"""Bar charts and scatter plots updated in place."""

import numpy as np
import pyqtgraph as pg

from .bars import Bars
from .style import PALETTE, cache_axes, nice_ceiling, style


class BarPanel(pg.PlotWidget):
    """A bar chart updated in place (``setOpts``), e.g. classes found in a sample grid."""

    def __init__(self, title, categories, y_label, x_label, y_max=None, parent=None):
        super().__init__(parent=parent)
        pi = style(self, title, x_label, y_label)
        pi.getAxis("bottom").setTicks([[(i, str(c)) for i, c in enumerate(categories)]])
        self.x = np.arange(len(categories))
        self.bars = Bars(0.7, PALETTE[0], name=y_label)
        self.bars.set_bars(self.x, np.zeros(len(categories)))
        pi.addItem(self.bars)
        pi.setMouseEnabled(x=False, y=False)
        cache_axes(pi)
        self.y_max = y_max
        self._top = None
        if y_max:
            pi.setYRange(0, y_max, padding=0.02)

    def set_values(self, values):
        self.bars.set_bars(self.x, values)
        top = self.y_max or nice_ceiling(max(1.0, float(np.max(values))))
        if top != self._top:
            self._top = top
            self.getPlotItem().setYRange(0, top, padding=0.02)


class ScatterPanel(pg.PlotWidget):
    """Points coloured by class (one ScatterPlotItem per class, created once) and up to
    ``n_arrows`` arrows (eigenvectors), with a legend and labelled axes."""

    def __init__(self, title, class_names, x_label, y_label, n_arrows=0, parent=None):
        super().__init__(parent=parent)
        pi = style(self, title, x_label, y_label, "10pt")
        pi.showGrid(x=True, y=True, alpha=0.2)
        pi.addLegend(offset=(10, 10), labelTextColor="#222")
        self.scatters = []
        self.set_classes(class_names)
        self.arrows = []
        for i in range(n_arrows):
            pen = pg.mkPen("#000" if i == 0 else "#666", width=2.5)
            line = pi.plot([], [], pen=pen, name=f"e{i + 1}")
            head = pg.ArrowItem(angle=0, headLen=14, tipAngle=30, brush="#000" if i == 0 else "#666", pen=None)
            label = pg.TextItem(color="#000" if i == 0 else "#555", anchor=(0, 1))
            pi.addItem(head)
            pi.addItem(label)
            self.arrows.append((line, head, label))

    def set_classes(self, class_names):
        """One scatter item per class; re-made only when the data's classes change."""
        pi = self.getPlotItem()
        for s in self.scatters:
            pi.removeItem(s)
        self.scatters = [pg.ScatterPlotItem(size=6, pen=None, brush=pg.mkBrush(PALETTE[i % len(PALETTE)]),
                                            name=str(name)) for i, name in enumerate(class_names)]
        for s in self.scatters:
            pi.addItem(s)

    def set_points(self, x, y, labels):
        for c, s in enumerate(self.scatters):
            m = labels == c
            s.setData(x[m], y[m])

    def set_arrows(self, arrows):
        """arrows: [(x0, y0, x1, y1, text)]"""
        for (line, head, label), (x0, y0, x1, y1, text) in zip(self.arrows, arrows):
            line.setData([x0, x1], [y0, y1])
            head.setPos(x1, y1)
            # ArrowItem's angle is in screen degrees; y grows upwards in data but downwards on screen
            head.setStyle(angle=180 - np.degrees(np.arctan2(y1 - y0, x1 - x0)))
            label.setText(text)
            label.setPos(x1, y1)


class BeforeAfterBars(pg.PlotWidget):
    """Two bars per item: a reference value (grey, e.g. before training) and the current one."""

    def __init__(self, title, y_label, x_label, ref_name="before training", cur_name="now", parent=None):
        super().__init__(parent=parent)
        pi = style(self, title, x_label, y_label, "10pt")
        pi.addLegend(offset=(10, 10), labelTextColor="#222")
        pi.setMouseEnabled(x=False, y=False)
        pi.setYRange(0, 1.3, padding=0.02)  # headroom for the legend
        cache_axes(pi)
        self.ref = Bars(0.38, "#b0b0b0", name=ref_name)
        self.cur = Bars(0.38, PALETTE[0], name=cur_name)
        pi.addItem(self.ref)
        pi.addItem(self.cur)
        self.n = None

    def set_values(self, ref, cur, labels=None):
        x = np.arange(len(cur), dtype=float)
        self.ref.set_bars(x - 0.2, ref)
        self.cur.set_bars(x + 0.2, cur)
        if self.n != len(cur):
            self.n = len(cur)
            step = max(1, len(cur) // 12)
            ax = self.getPlotItem().getAxis("bottom")
            ax.setTicks([[(i, (labels[i] if labels else str(i))[:10]) for i in range(0, len(cur), step)]])
            self.getPlotItem().setXRange(-0.7, len(cur) - 0.3, padding=0)
