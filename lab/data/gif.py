"""Animated GIFs: read them robustly (READING.md §GIF), sample N frames, and load a folder with
one subfolder per class.

Frames are composited by Pillow while seeking in order (disposal methods, sub-rectangles),
copied as RGBA, laid on a fixed white background (transparency), resized explicitly to the
model's size (frames of one file may differ in size) with scikit-image.
"""

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from ..errors import DataError
from ..progress import tick
from .memo import remembered
from .outcome import Outcome, outcomes_report

MAX_PIXELS = 4096 * 4096      # logical screen larger than this: refuse before decoding
MAX_FRAMES = 5000
GIF_ERRORS = (OSError, IndexError, ValueError, EOFError, struct.error, SyntaxError, Image.DecompressionBombError,
              UnidentifiedImageError, MemoryError)


class GifError(DataError):
    """A file that is not a usable animated GIF (skipped); the message names the file and the reason."""


class GifRefused(GifError):
    """A GIF we will not or cannot decode: too large, too many frames, damaged bytes."""


def frame_indices(n_total, n_frames):
    """n_frames indices spread evenly over an animation of n_total frames (first and last kept)."""
    return np.unique(np.round(np.linspace(0, n_total - 1, n_frames)).astype(int)) if n_total >= n_frames else None


def read_gif(path, n_frames=3, size=100, color=False):
    """(n_frames, size, size) or (n_frames, size, size, 3) float32 in [0, 1]; GifError names the
    file and the reason for anything unusable."""
    from skimage.transform import resize

    path = Path(path)
    try:
        if path.stat().st_size == 0:
            raise GifError(f"{path}: empty file (0 bytes)")
        with Image.open(path) as im:
            if im.format != "GIF":
                raise GifError(f"{path}: not a GIF (its content is {im.format or 'unknown'})")
            w, h = im.size
            if w * h > MAX_PIXELS:
                raise GifRefused(f"{path}: the header claims {w}x{h} pixels; refusing to decode it")
            total = getattr(im, "n_frames", 1)
            if total < 2:
                raise GifError(f"{path}: has a single frame (an animation is needed)")
            if total > MAX_FRAMES:
                raise GifRefused(f"{path}: has {total} frames (more than {MAX_FRAMES})")
            want = frame_indices(total, n_frames)
            if want is None or len(want) < n_frames:
                raise GifError(f"{path}: has {total} frames, fewer than the {n_frames} asked for")
            frames = []
            for k in want:  # Pillow composites frame k from k-1 as it seeks forward
                im.seek(int(k))
                rgba = np.asarray(im.convert("RGBA"), np.float32) / 255.0  # a copy: the iterator reuses one image
                rgb = rgba[..., :3] * rgba[..., 3:] + (1.0 - rgba[..., 3:])  # on a white background
                frames.append(resize(rgb, (size, size), order=1, anti_aliasing=True).astype(np.float32))
    except GifError:
        raise
    except GIF_ERRORS as e:
        if isinstance(e, UnidentifiedImageError):
            with open(path, "rb") as f:
                if not f.read(4).startswith(b"GIF8"):
                    raise GifError(f"{path}: not an image (neither GIF nor any format Pillow knows)") from None
            raise GifRefused(f"{path}: cannot be decoded (a GIF signature with a damaged header)") from None
        raise GifRefused(f"{path}: cannot be decoded ({type(e).__name__}: {str(e)[:120]})") from None
    out = np.stack(frames)
    if not color:
        out = out @ np.array([0.299, 0.587, 0.114], np.float32)
    return np.clip(out, 0, 1)


@dataclass
class GifSet:
    """clips: (n, T, H, W[, 3]) float32; labels: (n,); files; class names; skipped [(file, reason)]."""
    clips: np.ndarray
    labels: np.ndarray
    files: list
    classes: list
    skipped: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    source: str = ""


@remembered
def load_gif_folder(folder, n_frames=3, size=100, color=False):
    """One subfolder per class of animated GIFs. Unusable files are skipped and listed; fewer than
    two usable classes is a DataError naming the folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: no such folder (a GIF dataset is a folder with one subfolder per class)")
    class_dirs = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    clips, labels, files, classes, skipped, notes = [], [], [], [], [], []
    listed = [(d, sorted(p for p in d.rglob("*") if p.is_file() and not p.name.startswith("."))) for d in class_dirs]
    total, done = sum(len(fs) for _, fs in listed), 0
    for d, class_files in listed:
        got = 0
        for f in class_files:
            tick(done, total, f"reading {folder.name}")
            done += 1
            try:
                clip = read_gif(f, n_frames, size, color)
            except GifError as e:
                skipped.append((str(f), str(e).removeprefix(f"{f}: ")))
                continue
            clips.append(clip)
            labels.append(len(classes))
            files.append(str(f))
            got += 1
        if got == 0:
            skipped.append((str(d), "empty class: no usable animated GIF in this folder"))
            continue
        if got == 1:
            notes.append(f"class {d.name!r} has a single GIF: it can be trained on but not tested")
        classes.append(d.name)
    if len(classes) < 2:
        found = ", ".join(c for c in classes) or "none"
        raise DataError(f"{folder}: needs at least two class subfolders with animated GIFs (usable classes: {found}; "
                        f"{len(skipped)} files or folders skipped)")
    return GifSet(np.stack(clips), np.array(labels, np.int64), files, classes, skipped, notes, str(folder))


def inspect_gif_folder(folder, n_frames=3, size=32):
    """JSON-able report for ``python -m lab inspect``: classes, their GIFs (frames, size), and every
    file as loaded, skipped or refused with the reason (each GIF is decoded as the loader would)."""
    folder = Path(folder)
    report = {"path": str(folder), "kind": "gif-folder", "classes": {}}
    outcomes = []
    for d in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        entries = []
        for f in sorted(p for p in d.rglob("*") if p.is_file() and not p.name.startswith(".")):
            try:
                read_gif(f, n_frames, size)
                with Image.open(f) as im:
                    entries.append({"file": f.name, "frames": int(getattr(im, "n_frames", 1)), "size": list(im.size),
                                    "duration_ms": im.info.get("duration")})
            except GifError as e:
                status = "refused" if isinstance(e, GifRefused) else "skipped"
                outcomes.append(Outcome(str(f), status, str(e).removeprefix(f"{f}: ")))
            except GIF_ERRORS as e:  # the second open of a file that changed under us
                outcomes.append(Outcome(str(f), "refused", f"cannot be decoded ({type(e).__name__})"))
            else:
                outcomes.append(Outcome(str(f), "loaded"))
        report["classes"][d.name] = {"files": len(entries), "gifs": entries}
    report.update(outcomes_report(outcomes))
    usable = [c for c, v in report["classes"].items() if v["files"]]
    if len(usable) < 2:
        report["error"] = f"needs at least two class subfolders with animated GIFs (usable: {', '.join(usable) or 'none'})"
    return report, len(usable) >= 2
