"""The "Architectures" tab: residual nets read as polynomials, and why highway and residual
connections train deep nets (highway vs plain MLPs; mini-VGG and a small ResNet on digits)."""

from ..group import TabGroup
from .convnet_page import ConvNetTab
from .highway_page import HighwayTab
from .polynomial_page import PolynomialTab


class ArchitecturesTab(TabGroup):
    name = "architectures"
    tab_title = "Architectures"
    page_classes = (PolynomialTab, HighwayTab, ConvNetTab)
