"""One editor adapter per config field, chosen once by :func:`editor_for` from the field's type and
metadata (``lab.experiments.base.config_field``): ``choices`` -> a combo box (a list with
``choices``: a check box per choice), ``kind="path"`` -> a path with a browse button, bool -> a
check box, int -> a spin box (``slider=True``: a slider), float -> a text box that takes scientific
notation, ``log=True`` floats (learning rates) -> a spin box that steps 1-2-5 per decade, lists of
ints -> "256, 512", anything else -> text. Every adapter has ``widget``, ``get()`` (raises
ValueError naming the field), ``set(value)`` and ``on_change(fn)``.
"""

import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QLineEdit, QSlider,
                               QSpinBox, QToolButton, QWidget)

from lab.experiments.base import field_type

from .signals import signals_blocked


class _Editor:
    def __init__(self, field, widget):
        self.field, self.widget = field, widget
        self.label = field.metadata.get("label") or field.name.replace("_", " ")

    @property
    def meta(self):
        return self.field.metadata


class _Choice(_Editor):
    def __init__(self, field):
        super().__init__(field, QComboBox())
        self.widget.addItems([str(c) for c in self.meta["choices"]])

    def get(self):
        return self.widget.currentText()

    def set(self, value):
        self.widget.setCurrentText(str(value))

    def on_change(self, fn):
        self.widget.currentIndexChanged.connect(fn)


class PathEdit(QWidget):
    """A path with a browse button."""

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


class PathEditor(_Editor):
    def __init__(self, field):
        super().__init__(field, PathEdit(field.metadata.get("help", "")))

    def get(self):
        return self.widget.edit.text().strip()

    def set(self, value):
        self.widget.edit.setText(str(value))

    def on_change(self, fn):
        self.widget.edit.editingFinished.connect(fn)


class _Bool(_Editor):
    def __init__(self, field):
        super().__init__(field, QCheckBox())

    def get(self):
        return self.widget.isChecked()

    def set(self, value):
        self.widget.setChecked(bool(value))

    def on_change(self, fn):
        self.widget.toggled.connect(fn)


class _Int(_Editor):
    def __init__(self, field):
        super().__init__(field, QSpinBox())
        self.widget.setRange(int(self.meta.get("min", -2**31)), int(min(self.meta.get("max", 2**31 - 1), 2**31 - 1)))
        self.widget.setKeyboardTracking(False)

    def get(self):
        return self.widget.value()

    def set(self, value):
        self.widget.setValue(int(value))

    def on_change(self, fn):
        self.widget.valueChanged.connect(fn)


class _IntSlider(_Editor):
    """An int with a small range (``slider=True``): a slider with its value beside it; the run is
    rebuilt when the slider is let go, not at every pixel of the drag."""

    def __init__(self, field):
        box = QWidget()
        super().__init__(field, box)
        lay = QHBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setRange(int(self.meta.get("min", 0)), int(self.meta.get("max", 100)))
        self.slider.setTracking(False)
        self.value_label = QLabel()
        self.value_label.setMinimumWidth(28)
        self.slider.sliderMoved.connect(lambda v: self.value_label.setText(str(v)))
        self.slider.valueChanged.connect(lambda v: self.value_label.setText(str(v)))
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.value_label)

    def get(self):
        return self.slider.value()

    def set(self, value):
        self.slider.setValue(int(value))
        self.value_label.setText(str(self.slider.value()))

    def on_change(self, fn):
        self.slider.valueChanged.connect(fn)


class _Float(_Editor):
    def __init__(self, field):
        super().__init__(field, QLineEdit())
        v = QDoubleValidator(float(self.meta.get("min", -1e300)), float(self.meta.get("max", 1e300)), 12, self.widget)
        v.setNotation(QDoubleValidator.Notation.ScientificNotation)
        self.widget.setValidator(v)

    def get(self):
        try:
            v = float(self.widget.text())
        except ValueError:
            raise ValueError(f"{self.label}: {self.widget.text()!r} is not a number") from None
        lo, hi = self.meta.get("min", -math.inf), self.meta.get("max", math.inf)
        if not lo <= v <= hi:
            raise ValueError(f"{self.label}: {v:g} is outside {lo:g} … {hi:g}")
        return v

    def set(self, value):
        self.widget.setText(f"{value:.6g}")

    def on_change(self, fn):
        self.widget.editingFinished.connect(fn)


class LogSpinBox(QDoubleSpinBox):
    """A positive number shown in scientific notation whose arrows step 1, 2, 5 per decade
    (1e-4 → 2e-4 → 5e-4 → 1e-3): the scale learning rates live on."""

    def __init__(self, lo, hi, parent=None):
        super().__init__(parent)
        self.setDecimals(300)  # the value is kept as typed; textFromValue decides what is shown
        self.setRange(lo, hi)
        self.setKeyboardTracking(False)

    def textFromValue(self, value):
        return f"{value:.4g}"

    def valueFromText(self, text):
        return float(text)

    def validate(self, text, pos):
        from PySide6.QtGui import QValidator
        try:
            v = float(text)
        except ValueError:
            return QValidator.State.Intermediate, text, pos
        ok = self.minimum() <= v <= self.maximum()
        return (QValidator.State.Acceptable if ok else QValidator.State.Intermediate), text, pos

    def stepBy(self, steps):
        v = self.value()
        for _ in range(abs(steps)):
            v = next_125(v, up=steps > 0)
        self.setValue(min(max(v, self.minimum()), self.maximum()))


def next_125(v, up=True):
    """The next value of the 1-2-5 ladder above (or below) v > 0."""
    e = math.floor(math.log10(v))
    ladder = [m * 10.0 ** k for k in (e - 1, e, e + 1) for m in (1, 2, 5)]
    if up:
        return min(x for x in ladder if x > v * (1 + 1e-9))
    return max(x for x in ladder if x < v * (1 - 1e-9))


class _LogFloat(_Editor):
    def __init__(self, field):
        meta = field.metadata
        super().__init__(field, LogSpinBox(float(meta["min"]), float(meta.get("max", 1e300))))

    def get(self):
        self.widget.interpretText()
        return float(self.widget.value())

    def set(self, value):
        self.widget.setValue(float(value))

    def on_change(self, fn):
        self.widget.valueChanged.connect(fn)


class _IntList(_Editor):
    def __init__(self, field):
        super().__init__(field, QLineEdit())

    def get(self):
        try:
            sizes = [int(s) for s in self.widget.text().replace(" ", "").split(",") if s]
        except ValueError:
            raise ValueError(f"{self.label}: write layer sizes as whole numbers separated by commas") from None
        if not sizes or min(sizes) < 1:
            raise ValueError(f"{self.label}: give at least one layer size of 1 or more")
        return sizes

    def set(self, value):
        self.widget.setText(", ".join(str(v) for v in value))

    def on_change(self, fn):
        self.widget.editingFinished.connect(fn)


class MultiChoiceEditor(_Editor):
    """A list of names chosen from ``choices``: one check box each, in two columns."""

    def __init__(self, field):
        from PySide6.QtWidgets import QGridLayout
        super().__init__(field, QWidget())
        grid = QGridLayout(self.widget)
        grid.setContentsMargins(0, 0, 0, 0)
        self.boxes = {}
        for i, name in enumerate(self.meta["choices"]):
            box = QCheckBox(str(name))
            self.boxes[name] = box
            grid.addWidget(box, i // 2, i % 2)

    def get(self):
        chosen = [n for n, b in self.boxes.items() if b.isChecked()]
        if not chosen:
            raise ValueError(f"{self.label}: choose at least one")
        return chosen

    def set(self, value):
        for n, b in self.boxes.items():
            with signals_blocked(b):
                b.setChecked(n in value)

    def on_change(self, fn):
        for b in self.boxes.values():
            b.toggled.connect(fn)


class _Text(_Editor):
    def __init__(self, field):
        super().__init__(field, QLineEdit())

    def get(self):
        return self.widget.text()

    def set(self, value):
        self.widget.setText(str(value))

    def on_change(self, fn):
        self.widget.editingFinished.connect(fn)


def editor_for(field):
    """The one place a config field's type and metadata choose its editor."""
    meta, t = field.metadata, field_type(field)
    if "choices" in meta:
        return MultiChoiceEditor(field) if t is list else _Choice(field)
    if meta.get("kind") == "path":
        return PathEditor(field)
    if t is bool:
        return _Bool(field)
    if t is int:
        return _IntSlider(field) if meta.get("slider") else _Int(field)
    if t is float:
        return _LogFloat(field) if meta.get("log") and meta.get("min", 0) > 0 else _Float(field)
    if t is list:
        return _IntList(field)
    return _Text(field)
