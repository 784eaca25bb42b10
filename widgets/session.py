"""A run session: one experiment and the worker that trains it, with no widgets.

It owns the life cycle every tab shares: ``replace`` (stop, join, build or adopt an experiment,
hand it to the worker), and the start / step / reset policy: a run that has not taken a step
yet is rebuilt from the form's settings before it starts; a run that has taken steps keeps its
settings until Reset. Tabs connect to its signals and only draw.
"""

import contextlib

from PySide6.QtCore import QObject, Signal

from lab.errors import DataError
from lab.experiments.base import config_to_dict

from .worker import ExperimentWorker


class RunSession(QObject):
    replaced = Signal(object)   # the new experiment (already handed to the worker)
    frame = Signal(object)      # a Frame from the worker
    state_changed = Signal(str)  # "running", "paused", "idle"
    failed = Signal(str)        # a message for the user: a run failed, or settings were refused

    def __init__(self, experiment_cls, parent=None):
        super().__init__(parent)
        self.experiment_cls = experiment_cls
        self.experiment = None
        self.worker = ExperimentWorker()
        self.worker.frame.connect(self.frame)
        self.worker.state_changed.connect(self.state_changed)
        self.worker.failed.connect(
            lambda msg: self.failed.emit(f"{msg}. The run stopped; export, checkpoint and Reset still work."))

    # ------------------------------------------------------------------ the experiment
    def replace(self, what):
        """Stop the run (joining the worker) and replace its experiment by ``what``: an experiment
        object, or a config to build one from. Bad settings or data keep the old experiment and
        emit ``failed`` with the reason; returns whether the experiment was replaced."""
        self.worker.stop(wait_ms=10_000)
        try:
            exp = what if isinstance(what, self.experiment_cls) else self.experiment_cls(what)
        except (DataError, ValueError, OSError) as e:
            kept = " The previous run is kept." if self.experiment is not None else ""
            self.failed.emit(f"Could not use these settings: {e}.{kept}")
            return False
        self.experiment = exp
        self.worker.set_experiment(exp)
        self.replaced.emit(exp)
        return True

    def differs(self, config):
        return config is not None and config_to_dict(config) != config_to_dict(self.experiment.config)

    @property
    def fresh(self):
        """No step taken and nothing running: settings may still change the run."""
        return self.experiment.steps_done == 0 and not self.worker.is_running

    @contextlib.contextmanager
    def locked(self):
        """Hold the worker between steps while reading or writing the experiment."""
        with self.worker.lock:
            yield self.experiment

    # ------------------------------------------------------------------ run policy
    @property
    def state(self):
        return self.worker.state

    def start(self, config=None):
        """Start (rebuilding a fresh run from ``config`` when it differs), or resume."""
        if self.worker.is_running:
            self.worker.resume()
            return True
        if not self._apply_if_fresh(config):
            return False
        self.worker.start()
        return True

    def step(self, config=None):
        if self.worker.state == "running":
            return False
        if not self.worker.is_running and not self._apply_if_fresh(config):
            return False
        self.worker.step()
        return True

    def toggle(self, config=None):
        if self.worker.state == "running":
            self.worker.pause()
            return True
        return self.start(config)

    def pause(self):
        self.worker.pause()

    def stop(self):
        self.worker.stop()

    def run_steps(self, n, then="stop"):
        self.worker.run_steps(n, then=then)

    def reset(self, config):
        """A new run from ``config`` (Reset)."""
        return self.replace(config)

    def shutdown(self, wait_ms=10_000):
        """Stop and join the worker (the window is closing)."""
        return self.worker.stop(wait_ms=wait_ms)

    def _apply_if_fresh(self, config):
        if self.experiment.steps_done == 0 and self.differs(config):
            return self.replace(config)
        return True
