"""Image quality metrics from scikit-image, on windowed images in [0, 1]."""

import numpy as np


def psnr(clean, test):
    from skimage.metrics import peak_signal_noise_ratio
    return float(peak_signal_noise_ratio(clean, np.clip(test, 0, 1), data_range=1.0))


def ssim(clean, test):
    from skimage.metrics import structural_similarity
    return float(structural_similarity(clean, np.clip(test, 0, 1), data_range=1.0))
