"""Run controls and the hyper-parameter form built from an experiment's config dataclass,
so no tab hand-writes its form (Orange3's controls-left layout)."""

import dataclasses

from PySide6.QtCore import Signal
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QGridLayout, QHBoxLayout, QLineEdit, QPushButton,
                               QSpinBox, QToolButton, QWidget)

from lab.experiments.base import field_type


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


class _PathEdit(QWidget):
    def __init__(self, tooltip, parent=None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("built-in / found automatically")
        self.edit.setToolTip(tooltip)
        self.browse = QToolButton()
        self.browse.setText("…")
        self.browse.setToolTip("Choose a data file or folder")
        lay.addWidget(self.edit, 1)
        lay.addWidget(self.browse)


class ConfigForm(QWidget):
    """A form with one row per field of a config dataclass.

    Field metadata (``lab.experiments.base.config_field``) gives the label, tooltip and limits:
    ints -> spin boxes, floats -> text boxes that accept scientific notation, ``choices`` ->
    combo boxes, lists of ints -> "256, 512", ``kind="path"`` -> a path with a browse button.
    ``hidden`` names fields the form leaves out (the preset has its own picker).
    """

    changed = Signal()
    browse_requested = Signal(str)  # field name

    def __init__(self, config_cls, hidden=("preset",), parent=None):
        super().__init__(parent)
        self.config_cls = config_cls
        self.layout_ = QFormLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.editors = {}
        self.fields = [f for f in dataclasses.fields(config_cls) if f.name not in hidden]
        for f in self.fields:
            meta = f.metadata
            ed = self._make_editor(f, meta)
            tip = meta.get("help", "")
            ed.setToolTip(tip)
            self.editors[f.name] = ed
            self.layout_.addRow(meta.get("label") or f.name.replace("_", " "), ed)

    def _changed(self, *_):
        """Editors' signals carry their new value; the form says only that something changed."""
        self.changed.emit()

    def _make_editor(self, f, meta):
        t = field_type(f)
        if "choices" in meta:
            ed = QComboBox()
            ed.addItems([str(c) for c in meta["choices"]])
            ed.currentIndexChanged.connect(self._changed)
        elif meta.get("kind") == "path":
            ed = _PathEdit(meta.get("help", ""))
            ed.edit.editingFinished.connect(self._changed)
            ed.browse.clicked.connect(lambda _=False, n=f.name: self.browse_requested.emit(n))
        elif t is bool:
            ed = QCheckBox()
            ed.toggled.connect(self._changed)
        elif t is int:
            ed = QSpinBox()
            ed.setRange(int(meta.get("min", -2**31)), int(min(meta.get("max", 2**31 - 1), 2**31 - 1)))
            ed.setKeyboardTracking(False)
            ed.valueChanged.connect(self._changed)
        elif t is float:
            ed = QLineEdit()
            v = QDoubleValidator(float(meta.get("min", -1e300)), float(meta.get("max", 1e300)), 12, ed)
            v.setNotation(QDoubleValidator.Notation.ScientificNotation)
            ed.setValidator(v)
            ed.editingFinished.connect(self._changed)
        else:  # lists and free text
            ed = QLineEdit()
            ed.editingFinished.connect(self._changed)
        return ed

    def set_config(self, config):
        for f in self.fields:
            ed, value = self.editors[f.name], getattr(config, f.name)
            ed.blockSignals(True)
            if isinstance(ed, QCheckBox):
                ed.setChecked(bool(value))
            elif isinstance(ed, QComboBox):
                ed.setCurrentText(str(value))
            elif isinstance(ed, _PathEdit):
                ed.edit.setText(str(value))
            elif isinstance(ed, QSpinBox):
                ed.setValue(int(value))
            elif isinstance(value, float):
                ed.setText(f"{value:.6g}")
            elif isinstance(value, list):
                ed.setText(", ".join(str(v) for v in value))
            else:
                ed.setText(str(value))
            ed.blockSignals(False)

    def values(self):
        """Field values parsed from the editors; raises ValueError naming the field."""
        out = {}
        for f in self.fields:
            ed, t, meta = self.editors[f.name], field_type(f), f.metadata
            label = meta.get("label") or f.name
            if isinstance(ed, QCheckBox):
                out[f.name] = ed.isChecked()
            elif isinstance(ed, QComboBox):
                out[f.name] = ed.currentText()
            elif isinstance(ed, _PathEdit):
                out[f.name] = ed.edit.text().strip()
            elif isinstance(ed, QSpinBox):
                out[f.name] = ed.value()
            elif t is float:
                try:
                    v = float(ed.text())
                except ValueError:
                    raise ValueError(f"{label}: {ed.text()!r} is not a number") from None
                lo, hi = meta.get("min", -float("inf")), meta.get("max", float("inf"))
                if not lo <= v <= hi:
                    raise ValueError(f"{label}: {v:g} is outside {lo:g} … {hi:g}")
                out[f.name] = v
            elif t is list:
                try:
                    sizes = [int(s) for s in ed.text().replace(" ", "").split(",") if s]
                except ValueError:
                    raise ValueError(f"{label}: write layer sizes as whole numbers separated by commas") from None
                if not sizes or min(sizes) < 1:
                    raise ValueError(f"{label}: give at least one layer size of 1 or more")
                out[f.name] = sizes
            else:
                out[f.name] = ed.text()
        return out


def choose_data_path(parent, start_dir, title="Open data"):
    """A folder (or, when the user cancels that, a single file). Returns '' when cancelled."""
    path = QFileDialog.getExistingDirectory(parent, title + " (folder)", start_dir)
    if not path:
        path, _ = QFileDialog.getOpenFileName(parent, title + " (file)", start_dir)
    return path
