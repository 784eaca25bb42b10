"""CT benchmark: JSON lines on stdout.

- series load time (scan + HU of every slice) for the built-in phantom and the shared series,
  beside a bare pydicom loop (dcmread + pixel_array) over the same files, as a ratio;
- residual-CNN training iterations per second and megapixels per second (patches), and the
  peak resident memory while training on 512x512 slices (ru_maxrss).
Medians over repeats; the machine is shared and noisy.  Usage: python bench/ct.py [--steps 30]
"""

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data" / "dicom"

from lab.data.dicom import _scan, scan_folder  # noqa: E402
from lab.data.phantom import ct_phantom_folder  # noqa: E402
from lab.experiments.ct import CTExperiment  # noqa: E402


def emit(**kw):
    print(json.dumps(kw), flush=True)


def timed(fn, repeats=3):
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def ours(folder):
    _scan.forget()  # a cold read every round: the app remembers an unchanged folder, the bench must not
    series, _ = scan_folder(folder)
    for s in series:
        s.load_hu()


def bare(folder):
    import pydicom
    for f in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        try:
            pydicom.dcmread(f).pixel_array
        except Exception:  # noqa: BLE001 — the bare loop just skips what it cannot read
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=30)
    args = ap.parse_args()
    folders = {"phantom": ct_phantom_folder()}
    for name in ("lung-ct-a0001", "chest-ct-axial"):
        if (SHARED / name).is_dir():
            folders[name] = SHARED / name
    for name, folder in folders.items():
        t_ours, t_bare = timed(lambda: ours(folder)), timed(lambda: bare(folder))
        emit(bench="ct", what="series_load", data=name, seconds=round(t_ours, 3), bare_pydicom_seconds=round(t_bare, 3),
             ratio=round(t_ours / t_bare, 2))
    data = str(SHARED / "chest-ct-axial") if "chest-ct-axial" in folders else ""
    exp = CTExperiment(CTExperiment.preset_config(data=data, eval_every=10**9))
    exp.step()
    rates = []
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(args.steps):
            exp.step()
        rates.append(args.steps / (time.perf_counter() - t0))
    it = statistics.median(rates)
    c = exp.config
    emit(bench="ct", what="train_residual_cnn", data=data or "phantom", it_per_s=round(it, 2),
         megapixels_per_s=round(it * c.batch_size * c.patch ** 2 / 1e6, 3), slice_shape=list(exp.slices.hu[0].shape[1:]),
         peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1))


if __name__ == "__main__":
    main()
