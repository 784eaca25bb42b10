"""Synthetic sequence tasks where a recurrent net must remember across time, as (T, N, D) inputs.

- **adding** (Hochreiter & Schmidhuber 1997; Le, Jaitly & Hinton 2015): x_t = [u_t, m_t] with u_t ~ U(0, 1)
  and exactly two marks m_t = 1, one in each half; the target is the sum of the two marked u (read at
  the last step). Predicting the mean (1.0) scores MSE 1/6 = 0.167, the bar to get under.
- **copy** (Arjovsky, Shah & Bengio 2016): ``span`` symbols from an alphabet of ``symbols``, then
  ``length`` blanks, then a recall marker; the net must output the symbols over the last ``span``
  steps. Chance is 1/symbols.
- **running-sum** (the seed's intersection-RNN task): x_t ~ U(-0.5, 0.5), the target at every step is
  the sum so far.
Every generator is deterministic in its ``rng``.
"""

import numpy as np

TASKS = ("adding", "copy", "running-sum", "row-digits")


def adding(rng, n, length):
    """-> x (T, n, 2), y (n, 1): the sum of the two marked values."""
    if length < 2:
        raise ValueError(f"length {length}: the adding problem needs at least 2 steps")
    u = rng.uniform(0, 1, (length, n)).astype(np.float32)
    half = length // 2
    m = np.zeros((length, n), np.float32)
    cols = np.arange(n)
    first, second = rng.integers(0, half, n), rng.integers(half, length, n)
    m[first, cols] = 1
    m[second, cols] = 1
    y = (u[first, cols] + u[second, cols])[:, None].astype(np.float32)
    return np.stack([u, m], axis=2), y


def copy_task(rng, n, length, symbols=8, span=10):
    """-> x (span + length + span, n, symbols + 2) one-hot (symbols, blank, marker), y (span, n) the
    symbols to recall at the last ``span`` steps."""
    T = span + length + span
    seq = rng.integers(0, symbols, (span, n))
    codes = np.full((T, n), symbols)                     # blank
    codes[:span] = seq
    codes[span + length - 1] = symbols + 1              # the recall marker, on the last blank
    x = np.eye(symbols + 2, dtype=np.float32)[codes]
    return x, seq


def running_sum(rng, n, length):
    """-> x (T, n, 1), y (T, n, 1): the sum so far at every step."""
    x = rng.uniform(-0.5, 0.5, (length, n, 1)).astype(np.float32)
    return x, np.cumsum(x, axis=0).astype(np.float32)


def rows_as_sequence(images):
    """(N, side, side) or (N, 1, side, side) images -> (side, N, side): one row per time step."""
    im = images.reshape(len(images), images.shape[-2], images.shape[-1])
    return np.ascontiguousarray(im.transpose(1, 0, 2)).astype(np.float32)
