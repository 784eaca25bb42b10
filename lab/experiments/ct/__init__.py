"""The CT denoising experiment: ``slices`` (data, split, noise, patches), ``denoisers`` (the
models behind one interface), ``experiment`` (the protocol object)."""

from .experiment import CTConfig, CTExperiment

__all__ = ["CTConfig", "CTExperiment"]
