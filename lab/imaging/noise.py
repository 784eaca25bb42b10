"""Noise models for CT slices in Hounsfield units: the seed's Gaussian noise times a constant,
and a low-dose model (Poisson counts through the attenuation, approximated per pixel)."""

import numpy as np

MU_WATER = 0.0192  # linear attenuation of water at ~70 keV, 1/mm (sets the HU -> attenuation scale)


def gaussian_noise(hu, sigma_hu, rng):
    """hu + N(0, sigma_hu^2), independently per pixel."""
    return hu + rng.standard_normal(hu.shape).astype(np.float32) * np.float32(sigma_hu)


def low_dose_noise(hu, dose, rng, photons=2e5, path_mm=300.0):
    """A simple low-dose model: each pixel's line integral of attenuation gives an expected photon
    count N = dose * photons * exp(-mu * path); the count is drawn from a Poisson law and turned
    back into HU. Lower ``dose`` (e.g. 0.25 for quarter dose): more noise, more in dense tissue."""
    mu = MU_WATER * (1 + np.clip(hu, -1000, 3000) / 1000.0)
    expected = dose * photons * np.exp(-mu * path_mm)
    counts = np.maximum(rng.poisson(expected), 1)
    mu_hat = -np.log(counts / (dose * photons)) / path_mm
    return ((mu_hat / MU_WATER - 1) * 1000.0).astype(np.float32)


METRIC_WINDOW = (-1350.0, 150.0)  # the lung window (centre -600, width 1500) the metrics use


def window(hu, lo=METRIC_WINDOW[0], hi=METRIC_WINDOW[1]):
    """HU clipped to a window and scaled to [0, 1] (the lung window -600/1500 by default)."""
    return np.clip((hu - lo) / (hi - lo), 0, 1).astype(np.float32)


WINDOWS = {"lung": (-600, 1500), "mediastinum": (40, 400), "bone": (400, 1800), "brain": (40, 80)}
