"""Live plot pieces every tab uses. Items are created once and updated with ``setData`` /
``setImage`` (pyqtgraph's scrollingPlots / VideoSpeedTest pattern); nothing is re-created
per frame."""

from .charts import BarPanel, BeforeAfterBars, ScatterPanel
from .curves import BandCurves
from .live_curves import LiveCurves
from .images import HeatmapPanel, ImagePanel
from .style import PALETTE, diverging_lut

__all__ = ["BarPanel", "BeforeAfterBars", "ScatterPanel", "BandCurves", "LiveCurves", "HeatmapPanel", "ImagePanel",
           "PALETTE", "diverging_lut"]
