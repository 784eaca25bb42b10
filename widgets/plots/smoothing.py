"""Debiased exponential moving average, as TensorBoard draws it: s_t = EMA_t / (1 − w^t) with
EMA_0 = 0, so the first points are not pulled toward zero. Continued from where it stopped when
points are appended.

The recursion EMA_i = w EMA_{i-1} + (1 − w) y_i is computed in closed form, a block at a time:
EMA_i = w^(i+1) (EMA_{-1} + (1 − w) Σ_{j<=i} y_j / w^(j+1)), one cumulative sum per block, with blocks
short enough that w^(block) stays far from underflow. (It was scipy.signal.lfilter: importing
scipy.signal took 1.4 s of the window's start, on the GUI thread.)"""

import math

import numpy as np

MAX_BLOCK = 256


class Ema:
    """The smoothed values of a growing series; ``extend(y)`` returns the new smoothed points."""

    def __init__(self, weight):
        self.w = float(weight)
        self.state, self.count = 0.0, 0
        self.block = MAX_BLOCK
        if 0 < self.w < 0.5:    # w^block >= 1e-150: the divisions below never meet an underflowed power
            self.block = max(1, min(MAX_BLOCK, int(150 * math.log(10) / -math.log(self.w))))

    def extend(self, y):
        y = np.asarray(y, float)
        if not y.size:
            return y
        w = self.w
        if w <= 0:
            ema = y.copy()
        else:
            ema = np.empty_like(y)
            for a in range(0, y.size, self.block):
                chunk = y[a:a + self.block]
                p = w ** np.arange(1, chunk.size + 1)                       # w^(i+1)
                ema[a:a + chunk.size] = p * (self.state + (1.0 - w) * np.cumsum(chunk / p))
                self.state = float(ema[a + chunk.size - 1])
        t = self.count + np.arange(1, y.size + 1)
        self.count += y.size
        return ema / (1.0 - w ** t) if w > 0 else ema


def smooth(y, weight):
    """The whole series smoothed (weight 0: unchanged)."""
    return np.asarray(y, float) if weight <= 0 else Ema(weight).extend(y)
