"""Training-time augmentation of image batches."""

import numpy as np


def random_shift(x, k, rng):
    """Translate each square image of the batch by its own random offset in [-k, k]^2 (zero fill),
    vectorised with a sliding-window view over the padded batch. x: (N, side*side) or
    (N, ..., side, side) -> the same shape."""
    shape = x.shape
    n = shape[0]
    side = int(round(np.sqrt(np.prod(shape[1:])))) if x.ndim == 2 else shape[-1]
    img = np.pad(x.reshape(n, side, side), ((0, 0), (k, k), (k, k)))
    windows = np.lib.stride_tricks.sliding_window_view(img, (side, side), axis=(1, 2))  # (n, 2k+1, 2k+1, s, s)
    dy, dx = rng.integers(0, 2 * k + 1, (2, n))
    return windows[np.arange(n), dy, dx].reshape(shape)
