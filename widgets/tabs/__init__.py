"""One tab per experiment. A tab module holds only what is particular to its views.

``tab_classes`` is the one list of tabs: the main window shows them in this order, and each
class's ``name`` is how ``--tab NAME`` and ``MainWindow.tab_by_name`` find it."""


def tab_classes():
    """The tab classes in the order the main window shows them."""
    from .architectures import ArchitecturesTab
    from .ct_tab import CTTab
    from .eigen import EigenTab
    from .forecast_tab import ForecastTab
    from .gan_tab import GANTab
    from .gif_tab import GIFTab
    from .optimizers import OptimizersTab
    from .recurrent import RecurrentNetsTab
    return [EigenTab, CTTab, GANTab, GIFTab, OptimizersTab, ArchitecturesTab, RecurrentNetsTab, ForecastTab]
