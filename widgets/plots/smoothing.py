"""Debiased exponential moving average, as TensorBoard draws it: s_t = EMA_t / (1 − w^t) with
EMA_0 = 0, so the first points are not pulled toward zero. Computed by a linear filter, and
continued from where it stopped when points are appended."""

import numpy as np
from scipy.signal import lfilter


class Ema:
    """The smoothed values of a growing series; ``extend(y)`` returns the new smoothed points."""

    def __init__(self, weight):
        self.w = float(weight)
        self.state, self.count = 0.0, 0

    def extend(self, y):
        y = np.asarray(y, float)
        if not y.size:
            return y
        w = self.w
        ema, zf = lfilter([1.0 - w], [1.0, -w], y, zi=[w * self.state])
        self.state = float(ema[-1])
        t = self.count + np.arange(1, y.size + 1)
        self.count += y.size
        return ema / (1.0 - w ** t)


def smooth(y, weight):
    """The whole series smoothed (weight 0: unchanged)."""
    return np.asarray(y, float) if weight <= 0 else Ema(weight).extend(y)
