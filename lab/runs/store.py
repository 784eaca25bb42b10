"""Where runs live and what is known about them.

Each run is a folder ``<root>/<experiment>/<YYYYmmdd-HHMMSS>-<id>/`` with

- ``run.json``: name, experiment, created (ISO time), status, steps, key metric, final metrics,
  the process that records it (so a run whose process died reads as "interrupted");
- ``config.json``: the config, as the command line and the app read it back;
- ``metrics.csv``: ``step, wall_s, metric, value``, appended as the run goes;
- ``checkpoint.npz`` when the run ended or paused (loading it continues the run exactly), and
  whatever figures were exported into it.

``root`` is ``$XDG_DATA_HOME/numpy-lab/runs`` (``~/.local/share/numpy-lab/runs`` by default).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import os
import secrets
import shutil
import socket
import time
from pathlib import Path

from ..errors import DataError
from ..export.tables import write_json

KEY_METRICS = ("test_accuracy", "accuracy", "psnr", "test_mse", "test_rmse", "rmse", "test_cost", "cost", "loss")


def runs_root() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "numpy-lab" / "runs"


def key_metric(values: dict, preferred: str | None = None):
    """(name, value) of the number that best sums up a run: ``preferred`` when present, else the
    first of :data:`KEY_METRICS`; (None, None) when there is none."""
    for name in ((preferred,) if preferred else ()) + KEY_METRICS:
        v = values.get(name)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            return name, float(v)
    return None, None


@dataclasses.dataclass
class RunInfo:
    folder: Path
    experiment: str
    name: str
    created: str
    status: str
    steps: int = 0
    metric: str | None = None
    value: float | None = None
    final: dict = dataclasses.field(default_factory=dict)
    sweep: str | None = None
    colour: int = 0          # index into the app's run palette, fixed when the run began

    @property
    def id(self) -> str:
        return self.folder.name

    def config(self) -> dict:
        return read_json(self.folder / "config.json")

    def metric_text(self) -> str:
        if self.value is None:
            return ""
        v, name = self.value, (self.metric or "").replace("accuracy", "acc").replace("_", " ")
        return f"{name} {100 * v:.1f} %" if "accuracy" in (self.metric or "") else f"{name} {v:.4g}"


def read_json(path) -> dict:
    try:
        return json.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        raise DataError(f"{path}: missing") from None
    except (OSError, ValueError) as e:
        raise DataError(f"{path}: unreadable ({e})") from None


def new_run_folder(experiment: str, root=None) -> Path:
    root = Path(root) if root is not None else runs_root()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder = root / experiment / f"{stamp}-{secrets.token_hex(3)}"
    folder.mkdir(parents=True, exist_ok=False)
    return folder


def next_colour(experiment: str, root=None) -> int:
    """A colour index for a new run: one more than the runs this experiment has, so runs made one
    after another differ in colour."""
    parent = (Path(root) if root is not None else runs_root()) / experiment
    return sum(1 for p in parent.glob("*") if p.is_dir()) if parent.is_dir() else 0


def owner() -> dict:
    return {"host": socket.gethostname(), "pid": os.getpid()}


def _alive(meta) -> bool:
    own = meta.get("owner") or {}
    if own.get("host") != socket.gethostname():
        return True  # another machine's process: trust what it wrote
    try:
        os.kill(int(own.get("pid", -1)), 0)
        return True
    except (OSError, ValueError):
        return False


def read_run(folder) -> RunInfo:
    folder = Path(folder)
    meta = read_json(folder / "run.json")
    status = meta.get("status", "unknown")
    if status == "running" and not _alive(meta):
        status = "interrupted"
    final = meta.get("final") or {}
    metric, value = key_metric(final, meta.get("key_metric"))
    return RunInfo(folder=folder, experiment=str(meta.get("experiment", folder.parent.name)),
                   name=str(meta.get("name") or folder.name), created=str(meta.get("created", "")),
                   status=status, steps=int(meta.get("steps", 0) or 0), metric=metric, value=value,
                   final=final, sweep=meta.get("sweep"), colour=int(meta.get("colour", 0) or 0))


def list_runs(experiment: str | None = None, root=None) -> tuple[list[RunInfo], list[str]]:
    """The runs under ``root`` (one experiment's, or all), newest first, and one line per folder
    that could not be read (named, with the reason)."""
    root = Path(root) if root is not None else runs_root()
    runs, problems = [], []
    parents = [root / experiment] if experiment else sorted(p for p in root.glob("*") if p.is_dir())
    for parent in parents:
        for folder in sorted(parent.glob("*")) if parent.is_dir() else []:
            if not folder.is_dir() or folder.name.startswith("."):
                continue
            try:
                runs.append(read_run(folder))
            except DataError as e:
                problems.append(str(e))
    runs.sort(key=lambda r: (r.created, r.folder.name), reverse=True)
    return runs, problems


def update_run(folder, **changes):
    """Change fields of a run's ``run.json`` (atomically)."""
    path = Path(folder) / "run.json"
    meta = read_json(path)
    meta.update(changes)
    write_json(path, meta)
    return meta


def rename_run(folder, name: str):
    name = " ".join(str(name).split())
    if not name:
        raise DataError("a run's name cannot be empty")
    update_run(folder, name=name)


def delete_run(folder, root=None):
    """Delete a run's folder; refuses anything that is not a run folder under ``root``."""
    root = (Path(root) if root is not None else runs_root()).resolve()
    folder = Path(folder).resolve()
    if root not in folder.parents or not (folder / "run.json").exists():
        raise DataError(f"{folder}: not a run folder under {root}")
    shutil.rmtree(folder)


def read_metrics(folder) -> dict[str, tuple[list[int], list[float], list[float]]]:
    """metric -> (steps, values, wall seconds) from a run's ``metrics.csv`` (a torn last line,
    from a process killed mid-write, is ignored)."""
    out: dict = {}
    path = Path(folder) / "metrics.csv"
    if not path.exists():
        return out
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            try:
                step, wall, value = int(row["step"]), float(row["wall_s"]), float(row["value"])
            except (KeyError, TypeError, ValueError):
                continue
            s, v, w = out.setdefault(row["metric"], ([], [], []))
            s.append(step)
            v.append(value)
            w.append(wall)
    return out


def differences(configs: list[dict], skip=("data",)) -> list[str]:
    """For each config, a short label naming what differs from the others ("lr 0.001, whitening
    off"); "same settings" when nothing does."""
    keys = []
    for c in configs:
        keys += [k for k in c if k not in keys and k not in skip]
    varying = [k for k in keys if len({json.dumps(c.get(k), sort_keys=True) for c in configs}) > 1]
    labels = []
    for c in configs:
        parts = [f"{k.replace('_', ' ')} {_short(c.get(k))}" for k in varying]
        labels.append(", ".join(parts) if parts else "same settings")
    return labels


def _short(v):
    if isinstance(v, bool):
        return "on" if v else "off"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, list):
        return "[" + ",".join(_short(x) for x in v) + "]"
    return str(v)
