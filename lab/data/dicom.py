"""DICOM folders in, series out (READING.md §DICOM), with pydicom and its decoder plugins.

- Every file is tried (CD exports have no extensions) and ends loaded, skipped or refused, with
  the reason (``dicom_read.py``); reading a file decodes it once, and the pixels are kept.
- Images are grouped by SeriesInstanceUID, then split by orientation, size, colour and localizer.
- Slices are sorted along the slice normal (ImagePositionPatient . (row x column cosines));
  InstanceNumber only when positions are missing; the spacing is the median step; gaps and
  duplicate positions are reported, not silently stacked.
- Hounsfield units: stored * RescaleSlope + RescaleIntercept per slice, in float (1 and 0 when
  missing, and said so); multi-frame files are their own stacks (per-frame rescale and position from
  the functional groups); MONOCHROME1 is kept as values, flagged for display.
- Colour, palette, RT dose, segmentation and non-CT series are listed and viewable; a series says in
  ``training_note`` why the CT denoiser does not train on it.
"""

import os
import stat
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..progress import tick
from .dicom_read import Refused, quiet, read_image
from .dicom_tags import Tags
from .memo import remembered
from .read_workers import read_all
from .outcome import Outcome, outcomes_report

PADDING_HU = -2000.0  # values at or below this (after rescale) are outside the field of view


@dataclass
class Slice:
    path: str
    position: tuple | None
    orientation: tuple | None
    instance: int | None
    frame: int = 0           # frame index within a multi-frame file
    pixels: np.ndarray | None = None   # stored values, decoded once: (rows, cols[, 3])
    slope: float = 1.0
    intercept: float = 0.0
    padding_value: float | None = None


@dataclass
class Series:
    uid: str
    modality: str
    description: str
    rows: int
    cols: int
    pixel_spacing: tuple
    slices: list
    photometric: str = "MONOCHROME2"
    patient: str = ""
    slice_spacing: float | None = None
    colour: bool = False
    training_note: str = ""      # why the CT denoiser will not train on it ("" = it will)
    window: tuple | None = None  # (center, width) from the file
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @property
    def key(self):
        return f"{self.uid} ({self.description or self.modality}, {len(self.slices)} slices)"

    @property
    def trainable(self):
        return not self.training_note

    def load_hu(self, indices=None):
        """The series (or the slices at ``indices``) in Hounsfield units: (n, rows, cols) float32,
        and a mask of pixels outside the field of view (padding)."""
        if self.colour:
            raise DataError(f"series {self.uid}: a colour image has no Hounsfield units")
        idx = range(len(self.slices)) if indices is None else indices
        hu = np.empty((len(idx), self.rows, self.cols), np.float32)
        pad = np.empty(hu.shape, bool)
        for j, i in enumerate(idx):
            s = self.slices[i]
            if s.pixels is None or s.pixels.shape != (self.rows, self.cols):
                raise DataError(f"{s.path}: no pixels of shape {self.rows}x{self.cols}")
            hu[j] = s.pixels                              # one converting copy, then the rescale in place
            if s.slope != 1:
                hu[j] *= np.float32(s.slope)
            if s.intercept:
                hu[j] += np.float32(s.intercept)
            np.less_equal(hu[j], PADDING_HU, out=pad[j])
            if s.padding_value is not None:
                pad[j] |= s.pixels == s.padding_value
        return hu, pad

    def display(self, i):
        """Slice ``i`` for a viewer: (rows, cols) float32 in the file's units, or (rows, cols, 3) uint8 RGB."""
        px = self.slices[i].pixels
        if not self.colour:
            return self.load_hu([i])[0][0]
        if px.dtype == np.uint8:
            return px
        top = float(px.max()) or 1.0
        return np.clip(px.astype(np.float32) * (255.0 / top), 0, 255).astype(np.uint8)


def _normal(orientation):
    r, c = np.array(orientation[:3], float), np.array(orientation[3:], float)
    return np.cross(r, c)


MAX_FILES = 20000
NOT_TRAINED = {"US": "ultrasound", "MR": "MR (no Hounsfield units)", "RTDOSE": "RT dose grid (Gy, not HU)",
               "SEG": "segmentation mask", "NM": "nuclear medicine (counts, not HU)", "PT": "PET (not HU)",
               "CR": "radiograph (not CT)", "DX": "radiograph (not CT)", "MG": "mammogram (not CT)",
               "XA": "angiography (not CT)", "OT": "secondary capture", "SC": "secondary capture"}


def list_files(folder):
    """The files to try under ``folder`` (hidden ones left out), sorted; DataError when too many."""
    folder = Path(folder)
    if not folder.exists():
        raise DataError(f"{folder}: no such file or folder")
    if folder.is_file():
        return [folder]
    files = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        files.extend(Path(root) / f for f in names if not f.startswith("."))
        if len(files) > MAX_FILES:
            raise DataError(f"{folder}: more than {MAX_FILES} files below it; choose the folder of one study or series")
    return sorted(files)


def scan_folder(folder):
    """Read every file below ``folder`` once: (list of Series, list of Outcome, one per file).
    Reports progress per file (``lab.progress.tick``), where the caller can also cancel. A folder
    read before and unchanged since (same files, sizes and times) is not read again."""
    series, outcomes = _scan(folder)
    return list(series), list(outcomes)


@remembered
def _scan(folder):
    files = list_files(folder)
    groups, outcomes, info = {}, [], {}
    what = f"reading {Path(folder).name}"
    tick(0, len(files), what)
    with closing(read_all(files, _attempt)) as results:   # a cancel (tick raises) settles the readers
        for n, (f, (status, value)) in enumerate(zip(files, results)):
            if status == "loaded":
                key, entries, first = value
                groups.setdefault(key, []).extend(entries)
                info.setdefault(key, first)
                value = "; ".join(first.warnings)
            outcomes.append(Outcome(str(f), status, value))
            tick(n + 1, len(files), what)
    with quiet():
        series = [_make_series(key, slices, info[key]) for key, slices in groups.items()]
    series.sort(key=lambda s: (not s.trainable, s.description, s.uid))
    return series, outcomes


def _attempt(f):
    """One file's outcome: ("loaded", (key, slices, FileInfo)), or ("skipped" | "refused", reason)."""
    try:
        return "loaded", _entry(f)
    except Refused as e:
        return "refused", str(e)
    except DataError as e:
        return "skipped", str(e)


@dataclass
class FileInfo:
    """What a series needs from one of its files besides the slices (small, so it crosses processes)."""
    geometry: object
    description: str
    patient: str
    warnings: list


def _entry(f):
    """(group key, slices, FileInfo) for one file; DataError/Refused with the reason otherwise."""
    try:
        st = f.stat()
    except OSError as e:
        raise DataError(f"cannot be read ({e.strerror or e})") from None
    if not stat.S_ISREG(st.st_mode):
        raise DataError("not a regular file")
    size = st.st_size
    if size == 0:
        raise DataError("empty file (0 bytes)")
    image = read_image(f, size)
    g, ds = image.geometry, image.ds
    t = Tags(ds)
    with quiet():
        localizer = "LOCALIZER" in t.strs("ImageType")
        key = (t.str("SeriesInstanceUID") or "no-series-uid", g.orientation, g.rows, g.cols, image.colour, localizer)
        padding = t.float("PixelPaddingValue", None, say=False)
        info = FileInfo(g, t.str("SeriesDescription"), t.str("PatientID"), image.warnings)
        if image.pixels.ndim == (4 if image.colour else 3):  # a multi-frame file is its own stack
            return key + (str(f),), _frames(f, image, padding), info
        inst = t.int("InstanceNumber", None, say=False)
    return key, [Slice(str(f), g.position, g.orientation, inst, 0, image.pixels, g.slope, g.intercept, padding)], info


def _frames(f, image, padding):
    from .dicom_tags import Geometry
    g, px = image.geometry, image.pixels
    if px.ndim == (3 if image.colour else 2):
        px = px[None]
    normal = _normal(g.orientation) if g.orientation is not None else None
    out = []
    for k in range(len(px)):
        gk = Geometry.read(image.ds, frame=k) if k else g
        pos = gk.position
        if g.frame_offsets is not None and g.position is not None and normal is not None:  # RT dose grid
            pos = tuple(np.asarray(g.position) + g.frame_offsets[k] * normal)
        out.append(Slice(str(f), pos, g.orientation, k, k, px[k], gk.slope, gk.intercept, padding))
    return out


def _training_note(modality, colour, photometric):
    what = NOT_TRAINED.get(modality, f"{modality} (not CT)" if modality not in ("", "CT") else "")
    if colour:
        return f"not used for training: colour {what.split(' (')[0] if what else 'image'}" \
            + (" (palette colour)" if photometric == "PALETTE COLOR" else "")
    return f"not used for training: {what}" if what else ""


def _make_series(key, slices, info):
    uid, orient, rows, cols, colour, localizer = key[:6]
    g = info.geometry
    s = Series(uid=uid, modality=g.modality, description=info.description,
               rows=rows, cols=cols, pixel_spacing=g.pixel_spacing, slices=slices, photometric=g.photometric,
               patient=info.patient, colour=colour, window=g.window,
               training_note=_training_note(g.modality, colour, g.photometric))
    s.notes.extend(dict.fromkeys(n for n in info.warnings if "unreadable" not in n))
    if not g.modality:
        s.notes.append("no Modality: treated as CT")
    if localizer:
        s.notes.append("localizer (scout) images")
    if not g.rescale_given and not colour:
        s.notes.append("no RescaleSlope/Intercept: slope 1, intercept 0 assumed")
    if s.photometric == "MONOCHROME1":
        s.notes.append("MONOCHROME1: higher values display darker (inverted after window/level)")
    if len(slices) > 1 and all(sl.position is not None for sl in slices) and orient is not None:
        n = _normal(orient)
        d = np.array([np.dot(sl.position, n) for sl in slices])
        order = np.argsort(d, kind="stable")
        s.slices = [slices[i] for i in order]
        steps = np.diff(d[order])
        dup = int(np.sum(np.abs(steps) < 1e-3))
        if dup:
            s.problems.append(f"{dup} duplicate slice position(s)")
        good = steps[np.abs(steps) >= 1e-3]
        if good.size:
            s.slice_spacing = float(np.median(good))
            gaps = int(np.sum(good > 1.5 * s.slice_spacing))
            if gaps:
                s.problems.append(f"{gaps} gap(s) larger than 1.5 x the median spacing {s.slice_spacing:.3g} mm")
    elif len(slices) > 1 and slices[0].frame == 0 and all(sl.instance is not None for sl in slices):
        s.slices = sorted(slices, key=lambda sl: (sl.instance, sl.frame))
        s.notes.append("no positions: sorted by InstanceNumber")
    if s.slice_spacing is None:
        s.slice_spacing = g.slice_thickness
    return s


def series_report(s, with_range=True):
    rep = {"uid": s.uid, "modality": s.modality, "description": s.description, "slices": len(s.slices),
           "rows": s.rows, "cols": s.cols, "pixel_spacing_mm": list(s.pixel_spacing),
           "slice_spacing_mm": s.slice_spacing, "photometric": s.photometric, "colour": s.colour,
           "used_for_training": s.trainable, "problems": s.problems, "notes": s.notes}
    if s.training_note:
        rep["training_note"] = s.training_note
    if with_range and not s.colour:
        lo, hi = np.inf, -np.inf
        for i in range(len(s.slices)):
            hu, pad = s.load_hu([i])
            v = hu[~pad]
            if v.size:
                lo, hi = min(lo, float(v.min())), max(hi, float(v.max()))
        rep["value_range"] = [lo, hi] if np.isfinite(lo) else None
    return rep


def inspect_dicom(path):
    """JSON-able report for ``python -m lab inspect``: the series, and every file as loaded, skipped
    or refused with its reason; ok when at least one image loaded."""
    series, outcomes = scan_folder(path)
    rep = {"path": str(path), "kind": "dicom", "series": [series_report(s) for s in series],
           **outcomes_report(outcomes)}
    return rep, bool(series)
