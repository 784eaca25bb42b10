"""MNIST-format datasets: find IDX files where users keep them and load images with labels.

``load_digits_data(path)`` accepts a folder holding IDX files (``.gz`` or raw), or a single
images file (its labels file is found beside it when it exists); ``None`` searches the usual
places (``find_mnist``) and falls back to the built-in digits.
"""

import os
import re
from pathlib import Path

import numpy as np

from ..errors import DataError
from .idx import read_idx
from .image_set import ImageSet
from .memo import remembered

IMAGES_RE = re.compile(r"(.*?)([-_.])?images[-_.]idx3[-_.]ubyte(\.gz)?$", re.I)


def candidate_folders():
    """Where other tools keep MNIST / Fashion-MNIST IDX files, most specific first."""
    home = Path.home()
    env = [Path(p) for p in os.environ.get("NUMPY_LAB_DATA", "").split(os.pathsep) if p]
    roots = env + [Path.cwd() / "data", home / "data", home / ".cache" / "numpy-lab",
                   home / ".keras" / "datasets", home / "scikit_learn_data", home / ".cache"]
    subs = ["", "mnist", "MNIST/raw", "FashionMNIST/raw", "fashion-mnist", "fashion_mnist", "MNIST", "mnist/raw"]
    seen, out = set(), []
    for r in roots:
        for s in subs:
            p = r / s if s else r
            if p not in seen:
                seen.add(p)
                out.append(p)
    return out


def _images_files(folder):
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    return [Path(folder) / n for n in names if IMAGES_RE.match(n)]


def labels_file_for(images_path):
    """The labels file that belongs to an images file (``train-images-idx3-ubyte`` ->
    ``train-labels-idx1-ubyte``, same compression first), or None."""
    p = Path(images_path)
    m = IMAGES_RE.match(p.name)
    if not m:
        return None
    stem = p.name[: m.start(0) + len(m.group(1) or "") + len(m.group(2) or "")]
    for ext in (m.group(3) or "", ".gz" if not m.group(3) else ""):
        for sep in ("-", "_", "."):
            cand = p.with_name(f"{stem}labels{sep}idx1{sep}ubyte{ext}")
            if cand.exists():
                return cand
    return None


def find_mnist(extra=()):
    """First folder (of ``extra`` then ``candidate_folders()``) that holds an images IDX file."""
    for folder in list(extra) + candidate_folders():
        files = _images_files(folder)
        if files:
            return Path(folder)
    return None


def _pick_images_file(folder):
    files = _images_files(folder)
    if not files:
        entries = sorted(os.listdir(folder)) if Path(folder).is_dir() else []
        hint = f" (it holds: {', '.join(entries[:6])}{'...' if len(entries) > 6 else ''})" if entries else " (it is empty)"
        raise DataError(f"{folder}: no MNIST-format images file (*-images-idx3-ubyte[.gz]) found{hint}")
    train = [f for f in files if f.name.lower().startswith("train")]
    return (train or files)[0]


@remembered
def load_image_set(path):
    """Load an MNIST-format images file (and its labels when present) from a file or folder."""
    path = Path(path).expanduser()
    if not path.exists():
        raise DataError(f"{path}: no such file or folder")
    images_path = _pick_images_file(path) if path.is_dir() else path
    images = read_idx(images_path)
    if images.ndim != 3:
        raise DataError(f"{images_path}: expected images of shape (N, rows, cols), the file holds shape {images.shape}")
    if images.shape[0] == 0:
        raise DataError(f"{images_path}: holds no images")
    labels = None
    lp = labels_file_for(images_path)
    if lp is not None:
        labels = read_idx(lp).astype(np.int64)
        if labels.shape != (images.shape[0],):
            raise DataError(f"{lp}: holds {labels.shape} labels for {images.shape[0]} images in {images_path.name}")
    scale = 255.0 if images.dtype == np.uint8 else max(float(images.max()), 1e-12)
    return ImageSet(images.astype(np.float32) / np.float32(scale), labels, str(images_path))


def load_digits_data(path=None):
    """The user's data when ``path`` is given, else found IDX files, else built-in digits."""
    if path:
        return load_image_set(path)
    found = find_mnist()
    if found is not None:
        try:
            return load_image_set(found)
        except DataError:
            pass  # a broken file in a cache folder must not stop the built-in default
    from .builtin import digits_28
    return digits_28()
