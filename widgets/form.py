"""The hyper-parameter form, built from an experiment's config dataclass so no tab hand-writes
its form (Orange3's controls-left layout): one row per field, its editor chosen by
:func:`widgets.editors.editor_for`; fields that only matter for some values of others
(``applies``) are shown only then.
"""

import dataclasses

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

from .editors import MultiChoiceEditor, PathEditor, editor_for
from .signals import signals_blocked


class ConfigForm(QWidget):
    """A form with one row per field of a config dataclass; ``hidden`` names fields it leaves
    out (the preset has its own picker)."""

    changed = Signal()
    browse_requested = Signal(str)  # field name

    def __init__(self, config_cls, hidden=("preset",), parent=None):
        super().__init__(parent)
        self.config_cls = config_cls
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.editors = {}
        for f in dataclasses.fields(config_cls):
            if f.name in hidden:
                continue
            ed = editor_for(f)
            ed.set(f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default)
            # ^ every editor holds a valid value from the start: a form may be read before set_config
            ed.widget.setToolTip(f.metadata.get("help", ""))
            ed.on_change(lambda *_: self.changed.emit())  # editors' signals carry values; the form says only "changed"
            if isinstance(ed, PathEditor):
                ed.widget.browse.clicked.connect(lambda _=False, n=f.name: self.browse_requested.emit(n))
            self.editors[f.name] = ed
            if isinstance(ed, MultiChoiceEditor):  # a block of check boxes: the label above, the boxes full width
                layout.addRow(QLabel(ed.label))
                layout.addRow(ed.widget)
            else:
                layout.addRow(ed.label, ed.widget)
        self._layout = layout
        self.changed.connect(self.show_applicable)
        self.show_applicable()

    def applies(self, name):
        """Whether field ``name`` matters with the other fields' current values (its ``applies``)."""
        cond = self.editors[name].meta.get("applies") or {}
        for other, allowed in cond.items():
            ed = self.editors.get(other)
            try:
                if ed is not None and ed.get() not in allowed:
                    return False
            except ValueError:
                pass
        return True

    def show_applicable(self):
        """Show only the fields that apply to the chosen model, mode or task."""
        for name, ed in self.editors.items():
            if ed.meta.get("applies") and not isinstance(ed, MultiChoiceEditor):
                self._layout.setRowVisible(ed.widget, self.applies(name))

    def widget(self, name):
        return self.editors[name].widget

    def set_config(self, config):
        for name, ed in self.editors.items():
            with signals_blocked(ed.widget, getattr(ed.widget, "edit", None)):
                ed.set(getattr(config, name))
        self.show_applicable()

    def values(self):
        """Field values parsed from the editors; raises ValueError naming the field."""
        return {name: ed.get() for name, ed in self.editors.items()}
