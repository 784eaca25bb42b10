"""The "Optimisers & regularisation" tab: three pages, each an experiment tab of its own — the
optimizer race (with 2-D surfaces), L1/L2 losses x regularisation, online vs batch regression."""

from ..group import TabGroup
from .online_tab import OnlineTab
from .race_tab import RaceTab
from .regularization_tab import RegularizationTab


class OptimizersTab(TabGroup):
    name = "optimisers"
    tab_title = "Optimisers & regularisation"
    page_classes = (RaceTab, RegularizationTab, OnlineTab)
