"""One tab per experiment. A tab module holds only what is particular to its views."""


def tab_classes():
    """(experiment name, tab class) in the order the main window shows them."""
    from .ct_tab import CTTab
    from .eigen_tab import EigenTab
    from .gan_tab import GANTab
    from .gif_tab import GIFTab
    return [("eigen", EigenTab), ("ct", CTTab), ("gan", GANTab), ("gif", GIFTab)]
