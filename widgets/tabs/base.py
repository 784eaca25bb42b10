"""The tab base class: owns the experiment's worker and life cycle, the preset picker, the
form built from the config, the run bar, progress, export and the "What you are seeing"
panel. A subclass builds its views (``build_views``) and draws a frame (``draw``)."""

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QGroupBox, QHBoxLayout, QLabel, QPushButton, QScrollArea,
                               QSpinBox, QSplitter, QTextBrowser, QToolButton, QVBoxLayout, QWidget)

from lab.errors import DataError
from lab.experiments import load_checkpoint, save_checkpoint
from lab.experiments.base import config_from_dict, config_to_dict
from lab.export import write_json

from ..controls import ConfigForm, RunBar, choose_data_path
from ..figures import export_figure
from ..plots import MessageBar, ProgressPanel
from ..worker import ExperimentWorker


class ExperimentTab(QWidget):
    experiment_cls = None
    tab_title = None  # the tab's name in the window (default: the experiment's title)
    explanation = ""  # HTML for the "What you are seeing" panel
    status = Signal(str)  # for the main window's status bar

    def __init__(self, parent=None, settings=None):
        super().__init__(parent)
        self.settings = settings or QSettings()
        self.experiment = None
        self.worker = ExperimentWorker()
        self.worker.frame.connect(self._on_frame)
        self.worker.state_changed.connect(self._on_state)
        self.worker.failed.connect(self._on_failed)
        self.last_frame_step = 0

        outer = QVBoxLayout(self)
        self.message = MessageBar()
        outer.addWidget(self.message)
        split = QSplitter(Qt.Horizontal)
        outer.addWidget(split, 1)

        # ---- controls on the left
        left = QWidget()
        ll = QVBoxLayout(left)
        title = QLabel(f"<b>{self.experiment_cls.title}</b>")
        ll.addWidget(title)
        prow = QHBoxLayout()
        prow.addWidget(QLabel("Preset"))
        self.preset_box = QComboBox()
        self.preset_box.addItems(list(self.experiment_cls.presets))
        self.preset_box.setToolTip("Hyper-parameters from the seed article, or the preset that works best")
        self.preset_box.currentTextChanged.connect(self._on_preset)
        prow.addWidget(self.preset_box, 1)
        ll.addLayout(prow)
        self.preset_note = QLabel()
        self.preset_note.setWordWrap(True)
        self.preset_note.setStyleSheet("color: #555;")
        ll.addWidget(self.preset_note)
        self.run_bar = RunBar()
        self.run_bar.start_clicked.connect(self.start)
        self.run_bar.pause_clicked.connect(self.worker.pause)
        self.run_bar.step_clicked.connect(self.step_once)
        self.run_bar.stop_clicked.connect(self.stop)
        self.run_bar.reset_clicked.connect(self.reset)
        ll.addWidget(self.run_bar)
        self.progress = ProgressPanel()
        ll.addWidget(self.progress)
        self.data_label = QLabel()
        self.data_label.setWordWrap(True)
        self.data_label.setStyleSheet("color: #555;")
        self.data_label.setToolTip("Where this run's data come from (File > Open data…, Ctrl+O, to change)")
        ll.addWidget(self.data_label)
        settings_box = QGroupBox("Settings (Reset applies them)")
        sl = QVBoxLayout(settings_box)
        self.form = ConfigForm(self.experiment_cls.Config)
        self.form.browse_requested.connect(lambda _name: self.open_data())
        self.form.changed.connect(self._on_form_changed)
        sl.addWidget(self.form)
        ll.addWidget(settings_box)
        ll.addWidget(self._build_export_box())
        ll.addWidget(self._build_explain_panel())
        ll.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(370)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        split.addWidget(scroll)

        # ---- views on the right
        self.view_area = QWidget()
        self.build_views(self.view_area)
        split.addWidget(self.view_area)
        split.setStretchFactor(1, 1)
        split.setSizes([370, 1100])

        cfg = self.experiment_cls.preset_config(self.experiment_cls.default_preset)
        self.preset_box.blockSignals(True)
        self.preset_box.setCurrentText(cfg.preset)
        self.preset_box.blockSignals(False)
        self.form.set_config(cfg)
        self._show_preset_note(cfg.preset)
        self._new_experiment(cfg)

    # ------------------------------------------------------------------ for subclasses
    def build_views(self, area):
        raise NotImplementedError

    def draw(self, frame):
        raise NotImplementedError

    def clear_views(self):
        """Forget what was drawn (a new experiment starts)."""

    def figures(self):
        """Widgets that 'Export all figures' writes."""
        return []

    @staticmethod
    def restart_curves(plots, previous_label=None):
        """Empty the curves for a new run; with a label, keep the old run's curves dashed
        (e.g. "previous: bptt") so two runs compare on one plot."""
        for p in plots:
            if previous_label and any(b.n for b in p.buffers.values()):
                p.keep_as_reference(previous_label)
            p.clear_data()

    @staticmethod
    def latest_metrics(frame, key):
        """The metrics of the newest step in ``frame`` that has ``key`` (e.g. an epoch's end),
        or None: a frame's snapshot is its newest step, which may not be that step."""
        for _, m in reversed(frame.rows):
            if key in m:
                return m
        return None

    # ------------------------------------------------------------------ panels
    def _build_export_box(self):
        box = QGroupBox("Export")
        lay = QVBoxLayout(box)
        row = QHBoxLayout()
        row.addWidget(QLabel("PNG width"))
        self.png_width = QSpinBox()
        self.png_width.setRange(200, 8000)
        self.png_width.setSingleStep(100)
        self.png_width.setSuffix(" px")
        self.png_width.setValue(int(self.settings.value("export/png_width", 1600)))
        self.png_width.setToolTip("Width of exported PNG figures")
        row.addWidget(self.png_width, 1)
        lay.addLayout(row)
        b = QPushButton("Export all figures…")
        b.setToolTip("Write every figure (PNG, SVG, CSV), the run's files and config.json to a folder (Ctrl+E)")
        b.clicked.connect(lambda: self.export_all())
        lay.addWidget(b)
        row = QHBoxLayout()
        s = QPushButton("Save checkpoint…")
        s.setToolTip("Save the model, optimizer and random state: loading it continues the run exactly")
        s.clicked.connect(lambda: self.save_checkpoint())
        l = QPushButton("Load checkpoint…")
        l.setToolTip("Replace the current run by a saved one")
        l.clicked.connect(lambda: self.load_checkpoint())
        row.addWidget(s)
        row.addWidget(l)
        lay.addLayout(row)
        return box

    def _build_explain_panel(self):
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        self.explain_toggle = QToolButton()
        self.explain_toggle.setText("What you are seeing")
        self.explain_toggle.setCheckable(True)
        self.explain_toggle.setChecked(True)
        self.explain_toggle.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.explain_toggle.setArrowType(Qt.DownArrow)
        self.explain_toggle.setToolTip("Show or hide the explanation of this tab")
        self.explain_text = QTextBrowser()
        self.explain_text.setHtml(self.explanation)
        self.explain_text.setOpenExternalLinks(False)
        self.explain_text.setMinimumHeight(180)

        def toggled(on):
            self.explain_text.setVisible(on)
            self.explain_toggle.setArrowType(Qt.DownArrow if on else Qt.RightArrow)
        self.explain_toggle.toggled.connect(toggled)
        lay.addWidget(self.explain_toggle)
        lay.addWidget(self.explain_text)
        return box

    # ------------------------------------------------------------------ life cycle
    def _new_experiment(self, config, experiment=None):
        """Build (or adopt) an experiment; on bad data keep the old one and say why."""
        try:
            exp = experiment or self.experiment_cls(config)
        except (DataError, ValueError, OSError) as e:
            self.message.show_message(f"Could not use these settings: {e}. The previous run is kept.")
            return False
        self.experiment = exp
        self.worker.set_experiment(exp)
        self.clear_views()
        self.last_frame_step = exp.steps_done
        self.progress.reset(exp.total_steps, exp.steps_done)
        src = getattr(exp, "source", None) or getattr(getattr(exp, "data", None), "source", "")
        self.data_label.setText(f"Data: {src}" if src else "")
        self.status.emit(f"{self.experiment_cls.title}: ready{' · data: ' + src if src else ''}")
        return True

    def form_config(self):
        """The config the form describes, or None (with a message) when a field is invalid."""
        try:
            values = self.form.values()
        except ValueError as e:
            self.message.show_message(str(e))
            return None
        values["preset"] = self.preset_box.currentText()
        return config_from_dict(self.experiment_cls.Config, values)

    def _form_differs(self):
        cfg = self.form_config()
        return cfg is not None and config_to_dict(cfg) != config_to_dict(self.experiment.config)

    def start(self):
        if self.worker.state == "paused":
            self.worker.resume()
            return
        if self.worker.is_running:
            return
        if self.experiment.steps_done == 0 and self._form_differs():
            cfg = self.form_config()
            if cfg is None or not self._new_experiment(cfg):
                return
        self.message.hide()
        self.worker.start()

    def toggle_run(self):
        if self.worker.state == "running":
            self.worker.pause()
        else:
            self.start()

    def step_once(self):
        if self.worker.state == "running":
            return
        if not self.worker.is_running and self.experiment.steps_done == 0 and self._form_differs():
            cfg = self.form_config()
            if cfg is None or not self._new_experiment(cfg):
                return
        self.worker.step()

    def run_steps(self, n):
        """Run n steps and end the run (the app's --steps flag)."""
        self.worker.run_steps(n, then="stop")

    def stop(self):
        self.worker.stop()

    def reset(self):
        cfg = self.form_config()
        if cfg is None:
            return
        if self.worker.is_running:
            self.worker.stop(wait_ms=10_000)
        self.message.hide()
        self._new_experiment(cfg)

    def shutdown(self, wait_ms=10_000):
        """Stop and join the worker (the window is closing)."""
        return self.worker.stop(wait_ms=wait_ms)

    # ------------------------------------------------------------------ signals from the worker
    def _on_frame(self, frame):
        try:
            self.last_frame_step = frame.snapshot.step
            running = self.worker.state == "running"
            self.progress.update_step(frame.snapshot.step, running=running, state=None if running else "paused")
            self.draw(frame)
        finally:
            self.worker.mark_delivered()

    def _on_state(self, state):
        self.run_bar.set_state(state)
        words = {"running": "training", "paused": "paused", "idle": "stopped"}[state]
        if state != "running":
            self.progress.update_step(self.last_frame_step, running=False, state=words)
            self.on_run_halted()
        self.status.emit(f"{self.experiment_cls.title}: {words} at step {self.last_frame_step}")

    def _on_failed(self, message):
        self.message.show_message(f"{message}. The run stopped; export, checkpoint and Reset still work.")
        self.status.emit(f"{self.experiment_cls.title}: {message}")

    # ------------------------------------------------------------------ data, presets, form
    def _show_preset_note(self, preset):
        note = getattr(self.experiment_cls, "preset_notes", {}).get(preset, "")
        self.preset_note.setText(note)
        self.preset_note.setVisible(bool(note))

    def _on_preset(self, preset):
        keep = {}
        try:
            v = self.form.values()
            keep = {k: v[k] for k in ("seed", "data", "steps") if k in v}
        except ValueError:
            pass
        cfg = self.experiment_cls.preset_config(preset, **keep)
        self.form.set_config(cfg)
        self._show_preset_note(preset)
        self._on_form_changed()

    def _on_form_changed(self):
        if self.experiment is None or not self._form_differs():
            return
        if self.experiment.steps_done == 0 and not self.worker.is_running:
            self._new_experiment(self.form_config())
        else:
            self.status.emit("Settings changed: press Reset (Ctrl+R) to start a run with them")

    def open_data(self, path=None):
        """Choose a data file or folder (Ctrl+O) and start a fresh experiment on it."""
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
        if self.worker.is_running:
            self.worker.stop(wait_ms=10_000)
        if self._new_experiment(cfg):
            self.form.set_config(cfg)
            self.message.show_message(f"Loaded {path}", error=False)
            return True
        return False

    # ------------------------------------------------------------------ export & checkpoints
    def _ask_folder(self, title):
        start = self.settings.value("folders/export", str(Path.home()))
        folder = QFileDialog.getExistingDirectory(self, title, start)
        if folder:
            self.settings.setValue("folders/export", folder)
        return folder

    def export_all(self, folder=None):
        """Every figure (PNG/SVG/CSV), the experiment's own files and config.json."""
        folder = folder or self._ask_folder("Export all figures to")
        if not folder:
            return []
        self.settings.setValue("export/png_width", self.png_width.value())
        written = []
        try:
            for w in self.figures():
                written += export_figure(w, folder, width=self.png_width.value())
            with self.worker.lock:
                write_json(Path(folder) / "config.json", config_to_dict(self.experiment.config))
                written.append(Path(folder) / "config.json")
                if hasattr(self.experiment, "export_files"):
                    written += self.experiment.export_files(folder)
        except OSError as e:
            self.message.show_message(f"Export to {folder} failed: {e.strerror or e}. Nothing else was changed.")
            return written
        self.message.show_message(f"Exported {len(written)} files to {folder}", error=False)
        return written

    def save_checkpoint(self, path=None):
        if path is None:
            start = self.settings.value("folders/export", str(Path.home()))
            path, _ = QFileDialog.getSaveFileName(self, "Save checkpoint", str(Path(start) / "checkpoint.npz"),
                                                  "Checkpoints (*.npz)")
            if not path:
                return None
        try:
            with self.worker.lock:
                p = save_checkpoint(self.experiment, path)
                write_json(Path(path).with_suffix(".json"), config_to_dict(self.experiment.config))
        except OSError as e:
            self.message.show_message(f"Could not save the checkpoint to {path}: {e.strerror or e}")
            return None
        self.message.show_message(f"Checkpoint saved: {p} (step {self.experiment.steps_done})", error=False)
        return p

    def load_checkpoint(self, path=None):
        if path is None:
            start = self.settings.value("folders/export", str(Path.home()))
            path, _ = QFileDialog.getOpenFileName(self, "Load checkpoint", start, "Checkpoints (*.npz)")
            if not path:
                return False
        try:
            exp = load_checkpoint(path, self.experiment_cls.name)
        except (DataError, ValueError, KeyError) as e:
            self.message.show_message(f"{e}. The current run is kept.")
            return False
        if self.worker.is_running:
            self.worker.stop(wait_ms=10_000)
        self._new_experiment(exp.config, experiment=exp)
        self.preset_box.blockSignals(True)
        self.preset_box.setCurrentText(exp.config.preset)
        self.preset_box.blockSignals(False)
        self.form.set_config(exp.config)
        self.after_checkpoint_loaded()
        self.message.show_message(f"Checkpoint loaded: {path} (step {exp.steps_done})", error=False)
        return True

    def after_checkpoint_loaded(self):
        """Subclasses redraw what a restored experiment already has (e.g. kept grids)."""

    def on_run_halted(self):
        """The run paused or stopped: subclasses may draw the model as it is now."""
