"""A set of same-size grayscale images with optional labels (MNIST or the built-in digits)."""

from dataclasses import dataclass

import numpy as np


@dataclass
class ImageSet:
    """images: (N, 28, 28) float32 in [0, 1]; labels: (N,) int64 or None; source: text for humans."""
    images: np.ndarray
    labels: np.ndarray | None
    source: str
