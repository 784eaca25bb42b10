"""The headless command line: ``python -m lab list | run NAME | inspect PATH``.

``run`` trains an experiment with a progress line on stderr and writes to ``--out``:
config.json, metrics.csv, checkpoint.npz and the experiment's own files (for the GAN:
samples.npz, grid.png, progress.gif, interpolation.png). The last stdout line is one JSON
object with the final metrics.
"""

import argparse
import dataclasses
import json
import math
import sys
import time
from pathlib import Path

from .errors import DataError, DivergedError, RunFinished
from .experiments import EXPERIMENTS, get_experiment, load_all, load_checkpoint, save_checkpoint
from .experiments.base import config_to_dict, field_type
from .export.tables import write_csv, write_json


def _parse_value(field, text):
    t = field_type(field)
    if t is list and "choices" in field.metadata:
        values = [v.strip() for v in text.split(",") if v.strip()]
        bad = [v for v in values if v not in field.metadata["choices"]]
        if bad:
            raise ValueError(f"{', '.join(bad)}: not one of {', '.join(map(str, field.metadata['choices']))}")
        return values
    if t is list:
        return [int(v) for v in text.replace(" ", "").split(",") if v]
    if t is bool:
        return text.lower() in ("1", "true", "yes", "on")
    return t(text)


def _overrides(cls, pairs):
    fields = {f.name: f for f in dataclasses.fields(cls.Config)}
    out = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or key not in fields:
            raise DataError(f"--set {pair!r}: expected KEY=VALUE with KEY one of {', '.join(fields)}")
        try:
            out[key] = _parse_value(fields[key], value)
        except ValueError as e:
            raise DataError(f"--set {pair!r}: {e}") from None
    return out


class Progress:
    """One progress line on stderr: carriage-return updates on a terminal, a line every few
    seconds otherwise (logs stay readable)."""

    def __init__(self, total, stream=sys.stderr):
        self.total, self.stream, self.t0, self.last = total, stream, time.perf_counter(), 0.0
        self.tty = stream.isatty()
        self.shown = None

    def update(self, step, metrics, force=False):
        now = time.perf_counter()
        if step == self.shown or (not force and now - self.last < (0.2 if self.tty else 5.0)):
            return
        self.last, self.shown = now, step
        rate = step / max(now - self.t0, 1e-9)
        eta = (self.total - step) / rate if rate > 0 else float("inf")
        shown = " ".join(f"{k}={v:.4g}" for k, v in list(metrics.items())[:5])
        line = f"step {step}/{self.total} ({100 * step / self.total:.0f}%) {rate:.1f} it/s ETA {eta:.0f}s {shown}"
        self.stream.write(("\r" + line + "\033[K") if self.tty else line + "\n")
        self.stream.flush()

    def close(self):
        if self.tty:
            self.stream.write("\n")


def cmd_list(args):
    load_all()
    for name, cls in sorted(EXPERIMENTS.items()):
        print(f"{name}: {cls.title}")
        for p in cls.presets:
            note = cls.preset_notes.get(p, "")
            mark = " (default)" if p == cls.default_preset else ""
            print(f"    {p}{mark}{': ' + note if note else ''}")
    return 0


def cmd_run(args):
    cls = get_experiment(args.name)
    if args.checkpoint:
        exp = load_checkpoint(args.checkpoint, args.name)
    else:
        overrides = _overrides(cls, args.set)
        overrides.update({k: v for k, v in (("steps", args.steps), ("seed", args.seed), ("data", args.data),
                                            ("epochs", args.epochs), ("mode", args.mode),
                                            ("sigma_hu", args.noise_sigma)) if v is not None})
        config = cls.preset_config(args.preset, **overrides)
        exp = cls(config)
    out = Path(args.out)
    write_json(out / "config.json", config_to_dict(exp.config))  # fails early on an unwritable folder
    target = exp.steps_done + (args.steps or exp.total_steps or 1)
    progress = Progress(target)
    rows, last, status = [], {}, 0
    try:
        while exp.steps_done < target:
            snap = exp.step()
            last.update(snap.metrics)
            rows.append((snap.step, dict(snap.metrics)))
            progress.update(snap.step, snap.metrics)
    except DivergedError as e:
        print(f"\nerror: {e}", file=sys.stderr)
        status = 1
    except RunFinished as e:
        print(f"\nthe run ended at step {exp.steps_done}: {e}", file=sys.stderr)
    except KeyboardInterrupt:
        print(f"\ninterrupted at step {exp.steps_done}: writing what the run has so far", file=sys.stderr)
        status = 130
    progress.update(exp.steps_done, last, force=True)
    progress.close()
    names = []
    for _, m in rows:
        names += [k for k in m if k not in names]
    write_csv(out / "metrics.csv", ["step"] + names,
              [[s] + [m.get(k, "") for k in names] for s, m in rows])
    save_checkpoint(exp, out / "checkpoint.npz")
    written = exp.export_files(out)
    final = {"experiment": exp.name, "preset": exp.config.preset, "steps": exp.steps_done,
             **{k: (v if math.isfinite(v) else None) for k, v in last.items()},
             **exp.final_metrics(),
             "files": sorted(["config.json", "metrics.csv", "checkpoint.npz"] + [Path(p).name for p in written])}
    print(json.dumps(final))
    return status


def cmd_inspect(args):
    from .data.describe import inspect_path
    try:
        report, ok = inspect_path(args.path)
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(json.dumps(report, indent=2))
    if not ok:
        counts = report.get("counts", {})
        n = counts.get("skipped", 0) + counts.get("refused", 0)
        print(f"error: {args.path}: {report.get('error') or 'nothing usable found'}"
              f"{f' ({n} files skipped or refused, see the report)' if n else ''}", file=sys.stderr)
    return 0 if ok else 1


def build_parser():
    p = argparse.ArgumentParser(prog="python -m lab", description="NumPy Lab, headless: run the experiments "
                                "of the app without a display and export the same figures.")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="name the experiments and their presets")
    r = sub.add_parser("run", help="train an experiment and write its outputs to --out")
    r.add_argument("name", help="experiment name (see 'list')")
    r.add_argument("--preset", help="preset name (see 'list')")
    r.add_argument("--steps", type=int, help="iterations to run")
    r.add_argument("--epochs", type=int, help="passes over the data (experiments that count epochs)")
    r.add_argument("--mode", choices=["bptt", "dni"], help="gif: backpropagation through time or synthetic gradients")
    r.add_argument("--noise-sigma", type=float, metavar="HU", help="ct: Gaussian noise standard deviation in HU")
    r.add_argument("--seed", type=int)
    r.add_argument("--data", help="data file or folder (default: found files or the built-in data)")
    r.add_argument("--out", default="runs/latest", help="output folder (default: %(default)s)")
    r.add_argument("--checkpoint", help="continue from a checkpoint.npz instead of a fresh run")
    r.add_argument("--set", action="append", metavar="KEY=VALUE", help="override any config field (repeatable)")
    i = sub.add_parser("inspect", help="describe a data file or folder as JSON")
    i.add_argument("path")
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return {"list": cmd_list, "run": cmd_run, "inspect": cmd_inspect}[args.command](args)
    except (DataError, KeyError) as e:
        msg = e.args[0] if isinstance(e, KeyError) and e.args else e
        print(f"error: {msg}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"error: {e.filename + ': ' if e.filename else ''}{e.strerror or e}", file=sys.stderr)
        return 2
