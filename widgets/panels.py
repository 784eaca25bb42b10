"""The panels around a tab's views: the controls' scrolling column, the message banner, the
progress bar, the export box and the collapsible "What you are seeing" panel."""

import time
from html import escape

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtWidgets import (QGroupBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QScrollArea, QSpinBox,
                               QTextBrowser, QToolButton, QVBoxLayout, QWidget)

from .live_text import LiveText


class ControlsScroll(QScrollArea):
    """The controls' column: scrolls vertically, never sideways, and is always at least as wide as
    the form in it needs (a wider form, e.g. the optimizer race's two columns of check boxes, was
    cut off at the right edge: spin-box arrows, the Step button)."""

    MIN_WIDTH = 370

    def __init__(self, widget):
        super().__init__()
        self.setWidget(widget)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        widget.installEventFilter(self)
        self._width = None

    def _needed_width(self):
        need = self.widget().minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width() \
            + 2 * self.frameWidth()
        return max(self.MIN_WIDTH, need)

    def minimumSizeHint(self):
        self._width = self._needed_width()
        return QSize(self._width, super().minimumSizeHint().height())

    def eventFilter(self, obj, event):
        # the form changed: the splitter re-reads our minimum, but only when the width it needs did
        # (a notice or the reading bar only makes the column taller, which scrolling absorbs; a
        # re-layout of the splitter is one of the whole window, ~20 ms)
        if obj is self.widget() and event.type() == QEvent.LayoutRequest and self._needed_width() != self._width:
            self.updateGeometry()
        return super().eventFilter(obj, event)


class ProgressBar(QProgressBar):
    """A QProgressBar whose new value is painted with the next frame, like every other widget.
    ``QProgressBar.setValue`` repaints at once, and a synchronous repaint in a busy window paints
    everything dirty with it: 35-73 ms were measured for one progress tick while a folder loaded."""

    def set_value(self, value, text=None):
        self.setUpdatesEnabled(False)           # repaint() does nothing; re-enabling schedules update()
        try:
            self.setValue(value)
            if text is not None:
                self.setFormat(text)
        finally:
            self.setUpdatesEnabled(True)

class MessageBar(QWidget):
    """A non-modal banner for errors and notices (a modal box would block a running app). ``shown``
    fires after each new message: its owner scrolls it into sight."""

    shown = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Dismiss this message")
        close.clicked.connect(self.hide)
        self.action = QPushButton()  # what the message offers to do, if anything
        self.action.clicked.connect(self._act)
        self.action.hide()
        self._callback = None
        lay.addWidget(self.label, 1)
        lay.addWidget(self.action)
        lay.addWidget(close)
        self.setAttribute(Qt.WA_StyledBackground, True)
        self.hide()

    def show_message(self, text, error=True, action=None):
        """``action``: (button text, callback) offered beside the message; it hides the message."""
        color = "#fde2e1" if error else "#e3f1e3"
        self.setStyleSheet(f"MessageBar {{ background: {color}; border-radius: 4px; }}")
        self.label.setText(text)
        self._callback = action[1] if action else None
        self.action.setText(action[0] if action else "")
        self.action.setVisible(action is not None)
        self.show()
        self.shown.emit()

    def _act(self):
        callback, self._callback = self._callback, None
        self.hide()
        if callback is not None:
            callback()


class LoadBar(QWidget):
    """What is being read (a fixed box of two lines), a progress bar (busy when the total is unknown)
    and Cancel under it; hidden otherwise. It lives in the controls' column and never asks for more width than
    the column has: a wider bar widened the column, and every view shrank and repainted at once."""

    cancel_clicked = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        self.label = LiveText(lines=2)   # its text changes ~20 times a second: a fixed box, no re-layout
        self.bar = ProgressBar()
        self.bar.setMinimumWidth(60)
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("Stop reading; the run you had is kept")
        self.cancel.clicked.connect(self.cancel_clicked.emit)
        row = QHBoxLayout()
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel)
        lay.addWidget(self.label)
        lay.addLayout(row)
        self.setAttribute(Qt.WA_StyledBackground, True)
        self.setStyleSheet("LoadBar { background: #e8eef7; border-radius: 4px; }")
        self.hide()

    def begin(self, what):
        self.label.set_html(escape(what + "…"))
        self.bar.setRange(0, 0)  # busy until the first count arrives
        self.show()

    def set_progress(self, done, total, what):
        if what:
            self.label.set_html(escape(f"{what[:1].upper()}{what[1:]}… {done} of {total}" if total else what + "…"))
        if total:
            self.bar.setRange(0, total)
            self.bar.set_value(done)


def format_duration(s):
    s = int(s)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class ProgressPanel(QWidget):
    """A progress bar with step count, rate and ETA; the rate is measured from the frames the
    GUI receives (steps per wall-clock second)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.bar = ProgressBar()
        self.bar.setTextVisible(True)
        self.bar.setToolTip("Steps done of the steps this run plans")
        self.label = QLabel("not started")
        self.label.setToolTip("Step count, training rate and estimated time left")
        lay.addWidget(self.bar)
        lay.addWidget(self.label)
        self.total = 1
        self._marks = []  # (time, step) over the last seconds

    def reset(self, total, step=0):
        self.total = max(1, int(total or 1))
        self.bar.setRange(0, self.total)
        self._marks = []
        self.update_step(step, running=False)

    def update_step(self, step, running=True, state=None):
        now = time.perf_counter()
        if running:
            self._marks.append((now, step))
            self._marks = [(t, s) for t, s in self._marks if now - t < 3.0] or [(now, step)]
        else:
            self._marks = []
        text = f"{step} / {self.total}" if step <= self.total else f"{step} (planned {self.total})"  # continued
        self.bar.set_value(min(step, self.total), text)
        rate = 0.0
        if len(self._marks) >= 2:
            (t0, s0), (t1, s1) = self._marks[0], self._marks[-1]
            rate = (s1 - s0) / max(t1 - t0, 1e-9)
        if rate > 0 and step < self.total:
            eta = (self.total - step) / rate
            self.label.setText(f"step {step} · {rate:.1f} it/s · ETA {format_duration(eta)}")
        elif step >= self.total:
            self.label.setText(f"step {step} · planned steps done (Start continues)")
        else:
            self.label.setText(f"step {step}" + (f" · {state}" if state else ""))
        return rate


class ExportBox(QGroupBox):
    """PNG width, "Export all figures…", save and load checkpoint: emits what the user asked."""

    export_clicked = Signal()
    save_clicked = Signal()
    load_clicked = Signal()

    def __init__(self, png_width=1600, dpi=300, parent=None):
        super().__init__("Export", parent)
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(QLabel("Width"))
        self.png_width = QSpinBox()
        self.png_width.setRange(200, 8000)
        self.png_width.setSingleStep(100)
        self.png_width.setSuffix(" px")
        self.png_width.setValue(int(png_width))
        self.png_width.setToolTip("Width of exported PNG figures; everything in them (text, legends) scales with it")
        row.addWidget(self.png_width, 1)
        self.dpi = QSpinBox()
        self.dpi.setRange(50, 1200)
        self.dpi.setSingleStep(50)
        self.dpi.setSuffix(" dpi")
        self.dpi.setValue(int(dpi))
        self.dpi.setToolTip("Resolution written into the PNG files; the PDF page is width / dpi inches wide "
                            "(1600 px at 300 dpi: 13.5 cm, a journal column and a half)")
        row.addWidget(self.dpi)
        lay.addLayout(row)
        b = QPushButton("Export all figures…")
        b.setToolTip("Write every figure (PNG, SVG, PDF, tidy CSV), the run's files, config.json and reproduce.py "
                     "to a folder (Ctrl+E)")
        b.clicked.connect(self.export_clicked)
        lay.addWidget(b)
        row = QHBoxLayout()
        s = QPushButton("Save checkpoint…")
        s.setToolTip("Save the model, optimizer and random state: loading it continues the run exactly")
        s.clicked.connect(self.save_clicked)
        load = QPushButton("Load checkpoint…")
        load.setToolTip("Replace the current run by a saved one")
        load.clicked.connect(self.load_clicked)
        row.addWidget(s)
        row.addWidget(load)
        lay.addLayout(row)


class ExplanationPanel(QWidget):
    """A collapsible "What you are seeing" text (HTML)."""

    def __init__(self, html, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.toggle = QToolButton()
        self.toggle.setText("What you are seeing")
        self.toggle.setCheckable(True)
        self.toggle.setChecked(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.DownArrow)
        self.toggle.setToolTip("Show or hide the explanation of this tab")
        self.text = QTextBrowser()
        self.text.setHtml(html)
        self.text.setOpenExternalLinks(False)
        self.text.setMinimumHeight(180)
        self.toggle.toggled.connect(self._toggled)
        lay.addWidget(self.toggle)
        lay.addWidget(self.text)

    def _toggled(self, on):
        self.text.setVisible(on)
        self.toggle.setArrowType(Qt.DownArrow if on else Qt.RightArrow)
