"""Experiments: one object per tab, driven by the GUI, the command line, tests and benchmarks."""

from .base import EXPERIMENTS, Experiment, Snapshot, get_experiment, load_checkpoint, register, save_checkpoint


def load_all():
    """Import every experiment module so the registry is complete."""
    from . import ct, eigen, gan, gif, zca  # noqa: F401


__all__ = ["EXPERIMENTS", "Experiment", "Snapshot", "get_experiment", "load_checkpoint", "register",
           "save_checkpoint", "load_all"]
