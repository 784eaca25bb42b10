"""The sweep dialog of a tab: one or two settings over a list or range of values, × seeds, each
point an ordinary recorded run (it appears in the run list), executed headless in parallel worker
processes on this machine or on a Dask cluster (``lab.runs.sweep``). Each run has its own progress
bar; results come as a table, the key metric against the value (one setting) or a heat map (two).
Cancel ends the runs in progress. Nothing here runs on the GUI thread but drawing."""

import dataclasses
import os
import threading

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QSpinBox, QSplitter, QStackedWidget, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from lab.errors import DataError
from lab.experiments.base import config_to_dict, field_type
from lab.runs import sweep
from lab.runs.settings import parse_grid

from . import priority
from .panels import ProgressBar
from .plots.images import HeatmapPanel
from .plots.style import PALETTE, style

BACKENDS = ["Worker processes on this machine", "Dask LocalCluster on this machine", "Dask cluster at…"]


class _Relay(QObject):
    progress = Signal(int, int, int)   # task index, step, steps planned
    result = Signal(object)            # one run's result dict
    done = Signal(object, str)         # all results, error message


def sweepable(cls):
    """Config fields a sweep may vary: numbers, switches, choices and int lists (not data, seed, preset or views)."""
    out = []
    for f in dataclasses.fields(cls.Config):
        meta = f.metadata
        if f.name in ("data", "seed", "preset") or meta.get("view") or meta.get("kind") == "path":
            continue
        if field_type(f) in (int, float, bool, list) or meta.get("choices"):
            out.append(f)
    return out


def default_values(f, value):
    """A first guess at the values to try around the current one."""
    meta, t = f.metadata, field_type(f)
    if meta.get("choices") and t is not list:
        return ", ".join(map(str, meta["choices"]))
    if t is bool:
        return "on, off"
    if t is float and (meta.get("log") or (value and abs(value) < 0.1)):
        return ", ".join(f"{value * m:g}" for m in (0.1, 1, 10)) if value else "1e-4, 1e-3, 1e-2"
    if t is float:
        return ", ".join(f"{value * m:g}" for m in (0.5, 1, 2))
    if t is int:
        return ", ".join(str(v) for v in dict.fromkeys((max(1, value // 2), value, value * 2)))
    if t is list:
        return ",".join(map(str, value))
    return str(value)


def _unique(values):
    out = []
    for v in values:
        if v not in out:
            out.append(v)
    return out


class SweepDialog(QDialog):
    run_finished = Signal()   # a run of the sweep ended (the run list reads itself again)

    def __init__(self, experiment_cls, base_config, parent=None):
        super().__init__(parent)
        self.cls, self.base = experiment_cls, config_to_dict(base_config)
        self.setWindowTitle(f"Sweep: {experiment_cls.title}")
        self.resize(1100, 640)
        self.fields = {f.name: f for f in sweepable(experiment_cls)}
        self._thread, self._cancel, self.results, self.tasks = None, threading.Event(), [], []
        self._relay = _Relay()
        self._relay.progress.connect(self._on_progress)
        self._relay.result.connect(self._on_result)
        self._relay.done.connect(self._on_done)

        split = QSplitter(Qt.Horizontal, self)
        QVBoxLayout(self).addWidget(split)
        left = QWidget()
        form = QFormLayout(left)
        self.field1, self.values1 = self._field_row(form, "Setting", first=True)
        self.field2, self.values2 = self._field_row(form, "and setting", first=False)
        self.seeds = QSpinBox()
        self.seeds.setRange(1, 20)
        self.seeds.setToolTip("Runs per point, with seeds seed, seed+1, …: the spread says what is noise")
        form.addRow("Seeds", self.seeds)
        self.steps = QSpinBox()
        self.steps.setRange(0, 10_000_000)
        self.steps.setSpecialValueText("as configured")
        self.steps.setToolTip("Steps per run (0: what the settings plan)")
        form.addRow("Steps per run", self.steps)
        self.workers = QSpinBox()
        self.workers.setRange(1, 256)
        self.workers.setValue(os.cpu_count() or 1)
        self.workers.setToolTip("Runs at a time (each with one BLAS thread)")
        form.addRow("Parallel runs", self.workers)
        self.backend = QComboBox()
        self.backend.addItems(BACKENDS)
        self.address = QLineEdit()
        self.address.setPlaceholderText("tcp://host:8786")
        self.address.setEnabled(False)
        self.backend.currentIndexChanged.connect(lambda i: self.address.setEnabled(i == 2))
        form.addRow("Where", self.backend)
        form.addRow("Scheduler", self.address)
        row = QHBoxLayout()
        self.start_btn, self.cancel_btn = QPushButton("Start sweep"), QPushButton("Cancel")
        self.start_btn.clicked.connect(self.start)
        self.cancel_btn.clicked.connect(self.cancel)
        self.cancel_btn.setEnabled(False)
        row.addWidget(self.start_btn)
        row.addWidget(self.cancel_btn)
        form.addRow(row)
        self.status = QLabel("Choose a setting and its values, e.g. 1e-4, 1e-3, 1e-2 or 1e-4:1e-2:5:log")
        self.status.setWordWrap(True)
        form.addRow(self.status)
        split.addWidget(left)

        right = QSplitter(Qt.Vertical)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["run", "progress", "status", "result"])
        self.table.horizontalHeader().setStretchLastSection(True)
        right.addWidget(self.table)
        self.plot = pg.PlotWidget()
        style(self.plot, "Result against the setting", "value", "key metric")
        self.plot.getPlotItem().showGrid(x=True, y=True, alpha=0.25)
        for axis in ("bottom", "left"):
            self.plot.getPlotItem().getAxis(axis).enableAutoSIPrefix(False)
        self.heat = HeatmapPanel("Mean result (two settings)")
        self.heat.image.setLookupTable(pg.ColorMap([0, 1], [(232, 240, 250), (31, 119, 180)]).getLookupTable())
        self.views = QStackedWidget()   # the curve (one setting) or the heat map (two), in one place
        self.views.addWidget(self.plot)
        self.views.addWidget(self.heat)
        right.addWidget(self.views)
        right.setSizes([220, 420])
        split.addWidget(right)
        split.setSizes([360, 740])

    def _field_row(self, form, label, first):
        box, values = QComboBox(), QLineEdit()
        if not first:
            box.addItem("(none)")
        box.addItems(list(self.fields))
        box.currentTextChanged.connect(lambda name: values.setText(
            default_values(self.fields[name], self.base.get(name)) if name in self.fields else ""))
        values.setToolTip("Values: a,b,c · a range lo:hi:n (add :log for log spacing) · lists separated by ;")
        if first:
            lr = next((n for n in self.fields if "lr" in n), next(iter(self.fields), ""))
            box.setCurrentText(lr)
            values.setText(default_values(self.fields[lr], self.base.get(lr)) if lr else "")
        form.addRow(label, box)
        form.addRow("values", values)
        return box, values

    # ------------------------------------------------------------------ running
    @property
    def running(self):
        return self._thread is not None and self._thread.is_alive()

    def grid(self):
        pairs = [f"{self.field1.currentText()}={self.values1.text()}"]
        if self.field2.currentText() in self.fields and self.field2.currentText() != self.field1.currentText():
            pairs.append(f"{self.field2.currentText()}={self.values2.text()}")
        return parse_grid(self.cls, pairs)

    def start(self):
        if self.running:
            return False
        try:
            grid = self.grid()
        except DataError as e:
            self.status.setText(str(e))
            return False
        base = {k: v for k, v in self.base.items() if k not in grid and k != "preset"}
        _, self.tasks = sweep.plan(self.cls.name, grid, seeds=self.seeds.value(), preset=self.base.get("preset"),
                                   base=base, steps=self.steps.value() or None)
        self.fields_swept, self.results = list(grid), []
        self._fill_table()
        backend, address = self.backend.currentIndex(), self.address.text().strip()
        if backend == 2 and not address:
            self.status.setText("Give the Dask scheduler's address, e.g. tcp://host:8786")
            return False
        self._cancel.clear()
        self._thread = threading.Thread(target=self._drive, args=(backend, address, self.workers.value()), daemon=True)
        self._thread.start()
        self.start_btn.setEnabled(False)
        self.cancel_btn.setEnabled(True)
        self.status.setText(f"{len(self.tasks)} runs: {BACKENDS[backend].lower().replace('…', ' ' + address)}")
        return True

    def _drive(self, backend, address, workers):  # in the sweep's own thread
        priority.background()  # and the processes it starts
        kw = {"workers": workers, "on_result": self._relay.result.emit, "cancelled": self._cancel.is_set,
              "on_progress": self._relay.progress.emit}
        try:
            if backend == 0:
                results = sweep.run_pool(self.tasks, **kw)
            else:
                results = sweep.run_dask(self.tasks, scheduler=address or None, **kw)
            self._relay.done.emit(results, "")
        except Exception as e:  # noqa: BLE001 — shown to the user; the app goes on
            self._relay.done.emit(self.results, f"{type(e).__name__}: {e}")

    def cancel(self):
        self._cancel.set()
        self.status.setText("Cancelling: runs in progress are ended…")

    def shutdown(self, wait_s=30):
        """Cancel and join the sweep (the dialog or the window is closing)."""
        if self.running:
            self._cancel.set()
            self._thread.join(wait_s)

    def closeEvent(self, event):
        self.shutdown()
        super().closeEvent(event)

    # ------------------------------------------------------------------ drawing
    def _fill_table(self):
        self.table.setRowCount(len(self.tasks))
        self.bars = []
        for i, t in enumerate(self.tasks):
            self.table.setItem(i, 0, QTableWidgetItem(t["name"]))
            bar = ProgressBar()
            bar.setRange(0, 1)
            bar.setValue(0)
            self.table.setCellWidget(i, 1, bar)
            self.bars.append(bar)
            self.table.setItem(i, 2, QTableWidgetItem("queued"))
            self.table.setItem(i, 3, QTableWidgetItem(""))
        self.table.resizeColumnToContents(0)

    def _on_progress(self, index, step, target):
        if 0 <= index < len(self.bars):
            self.bars[index].setRange(0, max(1, target))
            self.bars[index].set_value(step)
            if self.table.item(index, 2).text() == "queued":
                self.table.item(index, 2).setText("running")

    def _on_result(self, r):
        self.results.append(r)
        i = r["task"]["index"]
        self.table.item(i, 2).setText(r["status"])
        text = f"{r['metric']} {r['value']:.4g}" if r["value"] is not None else (r["error"] or "")
        self.table.item(i, 3).setText(text)
        if r["status"] == "finished":
            self.bars[i].set_value(self.bars[i].maximum())
        self.run_finished.emit()
        self._draw_summary()

    def _on_done(self, results, error):
        self.start_btn.setEnabled(True)
        self.cancel_btn.setEnabled(False)
        done = sum(r["status"] == "finished" for r in self.results)
        cancelled = self._cancel.is_set()
        ended = f"{done} of {len(self.tasks)} runs finished" + (" (cancelled)" if cancelled else "")
        self.status.setText(error or ended + ": they are in the run list.")
        self.run_finished.emit()

    def _draw_summary(self):
        rows = [r for r in sweep.summarise(self.results, self.fields_swept) if r["mean"] is not None]
        if not rows:
            return
        metric = rows[0]["metric"] or "result"
        if len(self.fields_swept) == 1:
            self._draw_line(rows, self.fields_swept[0], metric)
        else:
            self._draw_heat(rows, metric)

    def _draw_line(self, rows, field, metric):
        self.views.setCurrentWidget(self.plot)
        pi = self.plot.getPlotItem()
        pi.clear()
        values = [r["values"][field] for r in rows]
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        order = np.argsort(values) if numeric else np.arange(len(values))
        xs = np.array(values, float)[order] if numeric else np.arange(len(values), dtype=float)
        log = numeric and np.all(xs > 0) and xs.max() / xs.min() > 30
        pi.setLogMode(x=bool(log))
        xplot = np.log10(xs) if log else xs
        mean = np.array([rows[i]["mean"] for i in order])
        std = np.array([rows[i]["std"] or 0.0 for i in order])   # one seed: no error bar
        pi.addItem(pg.ErrorBarItem(x=xplot, y=mean, height=2 * std, beam=0.05, pen=pg.mkPen(PALETTE[0])))
        pi.plot(xs, mean, pen=pg.mkPen(PALETTE[0], width=2), symbol="o", symbolBrush=PALETTE[0])
        for r in self.results:  # each seed, faint
            if r["value"] is not None:
                v = r["task"]["point"][field]
                x = float(v) if numeric else float(values.index(v))
                pi.plot([x], [r["value"]], pen=None, symbol="x", symbolPen=pg.mkPen("#888"), symbolSize=7)
        if not numeric:
            pi.getAxis("bottom").setTicks([[(i, str(values[j])) for i, j in enumerate(order)]])
        elif log:  # the swept values themselves: a log axis's own minor labels run into each other
            pi.getAxis("bottom").setTicks([[(float(np.log10(x)), f"{x:.3g}") for x in xs]])
        else:
            pi.getAxis("bottom").setTicks(None)
        pi.setLabel("bottom", field.replace("_", " ") + (" (log scale)" if log else ""))
        pi.setLabel("left", f"{metric} (mean ± sd over seeds)")
        pi.setTitle(f"{metric} against {field.replace('_', ' ')}", color="#222", size="11pt")

    def _draw_heat(self, rows, metric):
        self.views.setCurrentWidget(self.heat)
        f1, f2 = self.fields_swept[:2]
        xs, ys = _unique(r["values"][f1] for r in rows), _unique(r["values"][f2] for r in rows)
        M = np.full((len(ys), len(xs)), np.nan)
        for r in rows:
            M[ys.index(r["values"][f2]), xs.index(r["values"][f1])] = r["mean"]
        finite = M[np.isfinite(M)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        self.heat.set_matrix(np.nan_to_num(M, nan=lo), levels=(lo, hi if hi > lo else lo + 1))
        pi = self.heat.getPlotItem()
        pi.getAxis("bottom").setTicks([[(i + 0.5, str(v)) for i, v in enumerate(xs)]])
        pi.getAxis("left").setTicks([[(i + 0.5, str(v)) for i, v in enumerate(ys)]])
        pi.setLabel("bottom", f1.replace("_", " "))
        pi.setLabel("left", f2.replace("_", " "))
        pi.setTitle(f"mean {metric}", color="#222", size="10pt")
