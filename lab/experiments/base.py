"""The experiment protocol: what every experiment declares and what its callers may use.

An experiment is one object: ``Experiment(config)`` with a dataclass config (JSON-serialisable,
with the seed articles' presets), ``step()`` that advances training by one iteration and
returns a :class:`Snapshot`, and ``state_dict()/load_state_dict()`` so that a checkpoint
restores a run exactly. The GUI worker, the command line, tests and benchmarks all drive
experiments through this protocol only; every member below has a default, so callers never
probe with ``hasattr``.
"""

from __future__ import annotations

import dataclasses
import math
import time
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..errors import DivergedError



def _readonly_copy(a):
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


class Snapshot:
    """What one step shows, safe to hand to another thread:

    - ``step``: 1-based count of steps done;
    - ``metrics``: name -> float (every step; curves and the CSV are made of these);
    - ``arrays``: name -> read-only copies (images, matrices; expensive ones every few steps);
    - ``tables``: name -> list of rows (dicts of str -> number or text), e.g. a comparison table;
    - ``text``: name -> str.

    A viewer keeps the last arrays, tables and text it got (:meth:`merged_after`)."""

    __slots__ = ("step", "metrics", "arrays", "tables", "text")

    def __init__(self, step: int, metrics: dict[str, float], arrays: dict[str, Any] | None = None,
                 text: dict[str, str] | None = None, tables: dict[str, list[dict]] | None = None):
        self.step: int = int(step)
        self.metrics: dict[str, float] = {k: float(v) for k, v in metrics.items()}
        self.arrays: dict[str, np.ndarray] = {k: _readonly_copy(v) for k, v in (arrays or {}).items()}
        self.tables: dict[str, list[dict]] = {k: [dict(r) for r in rows] for k, rows in (tables or {}).items()}
        self.text: dict[str, str] = dict(text or {})

    def merged_after(self, older: Snapshot | None) -> Snapshot:
        """This snapshot, keeping ``older``'s arrays, tables and text that this one does not replace."""
        if older is None:
            return self
        s = Snapshot.__new__(Snapshot)
        s.step, s.metrics = self.step, self.metrics
        s.arrays = {**older.arrays, **self.arrays}
        s.tables = {**older.tables, **self.tables}
        s.text = {**older.text, **self.text}
        return s

    def non_finite(self) -> str | None:
        """Name of the first metric that is NaN or infinite, or None."""
        for k, v in self.metrics.items():
            if not math.isfinite(v):
                return k
        return None


def config_field(default, help="", label=None, **limits):
    """A config dataclass field carrying what the GUI form and the CLI need: a tooltip
    (``help``), a label, and limits (``min``, ``max``, ``choices``, ``log`` for learning rates,
    ``kind="path"`` for files and folders, ``slider=True`` for a small int range shown as a slider,
    ``view=True`` for a field that only chooses what is shown, so the GUI applies it to a running
    experiment without a Reset, ``applies={"model": ("autoencoder",)}`` for a field that only matters
    when other fields have those values: the form shows it only then)."""
    meta = {"help": help, "label": label, **limits}
    if isinstance(default, (list, dict)):
        return dataclasses.field(default_factory=lambda d=default: type(d)(d), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def field_type(f) -> type:
    """The Python type of a config field's value (int, float, bool, str, list)."""
    if f.default_factory is not dataclasses.MISSING:
        return type(f.default_factory())
    return type(f.default)


def config_to_dict(config) -> dict:
    return dataclasses.asdict(config)


def config_from_dict(cls, d: dict):
    """Build a config from a dict, ignoring keys it does not know (older files)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in d.items() if k in names})


class Experiment:
    """Base class of every experiment. A subclass sets the class attributes and implements
    ``__init__(config)`` (calling ``super().__init__``), ``step``, ``state_dict`` and
    ``load_state_dict``; the rest has defaults."""

    name: ClassVar[str] = "base"                      # registry key: python -m lab run NAME
    title: ClassVar[str] = "Experiment"               # what the GUI calls it
    Config: ClassVar[type] = None                     # the config dataclass (fields from config_field)
    presets: ClassVar[dict[str, dict]] = {}           # preset name -> overrides of the Config defaults
    preset_notes: ClassVar[dict[str, str]] = {}       # preset name -> one line for the user
    default_preset: ClassVar[str] = "default"
    key_metric: ClassVar[str | None] = None           # the number a run list shows (else lab.runs.store's guess)

    config: Any
    steps_done: int
    source: str = ""                                  # where the data came from, for the user

    def __init__(self, config=None):
        self.config = config if config is not None else self.preset_config(self.default_preset)
        self.steps_done = 0
        self._t_last = None
        self._dt_ema = None

    @classmethod
    def preset_config(cls, preset: str | None = None, **overrides):
        preset = preset or cls.default_preset
        if preset not in cls.presets:
            raise KeyError(f"{cls.name}: unknown preset {preset!r}; choose from {', '.join(cls.presets)}")
        base = dataclasses.asdict(cls.Config())
        base.update(cls.presets[preset])
        base.update({k: v for k, v in overrides.items() if v is not None})
        base["preset"] = preset
        return config_from_dict(cls.Config, base)

    @property
    def total_steps(self) -> int | None:
        """The steps a run plans (progress bar, ETA, command line): the config's ``steps``."""
        return int(getattr(self.config, "steps", 0)) or None

    def step(self) -> Snapshot:
        raise NotImplementedError

    def state_dict(self) -> dict:
        raise NotImplementedError

    def load_state_dict(self, state: dict) -> None:
        raise NotImplementedError

    def prepare(self) -> None:
        """Heavy one-off work the first view of a fresh experiment needs (e.g. evaluating the
        untrained model on held-out data), cached for it. The app calls it in its loader thread,
        right after building the experiment, so the GUI thread only draws."""

    def final_metrics(self) -> dict:
        """Numbers for the command line's last JSON line beyond the last step's metrics."""
        return {}

    def export_files(self, folder: str | Path) -> list[Path]:
        """Write the experiment's own files (beyond figures and config) into ``folder``."""
        return []

    def close(self) -> None:
        """Release large buffers; called by the worker when a run ends."""

    def scale_learning_rates(self, factor: float) -> list[str]:
        """Multiply every learning rate by ``factor`` between two steps (a run that diverged goes on
        more gently): the config's learning-rate fields (``lr``, ``*_lr``: schedules read them) and
        every optimizer the experiment holds (objects with ``lr`` and ``update``; a wrapper is scaled,
        not also the optimizer it wraps). Returns the config fields changed."""
        changed = []
        for f in dataclasses.fields(self.config):
            v = getattr(self.config, f.name)
            if (f.name == "lr" or f.name.endswith("_lr")) and isinstance(v, float):
                setattr(self.config, f.name, v * factor)
                changed.append(f.name)
        found, seen = [], set()

        def visit(obj, depth):
            if id(obj) in seen or depth > 4 or isinstance(obj, (np.ndarray, str, bytes, int, float)):
                return
            seen.add(id(obj))
            if callable(getattr(obj, "update", None)) and isinstance(getattr(obj, "lr", None), float):
                found.append(obj)
            items = (obj.values() if isinstance(obj, dict) else obj if isinstance(obj, (list, tuple)) else
                     vars(obj).values() if type(obj).__module__.startswith("lab.") and hasattr(obj, "__dict__")
                     else ())
            for v in items:
                visit(v, depth + 1)
        for v in vars(self).values():
            visit(v, 0)
        inner = {id(getattr(o, "opt", None)) for o in found}
        for o in found:
            if id(o) not in inner:
                o.lr = o.lr * factor
        return changed

    # helpers for subclasses
    def _tick_rate(self) -> float:
        """Iterations per second, smoothed; call once per step."""
        now = time.perf_counter()
        if self._t_last is not None:
            dt = now - self._t_last
            self._dt_ema = dt if self._dt_ema is None else 0.9 * self._dt_ema + 0.1 * dt
        self._t_last = now
        return 1.0 / self._dt_ema if self._dt_ema else 0.0

    def _check_finite(self, **values) -> None:
        """Raise DivergedError naming the quantity when a loss is NaN/inf (before updating)."""
        for what, v in values.items():
            if not np.all(np.isfinite(v)):
                raise DivergedError(self.steps_done + 1, what.replace("_", " "))
