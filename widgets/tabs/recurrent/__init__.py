"""The "Recurrent nets" tab: five recurrent cells side by side on a memory task, a spatial (2-D)
LSTM that reads a digit as a grid of patches, and backprop, DNI and gradient noise raced on one
ConvLSTM."""

from ..group import TabGroup
from .cells_page import RecurrentTab
from .dni_race_page import DNIRaceTab
from .spatial_page import SpatialLSTMTab


class RecurrentNetsTab(TabGroup):
    name = "recurrent-nets"
    tab_title = "Recurrent nets"
    page_classes = (RecurrentTab, SpatialLSTMTab, DNIRaceTab)
