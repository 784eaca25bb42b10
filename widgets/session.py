"""A run session: one experiment and the worker that trains it, with no widgets.

It owns the life cycle every tab shares: ``replace`` (stop, join, build or adopt an experiment,
hand it to the worker), and the start / step / reset policy: a run that has not taken a step
yet is rebuilt from the form's settings before it starts; a run that has taken steps keeps its
settings until Reset. Tabs connect to its signals and only draw.

Building an experiment reads its data, so it happens in the loader's thread (``widgets.loader``),
never on the GUI thread: ``replace(config)`` returns at once, ``loading``/``load_progress`` say what is
being read, and ``replaced`` (or ``failed``) follows. A Start or Step asked for meanwhile waits for
the new experiment and then runs.
"""

import contextlib

from PySide6.QtCore import QObject, Signal

from lab.experiments.base import config_to_dict
from lab.runs.recorder import RunRecorder

from .loader import Loader
from .worker import ExperimentWorker


class RunSession(QObject):
    replaced = Signal(object)   # the new experiment (already handed to the worker)
    frame = Signal(object)      # a Frame from the worker
    state_changed = Signal(str)  # "running", "paused", "idle"
    failed = Signal(str)        # a message for the user: a run failed, or settings were refused
    ended = Signal(str)         # the run ended because the experiment had nothing left to do: why
    loading = Signal(str)       # what is being read ("" when reading ended, however it ended)
    load_progress = Signal(int, int, str)  # done, total, what
    recorded = Signal(str)      # a run folder in the run list began or ended (lab.runs)
    diverged = Signal(object)   # the DivergedError that paused the run (after ``failed``)

    def __init__(self, experiment_cls, parent=None):
        super().__init__(parent)
        self.experiment_cls = experiment_cls
        self.experiment = None
        self.worker = ExperimentWorker()
        self.worker.frame.connect(self.frame)
        self.worker.state_changed.connect(self.state_changed)
        self.worker.ended.connect(self.ended)
        self.worker.recorded.connect(self.recorded)
        self.worker.diverged.connect(self.diverged)
        self.worker.failed.connect(
            lambda msg: self.failed.emit(f"{msg}. The run stopped; export, checkpoint and Reset still work."))
        self.loader = Loader(self)
        self.loader.started.connect(self.loading)
        self.loader.progress.connect(self.load_progress)
        self.loader.loaded.connect(self._on_loaded)
        self.loader.failed.connect(self._on_load_failed)
        self.loader.cancelled.connect(self._on_load_cancelled)
        self._queued = None       # an action asked for while loading
        self.previous_run = None  # the folder of the run the last replace ended (to compare with)
        self._after = None        # the caller's follow-up for the current load

    # ------------------------------------------------------------------ the experiment
    @property
    def busy(self):
        """An experiment is being built (its data read) in the loader's thread."""
        return self.loader.busy

    def replace(self, what, what_label=None, then=None):
        """Stop the run (joining the worker) and replace its experiment by ``what``: an experiment
        object (adopted now), a config or a callable returning an experiment (built in the loader's
        thread). Bad settings or data keep the old experiment and emit ``failed`` with the reason.
        ``then(ok)`` is called when it is decided. Returns True when adopted or started."""
        self.worker.stop(wait_ms=10_000)
        self._queued = None
        if isinstance(what, self.experiment_cls):
            self._adopt(what)
            if then is not None:
                then(True)
            return True
        build = what if callable(what) else (lambda cfg=what: self.experiment_cls(cfg))
        factory = lambda: _prepared(build())  # noqa: E731 — runs in the loader's thread
        self._after = then
        label = what_label or _describe(what, self.experiment_cls)
        self.loader.load(factory, label)
        return True

    def cancel_load(self):
        self.loader.cancel()

    def wait_ready(self, timeout_ms=60_000):
        """Process events until no experiment is being built (for tests and the app's flags)."""
        from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QEventLoop
        deadline = QDeadlineTimer(timeout_ms)
        while self.busy and not deadline.hasExpired():
            QCoreApplication.processEvents(QEventLoop.AllEvents, 20)
        QCoreApplication.processEvents()
        return not self.busy

    def _adopt(self, exp, run_folder=None):
        old = self.worker.recorder
        self.previous_run = old.folder if old is not None else None
        self.experiment = exp
        self.worker.set_experiment(exp)
        self.worker.recorder = RunRecorder(exp, folder=run_folder)
        self.replaced.emit(exp)

    @property
    def run_folder(self):
        """The folder of the run being recorded (None until its first step)."""
        rec = self.worker.recorder
        return rec.folder if rec is not None else None

    def record_into(self, folder):
        """Go on recording the current experiment into ``folder`` (a run reopened from its checkpoint)."""
        self.worker.recorder = RunRecorder(self.experiment, folder=folder)

    def _on_loaded(self, exp):
        self.loading.emit("")
        if not isinstance(exp, self.experiment_cls):
            self._on_load_failed(f"{type(exp).__name__} is not a {self.experiment_cls.title} experiment")
            return
        self._adopt(exp)
        self._finish(True)

    def _on_load_failed(self, message):
        self.loading.emit("")
        kept = " The previous run is kept." if self.experiment is not None else ""
        self.failed.emit(f"Could not use these settings: {message}.{kept}")
        self._finish(False)

    def _on_load_cancelled(self, message):
        self.loading.emit("")
        kept = " The previous run is kept." if self.experiment is not None else ""
        self.failed.emit(f"{message[:1].upper()}{message[1:]}.{kept}")
        self._finish(False)

    def _finish(self, ok):
        after, self._after = self._after, None
        queued, self._queued = self._queued, None
        if after is not None:
            after(ok)
        if ok and queued is not None:
            queued()

    def _when_ready(self, action):
        """Run ``action`` now, or once the experiment being built is there."""
        if self.busy:
            self._queued = action
            return True
        if self.experiment is None:
            return False
        action()
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
        if self.busy:
            return self._when_ready(lambda: self.start())
        if self.worker.is_running:
            self.worker.resume()
            return True
        if self.experiment is None:
            return False
        if self._needs_rebuild(config):
            self.replace(config)
            self._queued = self.worker.start
            return True
        self.worker.start()
        return True

    def step(self, config=None):
        if self.busy:
            return self._when_ready(lambda: self.step())
        if self.worker.state == "running" or self.experiment is None:
            return False
        if not self.worker.is_running and self._needs_rebuild(config):
            self.replace(config)
            self._queued = self.worker.step
            return True
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
        self._queued = None
        self.worker.stop()

    def run_steps(self, n, then="stop"):
        return self._when_ready(lambda: self.worker.run_steps(n, then=then))

    def reset(self, config):
        """A new run from ``config`` (Reset)."""
        return self.replace(config)

    def shutdown(self, wait_ms=10_000):
        """Cancel any read and stop and join the worker (the window is closing)."""
        self._queued = self._after = None
        return self.loader.shutdown(wait_ms) & self.worker.stop(wait_ms=wait_ms)

    def _needs_rebuild(self, config):
        return self.experiment.steps_done == 0 and self.differs(config)


def _prepared(exp):
    """The experiment with its first view computed (``Experiment.prepare``), still in the loader's thread."""
    prepare = getattr(exp, "prepare", None)  # a factory may return anything; _on_loaded names the mistake
    if prepare is not None:
        prepare()
    return exp


def _describe(what, experiment_cls):
    data = getattr(what, "data", "") if not callable(what) else ""
    return f"{experiment_cls.title}: reading {data}" if data else f"{experiment_cls.title}: preparing the data"
