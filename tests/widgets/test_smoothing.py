"""The EMA smoothing of curves (``widgets.plots.smoothing``) against its recursion."""

import numpy as np
import pytest

from widgets.plots.smoothing import Ema, smooth


def recursion(y, w):
    out, ema = [], 0.0
    for t, v in enumerate(y, 1):
        ema = w * ema + (1 - w) * v
        out.append(ema / (1 - w ** t))
    return np.array(out)


@pytest.mark.parametrize("w", [0.01, 0.3, 0.6, 0.9, 0.99, 0.999])
def test_the_smoothed_series_is_the_debiased_recursion_whole_or_appended_in_pieces(w):
    y = np.random.default_rng(0).standard_normal(1500) * 3 + np.linspace(0, 50, 1500)
    ref = recursion(y, w)
    np.testing.assert_allclose(smooth(y, w), ref, rtol=1e-9, atol=1e-9)
    ema, parts = Ema(w), []
    for a, b in ((0, 1), (1, 7), (7, 7), (7, 700), (700, 1500)):
        parts.append(ema.extend(y[a:b]))
    np.testing.assert_allclose(np.concatenate(parts), ref, rtol=1e-9, atol=1e-9)


def test_weight_zero_leaves_the_values_as_they_are():
    y = np.arange(5.0)
    np.testing.assert_array_equal(smooth(y, 0.0), y)
    np.testing.assert_array_equal(Ema(0.0).extend(y), y)


def test_the_window_does_not_import_scipy_signal_for_smoothing():
    import subprocess
    import sys
    code = "import sys, widgets.plots.smoothing; print('scipy.signal' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
