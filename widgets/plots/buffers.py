"""Growing arrays for live plots."""

import numpy as np


class GrowBuffer:
    """x, y arrays grown by doubling: appending is amortised O(1)."""

    def __init__(self):
        self.x = np.empty(256)
        self.y = np.empty(256)
        self.n = 0

    def extend(self, xs, ys):
        k = len(xs)
        if self.n + k > len(self.x):
            cap = max(2 * len(self.x), self.n + k)
            self.x = np.resize(self.x, cap)
            self.y = np.resize(self.y, cap)
        self.x[self.n:self.n + k] = xs
        self.y[self.n:self.n + k] = ys
        self.n += k

    def clear(self):
        self.n = 0


class StepClock:
    """What a step is on other x axes: the epoch (a metric some runs report) and the wall time
    (seconds since the run's first point), so that curves kept against the step can be drawn
    against either. ``x(steps, mode)`` maps steps by linear interpolation between known points."""

    MODES = ("step", "epoch", "wall")

    def __init__(self):
        self.epoch, self.wall = GrowBuffer(), GrowBuffer()

    def clear(self):
        self.epoch.clear()
        self.wall.clear()

    def add(self, steps, epochs=None, walls=None):
        if epochs is not None and len(epochs):
            self.epoch.extend(steps[:len(epochs)] if len(steps) != len(epochs) else steps, epochs)
        if walls is not None and len(walls):
            self.wall.extend(steps, walls)

    def has(self, mode):
        return mode == "step" or getattr(self, mode).n > 0

    def x(self, steps, mode):
        steps = np.asarray(steps, float)
        if mode == "step" or not self.has(mode):
            return steps
        b = getattr(self, mode)
        return np.interp(steps, b.x[:b.n], b.y[:b.n])
