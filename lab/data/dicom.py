"""DICOM folders in, CT series out (READING.md §DICOM), with pydicom and its decoder plugins.

- Every file is tried (CD exports have no extensions); files that are not images are skipped and
  listed with the reason: empty, not DICOM, DICOMDIR, no pixel data (SR, RT, ...), missing
  Rows/Columns/SOPClassUID, pixel data that cannot be decoded (naming the transfer syntax).
- Images are grouped by SeriesInstanceUID, then split by orientation and size (localizers).
- Slices are sorted along the slice normal (ImagePositionPatient . (row x column cosines));
  InstanceNumber only when positions are missing; the spacing is the median step; gaps and
  duplicate positions are reported, not silently stacked.
- Hounsfield units: stored * RescaleSlope + RescaleIntercept per slice, in float (1 and 0 when
  missing, and said so); multi-frame files are their own stacks (per-frame rescale from the
  functional groups when present); MONOCHROME1 is kept as values, flagged for display.
- Pixels are decoded (pydicom checks the byte count) before anything is stacked, so a header
  claiming a huge image never allocates a volume.
"""

import os
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DataError

REQUIRED = ("Rows", "Columns", "SOPClassUID")
PADDING_HU = -2000.0  # values at or below this (after rescale) are outside the field of view


@dataclass
class Slice:
    path: str
    position: tuple | None
    orientation: tuple | None
    instance: int | None
    frame: int = 0           # frame index within a multi-frame file


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
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @property
    def key(self):
        return f"{self.uid} ({self.description or self.modality}, {len(self.slices)} slices)"

    def load_hu(self, indices=None):
        """The series (or the slices at ``indices``) in Hounsfield units: (n, rows, cols) float32,
        and a mask of pixels outside the field of view (padding)."""
        idx = range(len(self.slices)) if indices is None else indices
        hu, pad = [], []
        for i in idx:
            s = self.slices[i]
            h, p = read_slice_hu(s.path, s.frame)
            if h.shape != (self.rows, self.cols):
                raise DataError(f"{s.path}: pixel array of shape {h.shape} in a {self.rows}x{self.cols} series")
            hu.append(h)
            pad.append(p)
        return np.stack(hu), np.stack(pad)


@contextmanager
def _quiet():
    """pydicom warns about every oddity of real files; we report what matters ourselves."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _read_header(path):
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        with _quiet():
            ds = pydicom.dcmread(path, force=True, defer_size="1 KB")  # pixel data stays on disk, its tag is seen
    except (InvalidDicomError, OSError, EOFError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise DataError(f"not DICOM ({type(e).__name__}: {e})") from None
    if "DirectoryRecordSequence" in ds:
        raise DataError("DICOMDIR (an index of a CD export; its images are separate files)")
    missing = [k for k in REQUIRED if k not in ds]
    if missing:
        if not ds or len(ds) < 3:
            raise DataError("not DICOM (no DICOM elements found)")
        raise DataError(f"not an image: missing {', '.join(missing)}")
    return ds


def _open_with_pixels(path):
    import pydicom

    with _quiet():
        ds = pydicom.dcmread(path, force=True)
    if "PixelData" not in ds:
        name = getattr(ds.SOPClassUID, "name", str(ds.SOPClassUID))
        raise DataError(f"no pixel data ({name})")
    meta = getattr(ds, "file_meta", None)
    if meta is None or "TransferSyntaxUID" not in meta:
        from pydicom.dataset import FileMetaDataset
        from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
        ds.file_meta = meta if meta is not None else FileMetaDataset()
        implicit = getattr(ds, "original_encoding", (True, True))[0]
        ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian
    return ds


def _pixels(ds, path):
    try:
        with _quiet():
            return ds.pixel_array
    except Exception as e:  # noqa: BLE001 — decoders raise many types; the file is named either way
        ts = ds.file_meta.TransferSyntaxUID
        raise DataError(f"pixel data in {getattr(ts, 'name', ts)} cannot be decoded "
                        f"({type(e).__name__}: {str(e).splitlines()[0][:160]})") from None


def _rescale(ds, frame=None):
    """(slope, intercept, said) for a slice or a frame of an enhanced multi-frame file."""
    if frame is not None and "PerFrameFunctionalGroupsSequence" in ds:
        fg = ds.PerFrameFunctionalGroupsSequence[frame]
        if "PixelValueTransformationSequence" in fg:
            t = fg.PixelValueTransformationSequence[0]
            return float(t.RescaleSlope), float(t.RescaleIntercept), True
    if "SharedFunctionalGroupsSequence" in ds:
        fg = ds.SharedFunctionalGroupsSequence[0]
        if "PixelValueTransformationSequence" in fg:
            t = fg.PixelValueTransformationSequence[0]
            return float(t.RescaleSlope), float(t.RescaleIntercept), True
    if "RescaleSlope" in ds or "RescaleIntercept" in ds:
        return float(ds.get("RescaleSlope", 1.0)), float(ds.get("RescaleIntercept", 0.0)), True
    return 1.0, 0.0, False


def read_slice_hu(path, frame=0):
    """One slice (or frame) in HU, float32, and its padding mask. DataError names the file."""
    try:
        with _quiet():
            ds = _open_with_pixels(path)
            px = _pixels(ds, path)
    except DataError as e:
        raise DataError(f"{path}: {e}") from None
    except Exception as e:  # noqa: BLE001 — a damaged file must name itself, not crash the app
        raise DataError(f"{path}: cannot be read ({type(e).__name__}: {e})") from None
    with _quiet():
        n_frames = int(ds.get("NumberOfFrames", 1) or 1)
        if n_frames > 1:
            px = px[frame]
        slope, intercept, _ = _rescale(ds, frame if n_frames > 1 else None)
    hu = px.astype(np.float32) * np.float32(slope) + np.float32(intercept)
    pad = hu <= PADDING_HU
    if "PixelPaddingValue" in ds:
        pad |= px == ds.PixelPaddingValue
    return hu, pad


def _normal(orientation):
    r, c = np.array(orientation[:3], float), np.array(orientation[3:], float)
    return np.cross(r, c)


def scan_folder(folder):
    """Walk ``folder`` (recursively): returns (list of Series, list of (file, reason) skipped)."""
    folder = Path(folder)
    if not folder.exists():
        raise DataError(f"{folder}: no such file or folder")
    files = [folder] if folder.is_file() else sorted(
        Path(root) / f for root, _, names in os.walk(folder) for f in names if not f.startswith("."))
    groups, skipped, info = {}, [], {}
    for f in files:
        try:
            with _quiet():
                key, entries, ds = _entry(f)
        except DataError as e:
            skipped.append((str(f), str(e)))
            continue
        groups.setdefault(key, []).extend(entries)
        info.setdefault(key, ds)
    with _quiet():
        series = [_make_series(key, slices, info[key]) for key, slices in groups.items()]
    series.sort(key=lambda s: (s.description, s.uid))
    return series, skipped


def _entry(f):
    """(group key, slices, header) for one file; DataError with the reason when it is no image."""
    if f.stat().st_size == 0:
        raise DataError("empty file (0 bytes)")
    ds = _read_header(f)
    try:
        if "PixelData" not in ds:
            name = getattr(ds.SOPClassUID, "name", str(ds.SOPClassUID))
            raise DataError(f"no pixel data ({name})")
        spp = int(ds.get("SamplesPerPixel", 1) or 1)
        if spp != 1:
            raise DataError(f"colour image ({spp} samples per pixel): not a grey CT image")
        orient = tuple(round(float(v), 3) for v in ds.ImageOrientationPatient) if "ImageOrientationPatient" in ds \
            else None
        image_type = tuple(ds.get("ImageType", []))
        key = (str(ds.get("SeriesInstanceUID", "no-series-uid")), orient, int(ds.Rows), int(ds.Columns),
               "LOCALIZER" in image_type)
        n_frames = int(ds.get("NumberOfFrames", 1) or 1)
        pos = tuple(float(v) for v in ds.ImagePositionPatient) if "ImagePositionPatient" in ds else None
        inst = int(ds.InstanceNumber) if ds.get("InstanceNumber") is not None else None
    except (ValueError, TypeError, AttributeError, KeyError, OverflowError) as e:
        raise DataError(f"malformed header ({type(e).__name__}: {e})") from None
    if n_frames > 1:  # a multi-frame file is its own stack
        return key + (str(f),), [Slice(str(f), None, orient, k, frame=k) for k in range(n_frames)], ds
    return key, [Slice(str(f), pos, orient, inst)], ds


def _make_series(key, slices, ds):
    uid, orient, rows, cols, localizer = key[:5]
    spacing = tuple(float(v) for v in ds.PixelSpacing) if "PixelSpacing" in ds else (1.0, 1.0)
    s = Series(uid=uid, modality=str(ds.get("Modality", "")), description=str(ds.get("SeriesDescription", "")),
               rows=rows, cols=cols, pixel_spacing=spacing, slices=slices,
               photometric=str(ds.get("PhotometricInterpretation", "MONOCHROME2")),
               patient=str(ds.get("PatientID", "")))
    if localizer:
        s.notes.append("localizer (scout) images")
    if "PixelSpacing" not in ds:
        s.notes.append("no PixelSpacing: 1 mm assumed")
    if not any(k in ds for k in ("RescaleSlope", "RescaleIntercept", "SharedFunctionalGroupsSequence")):
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
    elif "SliceThickness" in ds:
        s.slice_spacing = float(ds.SliceThickness)
    return s


def series_report(s, with_range=True):
    rep = {"uid": s.uid, "modality": s.modality, "description": s.description, "slices": len(s.slices),
           "rows": s.rows, "cols": s.cols, "pixel_spacing_mm": list(s.pixel_spacing),
           "slice_spacing_mm": s.slice_spacing, "photometric": s.photometric, "problems": s.problems,
           "notes": s.notes}
    if with_range:
        lo, hi = np.inf, -np.inf
        for i in range(len(s.slices)):
            try:
                hu, pad = s.load_hu([i])
            except DataError as e:
                rep.setdefault("unreadable", []).append(str(e))
                continue
            v = hu[~pad]
            if v.size:
                lo, hi = min(lo, float(v.min())), max(hi, float(v.max()))
        rep["hu_range"] = [lo, hi] if np.isfinite(lo) else None
    return rep


def inspect_dicom(path):
    """JSON-able report for ``python -m lab inspect``; ok when at least one image series was read."""
    series, skipped = scan_folder(path)
    rep = {"path": str(path), "kind": "dicom", "series": [series_report(s) for s in series],
           "skipped": [{"file": f, "reason": r} for f, r in skipped]}
    return rep, bool(series)
