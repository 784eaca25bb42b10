"""The tab base class: glue between a :class:`~widgets.session.RunSession` (experiment +
worker), the :class:`~widgets.controls.ControlPanel` on the left, the export box, the
"What you are seeing" panel and the views a subclass builds on the right.

A subclass sets ``experiment_cls`` and ``explanation`` and implements ``build_views(area)``,
``draw(frame)``, and optionally ``clear_views()`` and ``figures()``. ``draw`` is a generator that
yields after each view it updates: the frame is then drawn in slices between which Qt paints and
answers the user (:mod:`widgets.pacing`).
"""

import dataclasses
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from lab.experiments.base import config_from_dict, config_to_dict

from ..controls import ControlPanel, choose_data_path
from ..pacing import DrawPacer
from ..panels import ControlsScroll, ExplanationPanel, ExportBox, LoadBar, MessageBar
from ..session import RunSession
from .run_compare import RunCompare
from .run_files import RunFiles


class ExperimentTab(RunFiles, RunCompare, QWidget):
    name = None             # the tab's key (--tab NAME, main window's tab_by_name)
    experiment_cls = None
    tab_title = None        # the tab's name in the window (default: the experiment's title)
    explanation = ""        # HTML for the "What you are seeing" panel
    status = Signal(str)    # for the main window's status bar

    def __init__(self, parent=None, settings=None):
        super().__init__(parent)
        self._views_built = False
        self.settings = settings or QSettings()
        self.last_frame_step = 0  # the newest frame drawn in full
        self._frame_step = 0      # the newest frame received (its drawing may still be under way)
        self.pacer = DrawPacer(self)  # frames drawn in slices (draw is a generator)
        self.session = RunSession(self.experiment_cls, self)
        self.worker = self.session.worker
        self.session.replaced.connect(self._on_replaced)
        self.session.frame.connect(self._on_frame)
        self.session.state_changed.connect(self._on_state)
        self.session.failed.connect(self._on_failed)
        self.session.ended.connect(lambda text: self.message.show_message(text, error=False))
        self.session.loading.connect(self._on_loading)
        self.session.load_progress.connect(lambda d, t, w: self.load_bar.set_progress(d, t, w))

        outer = QVBoxLayout(self)
        # notices, errors and the reading bar appear in the controls' column: a banner above the views
        # pushed them down (when a run ended, when a folder was read), and every view re-laid out and
        # repainted at once
        self.message = MessageBar()
        self.load_bar = LoadBar()
        self.load_bar.cancel_clicked.connect(self.session.cancel_load)
        split = QSplitter(Qt.Horizontal)
        outer.addWidget(split, 1)

        # ---- controls on the left
        left = QWidget()
        ll = QVBoxLayout(left)
        self.controls = ControlPanel(self.experiment_cls)
        self.preset_box, self.run_bar = self.controls.preset_box, self.controls.run_bar
        self.progress, self.data_label, self.form = self.controls.progress, self.controls.data_label, self.controls.form
        self.controls.preset_chosen.connect(self._on_preset)
        self.run_bar.start_clicked.connect(self.start)
        self.run_bar.pause_clicked.connect(self.session.pause)
        self.run_bar.step_clicked.connect(self.step_once)
        self.run_bar.stop_clicked.connect(self.stop)
        self.run_bar.reset_clicked.connect(self.reset)
        self.form.browse_requested.connect(lambda _name: self.open_data())
        self.form.changed.connect(self._on_form_changed)
        ll.addWidget(self.controls)
        ll.addWidget(self.load_bar)
        ll.addWidget(self.message)
        self.export_box = ExportBox(self.settings.value("export/png_width", 1600),
                                    self.settings.value("export/dpi", 300))
        self.png_width = self.export_box.png_width
        self.export_box.export_clicked.connect(lambda: self.export_all())
        self.init_run_files()
        self.export_box.save_clicked.connect(lambda: self.save_checkpoint())
        self.export_box.load_clicked.connect(lambda: self.load_checkpoint())
        ll.addWidget(self.export_box)
        ll.addWidget(self.init_run_list())
        self.explain = ExplanationPanel(self.explanation)
        ll.addWidget(self.explain)
        ll.addStretch(1)
        self.controls_scroll = ControlsScroll(left)
        # a notice lives in the column: scroll it into sight (the column may be scrolled to the run list)
        self.message.shown.connect(lambda: QTimer.singleShot(
            0, self.controls_scroll, lambda: self.controls_scroll.ensureWidgetVisible(self.message)))
        split.addWidget(self.controls_scroll)

        # ---- views on the right, built when the tab is first shown (or a view is first asked for):
        # a window of many tabs opens at the cost of the one in front
        self.view_area = QWidget()
        split.addWidget(self.view_area)
        split.setStretchFactor(1, 1)
        split.setSizes([370, 1100])

        # The default experiment is built when the tab is first shown or used (ensure_experiment):
        # the window opens without reading every tab's data.
        self.controls.show_config(self.experiment_cls.preset_config(self.experiment_cls.default_preset))

    @property
    def experiment(self):
        return self.session.experiment

    def ensure_experiment(self):
        """Start building the experiment the form describes if there is none yet (its data are read
        off the GUI thread). True when an experiment is there or on its way; False (with the reason
        shown) when the form is invalid."""
        if self.experiment is None and not self.session.busy:
            cfg = self.form_config()
            if cfg is not None:
                self.session.replace(cfg)
        return self.experiment is not None or self.session.busy

    @property
    def ready(self):
        """An experiment is there and none is being built."""
        return self.experiment is not None and not self.session.busy

    def showEvent(self, event):
        self.ensure_views()
        super().showEvent(event)
        self.ensure_experiment()
        if not self.run_list.runs:
            self.run_list.refresh()

    def ensure_views(self):
        if not self._views_built:
            self._views_built = True
            self.build_views(self.view_area)

    def __getattr__(self, name):
        # a view (e.g. ``tab.loss_plot``) asked for before the tab was first shown: build the views now
        if not name.startswith("_") and self.__dict__.get("_views_built") is False:
            self.ensure_views()
            return getattr(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # ------------------------------------------------------------------ for subclasses
    def build_views(self, area):
        raise NotImplementedError

    def draw(self, frame):
        """Draw one frame; a generator that yields after each view it updated (see the module)."""
        raise NotImplementedError

    def clear_views(self):
        """Forget what was drawn (a new experiment starts)."""

    def figures(self):
        """Widgets that 'Export all figures' writes."""
        return []

    def after_checkpoint_loaded(self):
        """Subclasses redraw what a restored experiment already has (e.g. kept grids)."""

    def on_run_halted(self):
        """The run paused or stopped: subclasses may draw the model as it is now."""

    @staticmethod
    def restart_curves(plots):
        """Empty the curves for a new run (the run that ended is shown from the run list, dashed)."""
        for p in plots:
            p.clear_data()

    @staticmethod
    def latest_metrics(frame, key):
        """The metrics of the newest step in ``frame`` that has ``key`` (e.g. an epoch's end),
        or None: a frame's snapshot is its newest step, which may not be that step."""
        for _, m in reversed(frame.rows):
            if key in m:
                return m
        return None

    # ------------------------------------------------------------------ run controls
    def form_config(self):
        """The config the form describes, or None (with a message) when a field is invalid."""
        try:
            values = self.form.values()
        except ValueError as e:
            self.message.show_message(str(e))
            return None
        values["preset"] = self.preset_box.currentText()
        return config_from_dict(self.experiment_cls.Config, values)

    def _fresh_config(self):
        """The form's config when it may still change the run (no step taken), else None."""
        return self.form_config() if self.experiment is None or self.experiment.steps_done == 0 else None

    def start(self):
        if self.ensure_experiment() and self.session.start(self._fresh_config()):
            self.message.hide()

    def toggle_run(self):
        if self.session.state == "running":
            self.session.pause()
        else:
            self.start()

    def step_once(self):
        if self.ensure_experiment():
            self.session.step(self._fresh_config())

    def run_steps(self, n):
        """Run n steps and end the run (the app's --steps flag)."""
        if self.ensure_experiment():
            self.session.run_steps(n, then="stop")

    def stop(self):
        self.session.stop()

    def reset(self):
        cfg = self.form_config()
        if cfg is not None:
            self.message.hide()
            self.session.reset(cfg)

    def shutdown(self, wait_ms=10_000):
        """Stop and join the worker and any sweep (the window is closing)."""
        self.pacer.finish()
        if self.sweep_dialog is not None:
            self.sweep_dialog.shutdown()
        return self.session.shutdown(wait_ms)

    # ------------------------------------------------------------------ signals from the session
    def _on_replaced(self, exp):
        self.pacer.finish()
        self.ensure_views()
        self.clear_views()
        self.last_frame_step = self._frame_step = exp.steps_done
        self.clear_frames()
        self.runs_replaced()
        self.progress.reset(exp.total_steps, exp.steps_done)
        self.controls.show_source(exp.source)
        self.status.emit(f"{self.experiment_cls.title}: ready{' · data: ' + exp.source if exp.source else ''}")

    def _on_frame(self, frame):
        step = self._frame_step = frame.snapshot.step
        running = self.session.state == "running"
        self.progress.update_step(step, running=running, state=None if running else "paused")

        def drawn(cost):
            self.last_frame_step = step
            try:
                self.keep_frames(step)
            finally:
                self.worker.mark_delivered(cost)  # the frame rate adapts to the drawing

        self.pacer.finish()          # a draw still in flight ends first (and releases the worker)
        self.worker.drawing()        # the worker waits between steps until this frame is drawn
        try:
            parts = self.draw(frame)
        except BaseException:
            drawn(0.0)
            raise
        self.pacer.run(parts, drawn)

    def _on_state(self, state):
        self.run_bar.set_state(state)
        words = {"running": "training", "paused": "paused", "idle": "stopped"}[state]
        if state != "running":
            self.progress.update_step(self._frame_step, running=False, state=words)
            self.on_run_halted()
        self.status.emit(f"{self.experiment_cls.title}: {words} at step {self._frame_step}")

    def _on_loading(self, what):
        if what:
            self.load_bar.begin(what)
            self.status.emit(what + "…")
        else:
            self.load_bar.hide()

    def _on_failed(self, message):
        self.message.show_message(message)
        self.status.emit(f"{self.experiment_cls.title}: {message}")

    # ------------------------------------------------------------------ presets, form, data
    def _on_preset(self, preset):
        keep = {}
        try:
            v = self.form.values()
            keep = {k: v[k] for k in ("seed", "data", "steps") if k in v}
        except ValueError:
            pass
        self.form.set_config(self.experiment_cls.preset_config(preset, **keep))
        self.controls.show_preset_note(preset)
        self._on_form_changed()

    def _on_form_changed(self):
        cfg = self.form_config()
        if self._apply_view_settings(cfg):
            return
        if cfg is not None and self.session.busy:  # the newest settings win: read with them instead
            self.session.replace(cfg)
            return
        if self.experiment is None or not self.session.differs(cfg):
            return
        if self.session.fresh:
            self.session.replace(cfg)
        else:
            self.status.emit("Settings changed: press Reset (Ctrl+R) to start a run with them")

    def _apply_view_settings(self, cfg):
        """Fields marked ``view=True`` only choose what is shown (e.g. which depth, which layer):
        a change to them alone goes into the experiment between two steps and is drawn at once,
        with no Reset and nothing of the run lost. True when that is what happened."""
        exp = self.experiment
        if cfg is None or exp is None or self.session.busy:
            return False
        new, old = config_to_dict(cfg), config_to_dict(exp.config)
        changed = [k for k in new if new[k] != old[k]]
        views = {f.name for f in dataclasses.fields(cfg) if f.metadata.get("view")}
        if not changed or not set(changed) <= views:
            return False
        with self.session.locked() as e:
            for k in changed:
                setattr(e.config, k, new[k])
            self.on_view_settings(changed)
        return True

    def on_view_settings(self, names):
        """Redraw for changed view settings; called between two steps (keep it short)."""

    def open_data(self, path=None):
        """Choose a data file or folder (Ctrl+O) and start a fresh experiment on it. The data are read
        off the GUI thread: True when reading started; the banner says how it ended."""
        if path is None:
            start = self.settings.value(f"folders/{self.experiment_cls.name}", str(Path.home()))
            path = choose_data_path(self, start)
            if not path:
                return False
        self.settings.setValue(f"folders/{self.experiment_cls.name}", str(Path(path).parent))
        cfg = self.form_config()
        if cfg is None:
            return False
        cfg.data = str(path)

        def done(ok):
            if ok:
                self.form.set_config(cfg)
                self.message.show_message(f"Loaded {path}", error=False)
        return self.session.replace(cfg, f"Reading {path}", then=done)
