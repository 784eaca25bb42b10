"""Experiments: one object per tab, driven by the GUI, the command line, tests and benchmarks.

Every module (or package) in this folder except the protocol's own (``base``, ``registry``,
``checkpoints``) is an experiment module: importing it registers its experiment."""

from .base import Experiment, Snapshot
from .checkpoints import load_checkpoint, save_checkpoint
from .registry import EXPERIMENTS, get_experiment, register

_PROTOCOL = {"base", "registry", "checkpoints"}


def load_all():
    """Import every experiment module so the registry is complete."""
    import importlib
    import pkgutil

    for m in pkgutil.iter_modules(__path__):
        if m.name not in _PROTOCOL:
            importlib.import_module(f".{m.name}", __name__)


__all__ = ["EXPERIMENTS", "Experiment", "Snapshot", "get_experiment", "load_checkpoint", "register",
           "save_checkpoint", "load_all"]
