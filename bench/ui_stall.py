"""How long the GUI thread stops answering (offscreen), for everything a user does that reads data or trains.

A probe timer fires every 5 ms; a stall is the largest gap between two firings beyond that period
(what a user feels as a frozen window). Measured, one JSON line each:
- building the main window (the constructor and the first show: Qt must build widgets on the GUI thread);
- the first tab coming up with its default data (read in the loader's thread);
- opening folders: ../shared/data/gifs in the GIF tab, ../shared/data/dicom/lung-ct-a0001 and
  chest-ct-axial in the CT tab, and a generated 300-file DICOM folder;
- training, for every tab and page: the longest stall over ``--seconds`` of a run with live drawing.
Goal: 16 ms (one frame at 60 Hz) everywhere. Opening and training also report the 99th percentile
of the lateness (``p99_ms``) and how many firings were later than the goal (``over_goal`` of ``ticks``).

    python bench/ui_stall.py [--seconds 5] [--only NAME]
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"
PERIOD_MS = 5
GOAL_MS = 16


def emit(**kw):
    print(json.dumps(kw), flush=True)


class Probe:
    """A 5 ms timer on the GUI thread; ``worst`` is the largest lateness seen since ``reset``,
    ``summary()`` adds the 99th percentile and how many firings were late by more than the goal
    (one worst moment on a shared machine says little; how often the window stalls says more)."""

    def __init__(self):
        from PySide6.QtCore import QElapsedTimer, QTimer
        self.clock, self.timer = QElapsedTimer(), QTimer()
        self.timer.setInterval(PERIOD_MS)
        self.timer.timeout.connect(self._tick)
        self.worst = 0.0
        self.late = []

    def _tick(self):
        if self.clock.isValid():
            late = self.clock.nsecsElapsed() / 1e6 - PERIOD_MS
            self.late.append(late)
            self.worst = max(self.worst, late)
        self.clock.start()

    def reset(self):
        self.worst = 0.0
        self.late = []
        self.clock.invalidate()
        self.timer.start()

    def summary(self):
        late = sorted(self.late)
        p99 = late[min(len(late) - 1, int(0.99 * len(late)))] if late else 0.0
        return {"stall_ms": round(self.worst, 1), "p99_ms": round(p99, 1),
                "over_goal": sum(x > GOAL_MS for x in late), "ticks": len(late)}


def spin(app, seconds, until=None):
    t_end = time.perf_counter() + seconds
    while time.perf_counter() < t_end:
        app.processEvents()
        if until is not None and until():
            return True
        time.sleep(0.001)
    return until is None or until()


def folder_300(tmp):
    """300 DICOM files: the chest slices, each written 15 times with its own UIDs (20 x 15)."""
    import warnings

    import pydicom
    from pydicom.uid import generate_uid
    src = sorted((SHARED / "dicom" / "chest-ct-axial").glob("*.dcm"))
    out = Path(tmp) / "dicom-300"
    out.mkdir()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k in range(15):
            for f in src:
                ds = pydicom.dcmread(f)
                ds.SeriesInstanceUID = generate_uid()
                ds.SOPInstanceUID = generate_uid()
                ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
                ds.save_as(out / f"{k:02d}-{f.name}")
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--only")
    ap.add_argument("--train-only", action="store_true", help="skip opening folders")
    ap.add_argument("--switch-interval", type=float, help="override sys.setswitchinterval (seconds)")
    a = ap.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication([])
    from widgets.main_window import MainWindow  # imported before the clock: the build below times the window
    if a.switch_interval:
        sys.setswitchinterval(a.switch_interval)
    emit(bench="ui_stall", what="gil switch interval", seconds=sys.getswitchinterval())
    probe = Probe()
    tmp = tempfile.mkdtemp(prefix="ui-stall-")
    settings = QSettings(str(Path(tmp) / "s.ini"), QSettings.IniFormat)

    t0 = time.perf_counter()
    win = MainWindow(settings)
    win.resize(1500, 920)
    win.show()
    app.processEvents()
    build = (time.perf_counter() - t0) * 1000
    emit(bench="ui_stall", what="build main window (imports, widgets, first show)", stall_ms=round(build, 1),
         goal_ms=GOAL_MS, note="widgets can only be built on the GUI thread")
    probe.reset()
    first = win.current_page()
    ok = spin(app, 120, lambda: first.ready)
    emit(bench="ui_stall", what=f"first tab ready ({first.name}, default data read in the loader)",
         stall_ms=round(probe.worst, 1), ok=ok, goal_ms=GOAL_MS)

    opens = []
    if (SHARED / "gifs").is_dir():
        opens.append(("gif", SHARED / "gifs"))
    for name in ("lung-ct-a0001", "chest-ct-axial"):
        if (SHARED / "dicom" / name).is_dir():
            opens.append(("ct", SHARED / "dicom" / name))
    if (SHARED / "dicom" / "chest-ct-axial").is_dir():
        opens.append(("ct", folder_300(tmp)))
    if not opens and not a.train_only:
        emit(bench="ui_stall", what="open folders", skipped=f"{SHARED} is not present: no folder opened, "
                                                            "and the tabs train on their built-in data")
    for tab_name, path in opens:
        if (a.only and a.only != tab_name) or a.train_only:
            continue
        tab = win.show_tab(tab_name)
        spin(app, 120, lambda: tab.ready)
        probe.reset()
        t = time.perf_counter()
        tab.open_data(str(path))
        ok = spin(app, 300, lambda: tab.ready and tab.experiment.config.data == str(path))
        emit(bench="ui_stall", what=f"open {path.name} ({tab_name})", **probe.summary(),
             seconds=round(time.perf_counter() - t, 2), ok=ok, goal_ms=GOAL_MS)
        tab.reset()
        spin(app, 120, lambda: tab.ready)

    for name in win.tab_names():
        if a.only and a.only != name:
            continue
        page = win.show_tab(name)
        if not hasattr(page, "session"):
            continue
        if not spin(app, 120, lambda: page.ready):
            emit(bench="ui_stall", what=f"train {name}", error="the experiment did not load")
            continue
        page.start()
        spin(app, 1.0)  # the first step and first draws
        probe.reset()
        steps0 = page.last_frame_step
        spin(app, a.seconds)
        emit(bench="ui_stall", what=f"train {name}", **probe.summary(), goal_ms=GOAL_MS,
             steps=page.last_frame_step - steps0)
        page.session.pause()
        spin(app, 0.3)
    for t in win.tab_by_name.values():
        t.shutdown()
    win.close()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
