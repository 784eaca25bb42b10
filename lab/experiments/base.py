"""The experiment protocol, the registry of experiments, snapshots and checkpoints.

An experiment is one object: ``Experiment(config)`` with a dataclass config (JSON-
serialisable, with the seed articles' presets), ``step()`` that advances training by one
iteration and returns a :class:`Snapshot`, and ``state_dict()/load_state_dict()`` so that a
checkpoint restores a run exactly. The GUI worker, the command line, tests and benchmarks
all drive experiments through this protocol only.
"""

import dataclasses
import io
import json
import math
import time
from pathlib import Path

import numpy as np

from ..errors import DataError, DivergedError
from ..files import atomic_path

EXPERIMENTS = {}


def register(cls):
    """Class decorator: make an experiment available by ``cls.name``."""
    EXPERIMENTS[cls.name] = cls
    return cls


def get_experiment(name):
    from . import load_all

    load_all()
    try:
        return EXPERIMENTS[name]
    except KeyError:
        raise KeyError(f"unknown experiment {name!r}; available: {', '.join(sorted(EXPERIMENTS))}") from None


def _readonly_copy(a):
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


class Snapshot:
    """What one step shows: ``step`` (1-based count of steps done), ``metrics`` (name -> float),
    ``arrays`` (name -> read-only copies: safe to hand to another thread) and ``text``.

    Expensive previews (sample grids) appear in ``arrays`` only every few steps; a viewer
    keeps the last ones it got."""

    __slots__ = ("step", "metrics", "arrays", "text")

    def __init__(self, step, metrics, arrays=None, text=None):
        self.step = int(step)
        self.metrics = {k: float(v) for k, v in metrics.items()}
        self.arrays = {k: _readonly_copy(v) for k, v in (arrays or {}).items()}
        self.text = dict(text or {})

    def merged_after(self, older):
        """This snapshot, keeping ``older``'s arrays and text that this one does not replace."""
        if older is None:
            return self
        s = Snapshot.__new__(Snapshot)
        s.step, s.metrics = self.step, self.metrics
        s.arrays = {**older.arrays, **self.arrays}
        s.text = {**older.text, **self.text}
        return s

    def non_finite(self):
        """Name of the first metric that is NaN or infinite, or None."""
        for k, v in self.metrics.items():
            if not math.isfinite(v):
                return k
        return None


def config_field(default, help="", label=None, **limits):
    """A config dataclass field carrying what the GUI form and the CLI need: a tooltip
    (``help``), a label, and limits (``min``, ``max``, ``choices``, ``log`` for learning rates)."""
    meta = {"help": help, "label": label, **limits}
    if isinstance(default, (list, dict)):
        return dataclasses.field(default_factory=lambda d=default: type(d)(d), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def field_type(f):
    """The Python type of a config field's value (int, float, bool, str, list)."""
    if f.default_factory is not dataclasses.MISSING:
        return type(f.default_factory())
    return type(f.default)


def config_to_dict(config):
    return dataclasses.asdict(config)


def config_from_dict(cls, d):
    """Build a config from a dict, ignoring keys it does not know (older files)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in d.items() if k in names})


class Experiment:
    """Base class: subclasses set ``name``, ``title``, ``Config``, ``presets`` and implement
    ``step``, ``state_dict``, ``load_state_dict``. ``default_preset`` names the preset a
    fresh run uses."""

    name = "base"
    title = "Experiment"
    Config = None
    presets = {}
    default_preset = "default"

    def __init__(self, config=None):
        self.config = config if config is not None else self.preset_config(self.default_preset)
        self.steps_done = 0
        self._t_last = None
        self._dt_ema = None

    @classmethod
    def preset_config(cls, preset=None, **overrides):
        preset = preset or cls.default_preset
        if preset not in cls.presets:
            raise KeyError(f"{cls.name}: unknown preset {preset!r}; choose from {', '.join(cls.presets)}")
        base = dataclasses.asdict(cls.Config())
        base.update(cls.presets[preset])
        base.update({k: v for k, v in overrides.items() if v is not None})
        base["preset"] = preset
        return config_from_dict(cls.Config, base)

    @property
    def total_steps(self):
        return int(getattr(self.config, "steps", 0)) or None

    def step(self):
        raise NotImplementedError

    def state_dict(self):
        raise NotImplementedError

    def load_state_dict(self, state):
        raise NotImplementedError

    def close(self):
        """Release large buffers; called by the worker when a run ends."""

    # helpers for subclasses
    def _tick_rate(self):
        """Iterations per second, smoothed; call once per step."""
        now = time.perf_counter()
        if self._t_last is not None:
            dt = now - self._t_last
            self._dt_ema = dt if self._dt_ema is None else 0.9 * self._dt_ema + 0.1 * dt
        self._t_last = now
        return 1.0 / self._dt_ema if self._dt_ema else 0.0

    def _check_finite(self, **values):
        """Raise DivergedError naming the quantity when a loss is NaN/inf (before updating)."""
        for what, v in values.items():
            if not np.all(np.isfinite(v)):
                raise DivergedError(self.steps_done + 1, what.replace("_", " "))


# ----------------------------------------------------------------------------- checkpoints
def _split(obj, arrays, prefix):
    """Nested dict of arrays/scalars -> JSON-able tree with array references."""
    if isinstance(obj, np.ndarray):
        key = prefix or "root"
        arrays[key] = obj
        return {"__array__": key}
    if isinstance(obj, dict):
        return {str(k): _split(v, arrays, f"{prefix}/{k}" if prefix else str(k)) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_split(v, arrays, f"{prefix}/{i}") for i, v in enumerate(obj)]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def _join(tree, arrays):
    if isinstance(tree, dict):
        if set(tree) == {"__array__"}:
            return arrays[tree["__array__"]]
        return {k: _join(v, arrays) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_join(v, arrays) for v in tree]
    return tree


def save_checkpoint(experiment, path):
    """Write ``experiment`` (name, config, full state) to one ``.npz`` file, atomically.
    The JSON part (config, counters, RNG state) is stored inside as ``__meta__``."""
    arrays = {}
    meta = {"format": "numpy-lab-checkpoint/1", "experiment": experiment.name,
            "config": config_to_dict(experiment.config),
            "state": _split(experiment.state_dict(), arrays, "")}
    arrays["__meta__"] = np.frombuffer(json.dumps(meta).encode("utf-8"), np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(buf.getvalue())
    return Path(path)


def load_checkpoint(path, experiment_name=None):
    """Rebuild the experiment saved in ``path``; DataError names the file when it cannot."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        meta = json.loads(arrays.pop("__meta__").tobytes().decode("utf-8"))
    except FileNotFoundError:
        raise DataError(f"{path}: no such checkpoint") from None
    except (OSError, ValueError, KeyError, EOFError) as e:
        raise DataError(f"{path}: not a NumPy Lab checkpoint ({e})") from None
    name = meta.get("experiment")
    if experiment_name and name != experiment_name:
        raise DataError(f"{path}: is a checkpoint of the {name!r} experiment, not {experiment_name!r}")
    cls = get_experiment(name)
    exp = cls(config_from_dict(cls.Config, meta["config"]))
    exp.load_state_dict(_join(meta["state"], arrays))
    return exp
