"""The LSTM GIF classifier experiment: ``experiment`` (the protocol object), ``dni`` (training
with synthetic gradients) and ``race`` (backprop, DNI and gradient noise raced on one network)."""

from .experiment import GIFConfig, GIFExperiment
from .race import DNIRaceConfig, DNIRaceExperiment

__all__ = ["GIFConfig", "GIFExperiment", "DNIRaceConfig", "DNIRaceExperiment"]
