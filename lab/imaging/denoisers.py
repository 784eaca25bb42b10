"""Classical denoisers from scikit-image, on windowed images in [0, 1]: total variation,
bilateral, wavelet and non-local means (sigma estimated from the image), scored with
``lab.imaging.metrics``."""

import time

import numpy as np

from ..errors import Cancelled
from ..nn.data_parallel import default_parts, run_parts
from .metrics import psnr, ssim


def _denoisers():
    from skimage.restoration import (denoise_bilateral, denoise_nl_means, denoise_tv_chambolle, denoise_wavelet,
                                     estimate_sigma)

    def nlm(x):
        s = float(estimate_sigma(x))
        return denoise_nl_means(x, h=0.8 * s, sigma=s, patch_size=5, patch_distance=6, fast_mode=True)

    return {
        "total variation": lambda x: denoise_tv_chambolle(x, weight=0.08),
        "bilateral": lambda x: denoise_bilateral(x, sigma_color=0.08, sigma_spatial=1.5),
        "wavelet": lambda x: denoise_wavelet(x, method="BayesShrink", mode="soft", rescale_sigma=True),
        "non-local means": nlm,
    }


def run_baselines(clean, noisy, should_stop=None):
    """{name: {"psnr", "ssim", "seconds"}} for each classical denoiser on (slices of) [0, 1] images,
    the slices shared between the cores (``seconds``: the wall time, as our denoiser's).
    ``should_stop()`` is asked before each slice; True raises ``Cancelled``."""
    clean, noisy = np.atleast_3d(clean.T).T, np.atleast_3d(noisy.T).T  # (n, H, W)
    out = {}
    n = len(noisy)
    parts = min(default_parts(), n)

    for name, f in _denoisers().items():
        def part(i):                                   # slices i, i + parts, ...: scikit-image releases the GIL
            got = []
            for j in range(i, n, parts):
                if should_stop is not None and should_stop():
                    raise Cancelled("classical denoisers stopped")
                got.append(f(noisy[j].astype(np.float64)))
            return got

        t0 = time.perf_counter()
        done = run_parts(part, parts)
        den = np.stack([done[j % parts][j // parts] for j in range(n)])
        dt = time.perf_counter() - t0
        out[name] = {"psnr": float(np.mean([psnr(c, d) for c, d in zip(clean, den)])),
                     "ssim": float(np.mean([ssim(c, d) for c, d in zip(clean, den)])), "seconds": dt}
    return out
