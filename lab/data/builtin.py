"""Built-in datasets that need no download."""

from functools import lru_cache

import numpy as np

from ..progress import tick
from .image_set import ImageSet


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


GIF_PHOTOS = ("camera", "astronaut", "coins", "moon", "chelsea", "coffee", "rocket", "grass", "gravel", "brick",
              "clock", "immunohistochemistry")
DEMO_GIFS_VERSION = "gifs-v2"


def cache_dir():
    import os
    from pathlib import Path

    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "numpy-lab"


def _photo(name):
    import skimage.data
    from skimage.color import rgb2gray

    img = getattr(skimage.data, name)()
    img = rgb2gray(img) if img.ndim == 3 else img.astype(np.float64) / 255.0
    return img.astype(np.float32)


def make_demo_clip(kind, photo, rng, n_frames=8, size=64):
    """One animation over a photo: a window sliding sideways ('horizontal') or up or down
    ('vertical') at 1-2 output pixels per frame. A single frame of either is just a photo crop:
    telling them apart needs the motion, so the frames have to be read as a sequence."""
    from skimage.transform import resize

    H, W = photo.shape
    win = int(rng.integers(110, 170))
    speed = float(rng.uniform(1.0, 2.0)) * win / size * rng.choice([-1, 1])
    travel = abs(speed) * (n_frames - 1)
    along, across = (W, H) if kind == "horizontal" else (H, W)
    first = float(rng.uniform(0, along - win - travel)) + (travel if speed < 0 else 0)
    fixed = int(rng.integers(0, across - win))
    frames = []
    for t in range(n_frames):
        a = int(round(first + speed * t))
        crop = photo[fixed:fixed + win, a:a + win] if kind == "horizontal" else photo[a:a + win, fixed:fixed + win]
        frames.append(resize(crop, (size, size), anti_aliasing=True))
    return np.clip(np.stack(frames), 0, 1)


def demo_gifs_folder(per_class=100, seed=0):
    """Two classes of animated GIFs (horizontal and vertical pans over scikit-image's sample photographs),
    generated deterministically and written once as real .gif files into the cache folder, so
    the default goes through the same reader as a user's folder. Returns the folder."""
    from PIL import Image

    from ..atomic import atomic_path

    root = cache_dir() / f"{DEMO_GIFS_VERSION}-{per_class}-{seed}"
    done = root / ".complete"
    if done.exists():
        return root
    rng = np.random.default_rng(seed)
    photos = [_photo(n) for n in GIF_PHOTOS]
    for c, kind in enumerate(("horizontal", "vertical")):
        (root / kind).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            tick(c * per_class + i, 2 * per_class, "generating the built-in GIFs (first launch only)")
            clip = make_demo_clip(kind, photos[int(rng.integers(len(photos)))], rng)
            pils = [Image.fromarray((f * 255 + 0.5).astype(np.uint8), "L") for f in clip]
            with atomic_path(root / kind / f"{kind}-{i:02d}.gif") as tmp:
                pils[0].save(tmp, format="GIF", save_all=True, append_images=pils[1:], duration=120, loop=0)
    done.write_text("ok\n")
    return root
