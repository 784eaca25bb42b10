"""The LSTM GIF classifier experiment: ``experiment`` (the protocol object) and ``dni`` (training
with synthetic gradients)."""

from .experiment import GIFConfig, GIFExperiment

__all__ = ["GIFConfig", "GIFExperiment"]
