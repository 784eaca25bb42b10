"""The controls on the left of every tab: the preset picker, the run bar, progress, where the
data come from, and the form built from the experiment's config (``widgets.form``)."""

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton,
                               QVBoxLayout, QWidget)

from .form import ConfigForm
from .panels import ProgressPanel
from .signals import signals_blocked


class RunBar(QWidget):
    """Start / Pause-Resume / Step / Stop / Reset. Emits the user's intent; the tab decides."""

    start_clicked = Signal()
    pause_clicked = Signal()
    step_clicked = Signal()
    stop_clicked = Signal()
    reset_clicked = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QGridLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.start_btn = QPushButton("Start")
        self.start_btn.setToolTip("Start training, or resume a paused run (Space)")
        self.pause_btn = QPushButton("Pause")
        self.pause_btn.setToolTip("Pause the run after the current step (Space)")
        self.step_btn = QPushButton("Step")
        self.step_btn.setToolTip("Run exactly one training step (S)")
        self.stop_btn = QPushButton("Stop")
        self.stop_btn.setToolTip("End the run; the model keeps its state (Start continues it)")
        self.reset_btn = QPushButton("Reset")
        self.reset_btn.setToolTip("New model from the form's settings (Ctrl+R)")
        for i, (b, sig) in enumerate(((self.start_btn, self.start_clicked), (self.pause_btn, self.pause_clicked),
                                      (self.step_btn, self.step_clicked), (self.stop_btn, self.stop_clicked),
                                      (self.reset_btn, self.reset_clicked))):
            b.clicked.connect(sig.emit)
            lay.addWidget(b, i // 3, i % 3)
        self.set_state("idle")

    def set_state(self, state):
        running, paused = state == "running", state == "paused"
        self.start_btn.setText("Resume" if paused else "Start")
        self.start_btn.setEnabled(not running)
        self.pause_btn.setEnabled(running)
        self.step_btn.setEnabled(not running)
        self.stop_btn.setEnabled(running or paused)


class ControlPanel(QWidget):
    """Title, presets (with the preset's note), run bar, progress, data source and the form."""

    preset_chosen = Signal(str)

    def __init__(self, experiment_cls, parent=None):
        super().__init__(parent)
        self.experiment_cls = experiment_cls
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel(f"<b>{experiment_cls.title}</b>"))
        row = QHBoxLayout()
        row.addWidget(QLabel("Preset"))
        self.preset_box = QComboBox()
        self.preset_box.addItems(list(experiment_cls.presets))
        self.preset_box.setToolTip("Hyper-parameters from the seed article, or the preset that works best")
        self.preset_box.currentTextChanged.connect(self.preset_chosen)
        row.addWidget(self.preset_box, 1)
        lay.addLayout(row)
        self.preset_note = _note_label()
        lay.addWidget(self.preset_note)
        self.run_bar = RunBar()
        lay.addWidget(self.run_bar)
        self.progress = ProgressPanel()
        lay.addWidget(self.progress)
        self.data_label = _note_label()
        self.data_label.setToolTip("Where this run's data come from (File > Open data…, Ctrl+O, to change)")
        lay.addWidget(self.data_label)
        box = QGroupBox("Settings (Reset applies them)")
        self.form = ConfigForm(experiment_cls.Config)
        QVBoxLayout(box).addWidget(self.form)
        lay.addWidget(box)

    def show_config(self, config):
        """Preset picker, its note and the form show ``config`` (no change signals)."""
        with signals_blocked(self.preset_box):
            self.preset_box.setCurrentText(config.preset)
        self.show_preset_note(config.preset)
        self.form.set_config(config)

    def show_preset_note(self, preset):
        note = self.experiment_cls.preset_notes.get(preset, "")
        self.preset_note.setText(note)
        self.preset_note.setVisible(bool(note))

    def show_source(self, source):
        self.data_label.setText(f"Data: {source}" if source else "")


def _note_label():
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet("color: #555;")
    return label


def choose_data_path(parent, start_dir, title="Open data"):
    """A folder (or, when the user cancels that, a single file). Returns '' when cancelled."""
    path = QFileDialog.getExistingDirectory(parent, title + " (folder)", start_dir)
    if not path:
        path, _ = QFileDialog.getOpenFileName(parent, title + " (file)", start_dir)
    return path
