"""The headless command line: ``python -m lab list | run NAME | runs | sweep NAME | inspect PATH``.

``run`` trains an experiment with a progress line on stderr and writes to ``--out``:
config.json, metrics.csv, checkpoint.npz and the experiment's own files (for the GAN:
samples.npz, grid.png, progress.gif, interpolation.png); it is also recorded in the run list
(``runs``) that the app shows. The last stdout line is one JSON object with the final metrics.
``sweep`` runs one experiment over a grid of settings and seeds in parallel (``lab.runs.sweep``).
"""

import argparse
import json
import sys
import time

from .errors import DataError
from .experiments import EXPERIMENTS, get_experiment, load_all
from .runs.settings import parse_grid, parse_overrides
from .runs.execute import build_experiment, run_experiment
from .runs.store import list_runs, runs_root


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
    overrides = {}
    if not args.checkpoint:
        overrides = parse_overrides(cls, args.set)
        overrides.update({k: v for k, v in (("steps", args.steps), ("seed", args.seed), ("data", args.data),
                                            ("epochs", args.epochs), ("mode", args.mode),
                                            ("sigma_hu", args.noise_sigma)) if v is not None})
    exp = build_experiment(args.name, preset=args.preset, overrides=overrides, checkpoint=args.checkpoint)
    progress = Progress(exp.steps_done + (args.steps or exp.total_steps or 1))
    result = run_experiment(exp, steps=args.steps, out=args.out, record=not args.no_record, run_name=args.name_run,
                            on_step=lambda step, metrics, _target: progress.update(step, metrics))
    progress.update(exp.steps_done, result["rows"][-1][1] if result["rows"] else {}, force=True)
    progress.close()
    if result["error"]:
        print(f"{'error: ' if result['status'] == 'diverged' else ''}{result['error']}", file=sys.stderr)
    print(json.dumps(result["final"]))
    return {"finished": 0, "diverged": 1, "interrupted": 130}[result["status"]]


def cmd_runs(args):
    runs, problems = list_runs(args.experiment)
    if args.json:
        print(json.dumps([{"id": r.id, "experiment": r.experiment, "name": r.name, "created": r.created,
                           "status": r.status, "steps": r.steps, "metric": r.metric, "value": r.value,
                           "folder": str(r.folder)} for r in runs], indent=2))
    else:
        print(f"{len(runs)} runs in {runs_root()}" + (f" ({args.experiment})" if args.experiment else ""))
        for r in runs:
            print(f"{r.experiment:<18} {r.created.replace('T', ' '):<19}  {r.status:<11} {r.steps:>7} steps  "
                  f"{r.metric_text():<26} {r.name}")
    for p in problems:
        print(f"skipped: {p}", file=sys.stderr)
    return 0


def cmd_sweep(args):
    from .runs import sweep
    cls = get_experiment(args.name)
    grid = parse_grid(cls, args.set)
    if not grid and args.seeds < 2:
        raise DataError("a sweep needs --set KEY=V1,V2,... (or lo:hi:n[:log]) and/or --seeds N (N >= 2)")
    fixed = parse_overrides(cls, args.fix)
    if args.data:
        fixed["data"] = args.data
    sweep_id, tasks = sweep.plan(args.name, grid, seeds=args.seeds, preset=args.preset, base=fixed, steps=args.steps)
    backend = "dask" if (args.scheduler or args.backend == "dask") else "pool"
    where = args.scheduler or ("a local Dask cluster" if backend == "dask" else "a process pool")
    print(f"sweep {sweep_id}: {len(tasks)} runs of {args.name} on {where}", file=sys.stderr)
    done = []

    def report(r):
        done.append(r)
        shown = f"{r['metric']} {r['value']:.4g}" if r["value"] is not None else (r["error"] or r["status"])
        print(f"[{len(done)}/{len(tasks)}] {r['task']['name']}: {shown}", file=sys.stderr, flush=True)
    if backend == "dask":
        results = sweep.run_dask(tasks, scheduler=args.scheduler, workers=args.workers, on_result=report)
    else:
        results = sweep.run_pool(tasks, workers=args.workers, on_result=report)
    fields = list(grid)
    summary = sweep.summarise(results, fields)
    for row in summary:
        spread = f" ± {row['std']:.2g}" if row["std"] is not None else ""
        mean = "failed" if row["mean"] is None else f"{row['mean']:.4g}{spread} (n={row['n']})"
        print(f"  {', '.join(f'{k}={v}' for k, v in row['values'].items()) or 'seeds'}: {row['metric']} {mean}",
              file=sys.stderr)
    print(json.dumps({"sweep": sweep_id, "experiment": args.name, "backend": backend, "fields": fields,
                      "summary": summary,
                      "runs": [{"values": r["task"]["point"], "seed": r["task"]["seed"], "status": r["status"],
                                "metric": r["metric"], "value": r["value"], "folder": r["folder"],
                                "error": r["error"]} for r in results]}))
    return 0 if all(r["status"] == "finished" for r in results) else 1


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
    r.add_argument("--name", dest="name_run", help="the run's name in the run list (default: its folder's)")
    r.add_argument("--no-record", action="store_true",
                   help="do not record the run in the run list (see 'runs'); --out is written either way")
    ls = sub.add_parser("runs", help="list the recorded runs (the app's run lists), newest first")
    ls.add_argument("experiment", nargs="?", help="only this experiment's runs")
    ls.add_argument("--json", action="store_true", help="as JSON")
    w = sub.add_parser("sweep", help="run an experiment over a grid of settings and seeds, in parallel")
    w.add_argument("name", help="experiment name (see 'list')")
    w.add_argument("--set", action="append", metavar="KEY=VALUES",
                   help="a swept field: V1,V2,... or lo:hi:n[:log] (repeatable: the grid is their product)")
    w.add_argument("--fix", action="append", metavar="KEY=VALUE", help="a field set for every run (repeatable)")
    w.add_argument("--seeds", type=int, default=1, help="seeds per grid point (the config's seed, +1, …)")
    w.add_argument("--preset", help="preset every run starts from")
    w.add_argument("--steps", type=int, help="iterations per run (default: the preset's)")
    w.add_argument("--data", help="data file or folder for every run")
    w.add_argument("--workers", type=int, help="parallel runs (default: one per core)")
    w.add_argument("--backend", choices=["pool", "dask"], default="pool",
                   help="a process pool on this machine (default) or a Dask LocalCluster")
    w.add_argument("--scheduler", metavar="tcp://HOST:8786", help="run on this Dask cluster (implies dask)")
    i = sub.add_parser("inspect", help="describe a data file or folder as JSON")
    i.add_argument("path")
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return {"list": cmd_list, "run": cmd_run, "inspect": cmd_inspect, "runs": cmd_runs,
                "sweep": cmd_sweep}[args.command](args)
    except (DataError, KeyError) as e:
        msg = e.args[0] if isinstance(e, KeyError) and e.args else e
        print(f"error: {msg}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"error: {e.filename + ': ' if e.filename else ''}{e.strerror or e}", file=sys.stderr)
        return 2
