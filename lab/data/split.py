"""The train/test split every digits experiment uses: one permutation drawn from the seed alone,
so the same seed gives the same split in every tab, run and sweep."""

import numpy as np

from ..errors import DataError


def split_images(data, n_train, n_test, seed):
    """data: an ImageSet with labels -> x_train (n, H, W), y_train, x_test, y_test (float32, int64).
    n_train is capped so that at least max(1, min(n_test, N/5)) images remain for testing."""
    if data.labels is None:
        raise DataError(f"{data.source}: a classifier needs labels (a *-labels-idx1-ubyte file beside it)")
    n = len(data.images)
    order = np.random.default_rng([seed, 7]).permutation(n)
    n_train = min(n_train, n - max(1, min(n_test, n // 5)))
    n_test = min(n_test, n - n_train)
    x = np.asarray(data.images, np.float32)
    y = np.asarray(data.labels, np.int64)
    tr, te = order[:n_train], order[n_train:n_train + n_test]
    return x[tr], y[tr], x[te], y[te]
