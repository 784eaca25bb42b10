"""Recording one run as it goes: its folder is made at the first step (a run never started leaves
nothing behind), metrics are appended to ``metrics.csv`` about once a second, and ``finish`` writes
the checkpoint and the final status. Used from the thread that trains (the app's worker, the command
line, a sweep's worker process): nothing here waits on the GUI."""

from __future__ import annotations

import math
import time
from pathlib import Path

from ..experiments.base import config_to_dict
from ..experiments.checkpoints import save_checkpoint
from ..export.tables import write_json
from .store import new_run_folder, next_colour, owner, update_run


class RunRecorder:
    def __init__(self, experiment, root=None, name=None, sweep=None, folder=None, flush_s=1.0, checkpoint_s=120.0):
        """``experiment``: the experiment object this records (its name, config, state).
        ``folder``: an existing run to go on recording into (a run reopened from its checkpoint).
        ``checkpoint_s``: also save the checkpoint this often while training (the last good state
        a diverged or killed run can be reopened from)."""
        self.experiment, self.root, self.name, self.sweep = experiment, root, name, sweep
        self.folder: Path | None = Path(folder) if folder is not None else None
        self.flush_s, self.checkpoint_s = flush_s, checkpoint_s
        self._t_checkpoint = time.perf_counter()
        self.last: dict[str, float] = {}
        self._rows: list[str] = []
        self._t0 = self._t_flush = None
        self.error = None  # the first OSError met (recording stops; training goes on)
        self._open = False  # between begin (or a resumed add) and finish

    def begin(self) -> Path | None:
        if self.folder is not None or self.error:
            return self.folder
        exp = self.experiment
        try:
            colour = next_colour(exp.name, self.root)
            folder = new_run_folder(exp.name, self.root)
            write_json(folder / "config.json", config_to_dict(exp.config))
            (folder / "metrics.csv").write_text("step,wall_s,metric,value\n", encoding="utf-8")
            write_json(folder / "run.json", {
                "format": "numpy-lab-run/1", "experiment": exp.name,
                "name": self.name or f"{getattr(exp.config, 'preset', exp.name)} #{colour + 1}",
                "created": time.strftime("%Y-%m-%dT%H:%M:%S"), "status": "running", "steps": exp.steps_done,
                "started_at_step": exp.steps_done, "key_metric": getattr(exp, "key_metric", None),
                "sweep": self.sweep, "colour": colour, "owner": owner(), "final": {}})
        except OSError as e:
            self.error = e
            return None
        self.folder, self._open = folder, True
        self._t0 = self._t_flush = time.perf_counter()
        return folder

    def add(self, step, metrics):
        """One step's metrics (called after every step)."""
        if self.begin() is None:
            return
        if not self._open:  # resumed after a stop, or reopened: the run is running again
            self._open = True
            if self._t0 is None:
                self._t0 = self._t_flush = time.perf_counter() - _last_wall(self.folder)
            try:
                update_run(self.folder, status="running", owner=owner())
            except OSError as e:
                self.error = e
                return
        wall = time.perf_counter() - self._t0
        for k, v in metrics.items():
            v = float(v)
            self.last[k] = v
            self._rows.append(f"{int(step)},{wall:.3f},{k},{v!r}\n")
        if time.perf_counter() - self._t_flush >= self.flush_s:
            self.flush()
        if self.checkpoint_s and time.perf_counter() - self._t_checkpoint >= self.checkpoint_s:
            self._t_checkpoint = time.perf_counter()
            try:
                save_checkpoint(self.experiment, self.folder / "checkpoint.npz")
            except OSError as e:
                self.error = e

    def flush(self):
        if self.folder is None or not self._rows or self.error:
            return
        try:
            with open(self.folder / "metrics.csv", "a", encoding="utf-8") as f:
                f.writelines(self._rows)
            self._rows.clear()
            self._t_flush = time.perf_counter()
        except OSError as e:
            self.error = e

    def finish(self, status, final=None, checkpoint=True):
        """The run paused, stopped, finished or failed: metrics out, the checkpoint (when the
        experiment's state is good) and the status in ``run.json``."""
        if self.folder is None or self.error:
            return self.folder
        self.flush()
        self._open = False
        exp = self.experiment
        merged = {k: v for k, v in self.last.items() if math.isfinite(v)}
        merged.update({k: v for k, v in (final or {}).items() if _number(v)})
        try:
            if checkpoint and exp.steps_done:
                save_checkpoint(exp, self.folder / "checkpoint.npz")
            update_run(self.folder, status=status, steps=exp.steps_done, final=merged)
        except OSError as e:
            self.error = e
        return self.folder


def _last_wall(folder):
    """The wall time a reopened run had reached (its metrics go on from there)."""
    try:
        with open(Path(folder) / "metrics.csv", "rb") as f:
            f.seek(0, 2)
            f.seek(max(0, f.tell() - 4096))
            lines = f.read().decode("utf-8", "replace").splitlines()
        for line in reversed(lines):
            parts = line.split(",")
            if len(parts) == 4:
                try:
                    return float(parts[1])
                except ValueError:
                    continue
    except OSError:
        pass
    return 0.0


def _number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
