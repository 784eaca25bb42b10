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


DEMO_GIFS_VERSION = "gifs-v3"
SHAPES = ("disk", "square", "triangle", "ring", "cross")


def cache_dir():
    import os
    from pathlib import Path

    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "numpy-lab"


def shape_mask(kind, r, size, cy, cx):
    """A filled shape of radius ``r`` centred at (cy, cx) in a size x size frame."""
    from skimage.draw import disk, polygon

    m = np.zeros((size, size), bool)
    if kind in ("disk", "ring"):
        m[disk((cy, cx), r, shape=m.shape)] = True
        if kind == "ring":
            m[disk((cy, cx), 0.55 * r, shape=m.shape)] = False
    elif kind == "square":
        m[polygon([cy - r, cy - r, cy + r, cy + r], [cx - r, cx + r, cx + r, cx - r], m.shape)] = True
    elif kind == "triangle":
        m[polygon([cy - r, cy + r, cy + r], [cx, cx + r, cx - r], m.shape)] = True
    else:  # cross
        w = max(2.0, r / 3)
        yy, xx = np.mgrid[:size, :size]
        m[((np.abs(yy - cy) <= r) & (np.abs(xx - cx) <= w)) | ((np.abs(yy - cy) <= w) & (np.abs(xx - cx) <= r))] = True
    return m


def make_demo_clip(axis, rng, n_frames=8, size=64):
    """One animation: a bright shape (disk, square, triangle, ring or cross) crossing a dark, slightly
    noisy frame along ``axis`` ('horizontal' or 'vertical'), either way, at 3-5 pixels per frame.
    Any single frame is a shape somewhere: only the motion tells the classes apart, and a person
    sees it at a glance."""
    kind = SHAPES[int(rng.integers(len(SHAPES)))]
    r = float(rng.uniform(7, 11))
    speed = float(rng.uniform(3.0, 5.0)) * rng.choice([-1, 1])
    travel = abs(speed) * (n_frames - 1)
    margin = r + 1
    start = float(rng.uniform(margin, size - margin - travel)) + (travel if speed < 0 else 0)
    fixed = float(rng.uniform(margin, size - margin))
    bg, fg = 0.15 + 0.1 * rng.random(), float(rng.uniform(0.7, 1.0))
    noise = rng.normal(0, 0.04, (n_frames, size, size))
    frames = np.full((n_frames, size, size), bg)
    for t in range(n_frames):
        a = start + speed * t
        cy, cx = (fixed, a) if axis == "horizontal" else (a, fixed)
        frames[t][shape_mask(kind, r, size, cy, cx)] = fg
    return np.clip(frames + noise, 0, 1).astype(np.float32)


def demo_gifs_folder(per_class=100, seed=0):
    """Two classes of animated GIFs (shapes moving horizontally or vertically, ``make_demo_clip``),
    generated deterministically and written once as real .gif files into the cache folder, so
    the default goes through the same reader as a user's folder. Returns the folder."""
    from PIL import Image

    from ..atomic import atomic_path

    root = cache_dir() / f"{DEMO_GIFS_VERSION}-{per_class}-{seed}"
    done = root / ".complete"
    if done.exists():
        return root
    rng = np.random.default_rng(seed)
    for c, kind in enumerate(("horizontal", "vertical")):
        (root / kind).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            tick(c * per_class + i, 2 * per_class, "generating the built-in GIFs (first launch only)")
            clip = make_demo_clip(kind, rng)
            pils = [Image.fromarray((f * 255 + 0.5).astype(np.uint8), "L") for f in clip]
            with atomic_path(root / kind / f"{kind}-{i:02d}.gif") as tmp:
                pils[0].save(tmp, format="GIF", save_all=True, append_images=pils[1:], duration=120, loop=0)
    done.write_text("ok\n")
    return root
