"""What every plot in the app shares: the palette, white background with title and axis
labels, cached axes, and "nice" axis limits."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False)  # NumPy images display as they are

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


def style(plot_widget, title, x_label="", y_label="", title_size="11pt"):
    """White background, a title and axis labels: every plot in the app looks alike."""
    plot_widget.export_name = title
    plot_widget.setBackground("w")
    pi = plot_widget.getPlotItem()
    pi.setTitle(title, color="#222", size=title_size)
    pi.setLabel("bottom", x_label)
    pi.setLabel("left", y_label)
    return pi


def cache_axes(plot_item):
    """Paint each axis (with its grid lines) from a pixmap cache: a curve update then repaints
    the axes by a blit instead of replaying every tick and label."""
    for name in ("left", "bottom", "right", "top"):
        plot_item.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def nice_ceiling(x):
    """Smallest of 1, 2, 5 x 10^k that is >= x."""
    k = 10 ** np.floor(np.log10(x))
    for m in (1, 2, 5, 10):
        if m * k >= x:
            return float(m * k)
    return float(10 * k)


def diverging_lut():
    """Blue - white - red lookup table for signed matrices (symmetric levels around 0)."""
    cmap = pg.ColorMap([0.0, 0.5, 1.0], [(33, 102, 172), (247, 247, 247), (178, 24, 43)])
    return cmap.getLookupTable(0.0, 1.0, 256)
