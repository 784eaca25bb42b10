"""One headless run of an experiment: the command line's ``run``, each task of a sweep and an
exported script all come through :func:`run_experiment`, so they record and report alike."""

from __future__ import annotations

import math
from pathlib import Path

from ..errors import DivergedError, RunFinished
from ..experiments import get_experiment, load_checkpoint, save_checkpoint
from ..experiments.base import config_from_dict, config_to_dict
from ..export.tables import write_csv, write_json
from .recorder import RunRecorder
from .script import write_script


def build_experiment(name, config=None, preset=None, overrides=None, checkpoint=None):
    """The experiment: from a checkpoint, a full config dict, or a preset with overrides."""
    if checkpoint:
        return load_checkpoint(checkpoint, name)
    cls = get_experiment(name)
    if config is not None:
        return cls(config_from_dict(cls.Config, dict(config)))
    return cls(cls.preset_config(preset, **(overrides or {})))


def run_experiment(exp, steps=None, out=None, record=True, root=None, run_name=None, sweep=None,
                   on_step=None):
    """Train ``exp`` for ``steps`` more steps (default: the steps its config plans) and return
    ``{"final": {...}, "status": "finished" | "diverged" | "interrupted", "folder": run folder or None,
    "rows": [(step, metrics)]}``. ``out``: also write config.json, metrics.csv (one column per
    metric), checkpoint.npz, reproduce.py (``lab.runs.script``) and the experiment's own files there. ``on_step(step, metrics, target)``
    is called after every step (a progress line)."""
    recorder = RunRecorder(exp, root=root, name=run_name, sweep=sweep) if record else None
    if out is not None:
        write_json(Path(out) / "config.json", config_to_dict(exp.config))  # fails early on an unwritable folder
    target = exp.steps_done + (steps or exp.total_steps or 1)
    rows, last, status, error = [], {}, "finished", None
    try:
        while exp.steps_done < target:
            snap = exp.step()
            last.update(snap.metrics)
            rows.append((snap.step, dict(snap.metrics)))
            if recorder is not None:
                recorder.add(snap.step, snap.metrics)
            if on_step is not None:
                on_step(snap.step, snap.metrics, target)
    except DivergedError as e:
        status, error = "diverged", str(e)
    except RunFinished as e:
        error = f"the run ended at step {exp.steps_done}: {e}"
    except KeyboardInterrupt:
        status, error = "interrupted", f"interrupted at step {exp.steps_done}: writing what the run has so far"
    final = {"experiment": exp.name, "preset": exp.config.preset, "steps": exp.steps_done,
             **{k: (v if math.isfinite(v) else None) for k, v in last.items()}}
    if status != "diverged":
        final.update(exp.final_metrics())
    files = []
    if out is not None:
        out = Path(out)
        names = []
        for _, m in rows:
            names += [k for k in m if k not in names]
        write_csv(out / "metrics.csv", ["step"] + names, [[s] + [m.get(k, "") for k in names] for s, m in rows])
        save_checkpoint(exp, out / "checkpoint.npz")
        write_script(out / "reproduce.py", exp)
        files = ["config.json", "metrics.csv", "checkpoint.npz", "reproduce.py"] + [
            Path(p).name for p in exp.export_files(out)]
        final["files"] = sorted(files)
    folder = recorder.finish(status, final) if recorder is not None else None
    if folder is not None:
        final["run"] = str(folder)
    return {"final": final, "status": status, "error": error, "folder": folder, "rows": rows}
