"""The optimizer race (``race``: twelve optimizers on one network from one initialisation) and
the 2-D test surfaces their trajectories are drawn on (``surfaces``)."""

from .race import RUNS, RaceConfig, RaceExperiment

__all__ = ["RUNS", "RaceConfig", "RaceExperiment"]
