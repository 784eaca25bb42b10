"""The "Recurrent nets" tab: five recurrent cells side by side on a memory task, and a spatial (2-D)
LSTM that reads a digit as a grid of patches."""

from ..group import TabGroup
from .cells_page import RecurrentTab
from .spatial_page import SpatialLSTMTab


class RecurrentNetsTab(TabGroup):
    name = "recurrent-nets"
    tab_title = "Recurrent nets"
    page_classes = (RecurrentTab, SpatialLSTMTab)
