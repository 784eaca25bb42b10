"""``python -m lab inspect PATH``: describe a data file or folder as a JSON-able report: a
folder of GIF class subfolders, MNIST-format IDX files, or DICOM files (series and skipped files)."""

from pathlib import Path

import numpy as np

from ..errors import DataError
from .idx import read_idx
from .mnist import IMAGES_RE, load_image_set
from .outcome import Outcome, outcomes_report


def _idx_report(path):
    arr = read_idx(path)
    rep = {"file": str(path), "format": "IDX", "shape": list(arr.shape), "dtype": str(arr.dtype)}
    if arr.ndim == 1 and arr.size and np.issubdtype(arr.dtype, np.integer):
        rep["label_counts"] = {int(k): int(v) for k, v in zip(*np.unique(arr, return_counts=True))}
    return rep


def inspect_path(path):
    """Returns (report dict, ok). ok is False when nothing usable was found. A folder whose
    subfolders hold GIFs is described as a GIF dataset; anything else as IDX files."""
    path = Path(path).expanduser()
    if not path.exists():
        return {"path": str(path), "error": "no such file or folder"}, False
    if path.is_dir() and any(p.suffix.lower() == ".gif" for p in path.glob("*/**/*")):
        from .gif import inspect_gif_folder
        return inspect_gif_folder(path)
    names = [p.name.lower() for p in (path.rglob("*") if path.is_dir() else [path])]
    if not any("idx" in n for n in names):
        from .dicom import inspect_dicom
        return inspect_dicom(path)
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    found, outcomes = [], []
    for f in files:
        if "idx" not in f.name.lower():
            outcomes.append(Outcome(str(f), "skipped", "not an IDX file name (*-idx?-ubyte[.gz])"))
            continue
        try:
            found.append(_idx_report(f))
        except DataError as e:
            outcomes.append(Outcome(str(f), "refused", str(e).removeprefix(f"{f}: ")))
        else:
            outcomes.append(Outcome(str(f), "loaded"))
    report = {"path": str(path), "idx_files": found, **outcomes_report(outcomes)}
    if any(IMAGES_RE.match(Path(r["file"]).name) for r in found):
        try:
            s = load_image_set(path)
            report["dataset"] = {"images": s.source, "count": int(len(s.images)),
                                 "size": list(s.images.shape[1:]), "labels": s.labels is not None}
        except DataError as e:
            report["dataset_error"] = str(e)
    return report, bool(found)
