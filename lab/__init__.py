"""NumPy Lab engine: layers, optimizers, data loaders and experiments in NumPy.

This package never imports Qt or pyqtgraph: it runs headless from the command line,
tests and benchmarks, and the Qt application in ``widgets/`` drives the same objects.
"""

__version__ = "0.1.0"
