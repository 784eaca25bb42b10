"""Built-in datasets that need no download."""

from functools import lru_cache

import numpy as np

from .mnist import ImageSet


@lru_cache(maxsize=1)
def _digits_28_arrays():
    from skimage.transform import resize
    from sklearn.datasets import load_digits

    d = load_digits()
    small = d.images.astype(np.float32) / 16.0  # (1797, 8, 8) in [0, 1]
    # MNIST puts each digit in a 20x20 box centred in 28x28: resize to 20x20, pad by 4.
    big = resize(small.transpose(1, 2, 0), (20, 20), order=1, anti_aliasing=False).transpose(2, 0, 1)
    images = np.zeros((len(small), 28, 28), np.float32)
    images[:, 4:24, 4:24] = np.clip(big, 0, 1)
    images.setflags(write=False)
    labels = d.target.astype(np.int64)
    labels.setflags(write=False)
    return images, labels


def digits_28():
    """scikit-learn's 1,797 bundled 8x8 digits, resampled to MNIST's 28x28 layout."""
    images, labels = _digits_28_arrays()
    return ImageSet(images, labels, "built-in: scikit-learn digits resampled to 28x28")


@lru_cache(maxsize=1)
def wine():
    """scikit-learn's bundled wine data: X (178, 13) float64, y (178,) cultivar 0..2, feature names."""
    from sklearn.datasets import load_wine

    d = load_wine()
    X = d.data.astype(np.float64)
    X.setflags(write=False)
    y = d.target.astype(np.int64)
    y.setflags(write=False)
    return X, y, list(d.feature_names)
