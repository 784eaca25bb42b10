"""The run list of a tab: every recorded run of its experiment (``lab.runs.store``), newest first.

Tick a run to draw its curves dashed on the tab's plots, in the run's own colour, named by what
differs in its settings from the others shown and from the live run ("lr 0.01, whiten off").
Double-click a name to rename it; Delete, Reopen (continue from its checkpoint, recording into the
same run) and Folder act on the selected run. The smoothing slider applies a debiased EMA to every
curve of the tab, the raw values drawn faint behind; the x axis is the step, the epoch or wall time.
Listing runs and reading their metrics happen
in a pool thread."""

from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QIcon, QPixmap
from PySide6.QtWidgets import (QComboBox, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QMessageBox, QPushButton, QSlider,
                               QTreeWidget, QTreeWidgetItem, QVBoxLayout)

from lab.errors import DataError
from lab.runs import store

from .background import BackgroundCall
from .plots.style import run_colour
from .signals import signals_blocked


def _read_shown(folders):  # in a pool thread
    out = {}
    for f in folders:
        try:
            out[f] = (store.read_metrics(f), store.read_json(Path(f) / "config.json"))
        except DataError:
            out[f] = ({}, {})
    return out


_FLAGS = {}   # (an item's flags, live) -> the flags it should have, or None when it has them


def _flags(current, live):
    """Selectable, and checkable unless it is the live run (Qt's flag arithmetic is slow in Python:
    a hundred items' flags took ~4 ms)."""
    key = (current.value, live)
    if key not in _FLAGS:
        want = current | Qt.ItemIsSelectable
        want = want & ~Qt.ItemIsUserCheckable if live else want | Qt.ItemIsUserCheckable
        _FLAGS[key] = None if want == current else want
    return _FLAGS[key]


def _swatch(colour):
    pm = QPixmap(12, 12)
    pm.fill(QColor(colour))
    return QIcon(pm)


class RunList(QGroupBox):
    shown_changed = Signal(list)      # [{key, label, colour, metrics}] for LiveCurves.show_runs
    reopen_requested = Signal(str)    # a run folder whose checkpoint to continue from
    smoothing_changed = Signal(float)
    x_axis_changed = Signal(str)      # "step", "epoch" or "wall"
    sweep_requested = Signal()

    def __init__(self, experiment_name, parent=None):
        super().__init__("Runs", parent)
        self.experiment_name = experiment_name
        self.runs = {}              # folder -> RunInfo (as last listed)
        self.shown = []             # folders ticked, in the order they were ticked
        self._listed = None         # (rows, shown) the tree was last written from
        self.live_folder = None     # the run being recorded now (its curves are the live ones)
        self.current_config = {}    # the live run's settings (labels name what differs from it)
        self._cache = {}            # folder -> (metrics, config) of finished runs
        lay = QVBoxLayout(self)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Run", "Started", "Status", "Result"])
        self.tree.setRootIsDecorated(False)
        self.tree.setMinimumHeight(120)
        self.tree.setToolTip("Tick a run to compare its curves with this one; double-click a name to rename it")
        self.tree.itemChanged.connect(self._on_item_changed)
        self.tree.itemDoubleClicked.connect(self._on_double_click)
        lay.addWidget(self.tree)
        grid = QGridLayout()  # two by two: one row of four was wider than the controls' column
        self.buttons = {}
        for name, tip, slot in (("Reopen", "Continue the selected run from its checkpoint", self._reopen),
                                ("Delete", "Delete the selected runs from disk", lambda: self.delete_selected()),
                                ("Folder", "Open the selected run's folder", self._open_folder),
                                ("Sweep…", "Run this tab's settings over a grid of values and seeds, in parallel",
                                 self.sweep_requested.emit)):
            b = QPushButton(name)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            grid.addWidget(b, len(self.buttons) // 2, len(self.buttons) % 2)
            self.buttons[name] = b
        lay.addLayout(grid)
        row = QHBoxLayout()
        self.smooth_label = QLabel("Smoothing 0.00")
        self.smooth = QSlider(Qt.Horizontal)
        self.smooth.setRange(0, 99)
        self.smooth.setToolTip("Exponential moving average of every curve (debiased); the raw values stay faint")
        self.smooth.valueChanged.connect(self._on_smoothing)
        row.addWidget(self.smooth_label)
        row.addWidget(self.smooth, 1)
        self.x_axis = QComboBox()
        self.x_axis.addItems(["step", "epoch", "wall time"])
        self.x_axis.setToolTip("What the curves are drawn against (runs that report no epoch stay against the step)")
        self.x_axis.currentIndexChanged.connect(lambda i: self.x_axis_changed.emit(("step", "epoch", "wall")[i]))
        row.addWidget(QLabel("x"))
        row.addWidget(self.x_axis)
        lay.addLayout(row)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.hide()
        lay.addWidget(self.note)
        self._lister = BackgroundCall(self)
        self._lister.ready.connect(self._on_listed)
        self._reader = BackgroundCall(self)
        self._reader.ready.connect(self._on_read)

    # ------------------------------------------------------------------ listing
    def refresh(self):
        self._lister.request(store.list_runs, self.experiment_name)

    def _on_listed(self, result):
        runs, problems = result
        self.runs = {str(r.folder): r for r in runs}
        self.shown = [f for f in self.shown if f in self.runs]
        rows = [self._row(r) for r in runs]
        state = (rows, set(self.shown))
        if state != self._listed:                # a listing like the last one touches no item
            self._listed = state
            with signals_blocked(self.tree):
                self._write_rows(rows)
        self.note.setText("; ".join(problems[:3]))
        self.note.setVisible(bool(problems))
        self._update_shown()

    def _write_rows(self, rows):
        """Items for ``rows``: runs that went are taken out and new ones put in at their place (a
        run's colour is fixed), and only the texts, flags and checks that changed are written. With
        a hundred runs, clearing and re-creating every item cost 10-15 ms on the GUI thread."""
        tree = self.tree
        have = {}
        for i in reversed(range(tree.topLevelItemCount())):
            it = tree.topLevelItem(i)
            have[it.data(0, Qt.UserRole)] = it
        wanted = {row[0] for row in rows}
        for folder in [f for f in have if f not in wanted]:
            tree.takeTopLevelItem(tree.indexOfTopLevelItem(have.pop(folder)))
        first = tree.topLevelItemCount() == 0
        widths = [0] * 4                           # the widest text written to each column
        fm = tree.fontMetrics()
        for i, (folder, texts, live, colour) in enumerate(rows):
            it = have.get(folder)
            if it is None:
                it = QTreeWidgetItem(["", "", "", ""])
                it.setData(0, Qt.UserRole, folder)
                it.setIcon(0, _swatch(run_colour(colour)))
                it.setToolTip(0, folder)
                tree.insertTopLevelItem(i, it)
            elif tree.topLevelItem(i) is not it:      # a run moved (the list is sorted): put it back in order
                tree.insertTopLevelItem(i, tree.takeTopLevelItem(tree.indexOfTopLevelItem(it)))
            for c, text in enumerate(texts):
                if it.text(c) != text:
                    it.setText(c, text)
                    widths[c] = max(widths[c], fm.horizontalAdvance(text))
            flags = _flags(it.flags(), live)
            if flags is not None:
                it.setFlags(flags)
            if not live:
                check = Qt.Checked if folder in self.shown else Qt.Unchecked
                if it.data(0, Qt.CheckStateRole) is None or it.checkState(0) != check:
                    it.setCheckState(0, check)
            elif it.data(0, Qt.CheckStateRole) is not None:
                it.setData(0, Qt.CheckStateRole, None)
        for c, w in enumerate(widths):             # a column grows for a wider text (measuring every
            room = 52 if c == 0 else 20            # row's text again took ~10 ms); column 0 also holds
            if w and (first or w + room > tree.columnWidth(c)):   # the colour swatch and the check box
                tree.resizeColumnToContents(c)

    def _row(self, r):
        """(folder, the four column texts, live, colour) of one listed run."""
        folder = str(r.folder)
        live = folder == self.live_folder
        return folder, [r.name + ("  (this run)" if live else ""), r.created.replace("T", " ")[5:16], r.status,
                        r.metric_text()], live, r.colour

    def item(self, folder):
        for i in range(self.tree.topLevelItemCount()):
            it = self.tree.topLevelItem(i)
            if it.data(0, Qt.UserRole) == str(folder):
                return it
        return None

    # ------------------------------------------------------------------ showing runs
    def set_live(self, folder, config):
        """The run being recorded now and its settings (labels of shown runs say what differs)."""
        self.live_folder = str(folder) if folder else None
        self.current_config = dict(config)
        if self.live_folder in self.shown:
            self.shown.remove(self.live_folder)
        self.refresh()

    def show_run(self, folder, on=True):
        folder = str(folder)
        if on and folder not in self.shown and folder != self.live_folder:
            self.shown.append(folder)
        elif not on and folder in self.shown:
            self.shown.remove(folder)
        it = self.item(folder)
        if it is not None and it.flags() & Qt.ItemIsUserCheckable:
            with signals_blocked(self.tree):
                it.setCheckState(0, Qt.Checked if on else Qt.Unchecked)
        self._update_shown()

    def _on_item_changed(self, it, column):
        self._listed = None                      # the user changed an item: the next listing rewrites it
        folder = it.data(0, Qt.UserRole)
        if column == 0 and it.flags() & Qt.ItemIsUserCheckable:
            on = it.checkState(0) == Qt.Checked
            if on != (folder in self.shown):
                self.show_run(folder, on)
                return
        name = it.text(0).replace("  (this run)", "").strip()
        if column == 0 and folder in self.runs and name != self.runs[folder].name:
            self._rename(folder, name)

    def _update_shown(self):
        # finished runs' metrics do not change; a running one (a sweep, another window) is re-read
        missing = [f for f in self.shown if f not in self._cache or self._status(f) == "running"]
        if missing:
            self._reader.request(_read_shown, missing)
        else:
            self._emit_shown()

    def _status(self, folder):
        r = self.runs.get(folder)
        return r.status if r is not None else ""

    def _on_read(self, data):
        self._cache.update(data)
        self._emit_shown()

    def _emit_shown(self):
        shown = [f for f in self.shown if f in self._cache and f in self.runs]
        labels = store.differences([self._cache[f][1] for f in shown] + [self.current_config], skip=("data", "steps"))
        entries = []
        for f, diff in zip(shown, labels):
            r = self.runs[f]
            entries.append({"key": f, "label": r.name if diff == "same settings" else f"{r.name}: {diff}",
                            "colour": run_colour(r.colour), "metrics": self._cache[f][0]})
        self.shown_changed.emit(entries)

    # ------------------------------------------------------------------ acting on runs
    def selected(self):
        return [it.data(0, Qt.UserRole) for it in self.tree.selectedItems()]

    def _on_double_click(self, it, column):
        if column == 0 and it.data(0, Qt.UserRole) != self.live_folder:
            with signals_blocked(self.tree):
                it.setFlags(it.flags() | Qt.ItemIsEditable)
            self.tree.editItem(it, 0)

    def _rename(self, folder, name):
        try:
            store.rename_run(folder, name)
        except (DataError, OSError) as e:
            self.note.setText(f"Could not rename: {e}")
            self.note.show()
        self.refresh()

    def delete_selected(self, confirm=True):
        folders = [f for f in self.selected() if f != self.live_folder]
        if not folders:
            return 0
        if confirm and QMessageBox.question(
                self, "Delete runs", f"Delete {len(folders)} run(s) and their files from disk?") != QMessageBox.Yes:
            return 0
        for f in folders:
            try:
                store.delete_run(f)
            except (DataError, OSError) as e:
                self.note.setText(f"Could not delete {f}: {e}")
                self.note.show()
            if f in self.shown:
                self.shown.remove(f)
            self._cache.pop(f, None)
        self.refresh()
        return len(folders)

    def _reopen(self):
        sel = [f for f in self.selected() if f != self.live_folder]
        if sel:
            self.reopen_requested.emit(sel[0])

    def _open_folder(self):
        for f in self.selected()[:1]:
            QDesktopServices.openUrl(QUrl.fromLocalFile(f))

    def _on_smoothing(self, v):
        self.smooth_label.setText(f"Smoothing {v / 100:.2f}")
        self.smoothing_changed.emit(v / 100)
