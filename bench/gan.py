"""GAN benchmark: JSON lines on stdout.

- headless iterations per second, default preset (with its previews) and the "W1" shape
  (G 100-256-512-784, D 784-512-256-1, batch 64, one D and one G Adam step, float32);
- the GAN tab training in the real worker with the GUI drawing (offscreen): its rate as a
  fraction of the headless rate measured in this same run, and the longest stall of the GUI
  event loop (a 5 ms timer's largest gap beyond its period).

Rates are medians over chunks of steps; the machine is shared and noisy.
Usage: python bench/gan.py [--seconds 20] [--data PATH]
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"

from lab.data.mnist import load_digits_data  # noqa: E402
from lab.experiments.gan import GANExperiment  # noqa: E402


def emit(**kw):
    print(json.dumps(kw), flush=True)


def chunk_rates(fn, seconds, chunk=50, warmup=20):
    for _ in range(warmup):
        fn()
    rates, t_end = [], time.perf_counter() + seconds
    while time.perf_counter() < t_end:
        t0 = time.perf_counter()
        for _ in range(chunk):
            fn()
        rates.append(chunk / (time.perf_counter() - t0))
    return rates


def headless(preset, data, seconds, raw=False):
    exp = GANExperiment(GANExperiment.preset_config(preset), data=data)
    exp.step()  # trains the judge
    rates = chunk_rates(exp.train_step if raw else exp.step, seconds)
    return statistics.median(rates), rates


def gui(data_path, seconds):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from widgets.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    settings = QSettings(str(Path(os.environ.get("TMPDIR", "/tmp")) / "numpy-lab-bench.ini"), QSettings.IniFormat)
    win = MainWindow(settings)
    win.show()
    tab = win.tab_by_name["gan"]
    if data_path:
        tab.open_data(str(data_path))
    gaps, clock = [], QElapsedTimer()
    period = 20  # ms; a faster probe would itself steal the GIL from the worker

    def tick():
        if clock.isValid():
            gaps.append(clock.restart() - period)
        else:
            clock.start()
    timer = QTimer()
    timer.setInterval(period)
    timer.timeout.connect(tick)
    marks = []
    tab.worker.frame.connect(lambda f: marks.append((time.perf_counter(), f.snapshot.step)))
    tab.start()
    # skip the first second (judge training, first draws), then measure
    QTimer.singleShot(1000, lambda: (gaps.clear(), timer.start()))
    QTimer.singleShot(int((seconds + 1) * 1000), app.quit)
    app.exec()
    timer.stop()
    tab.shutdown()
    win.close()
    steady = [(t, s) for t, s in marks if t >= marks[0][0] + 1.0]
    rates = []
    for (t0, s0), (t1, s1) in zip(steady[::10], steady[10::10]):
        rates.append((s1 - s0) / (t1 - t0))
    return statistics.median(rates), max(gaps) if gaps else float("nan"), len(marks)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--data", default=str(SHARED_MNIST) if SHARED_MNIST.is_dir() else "")
    args = ap.parse_args()
    data = load_digits_data(args.data or None)
    emit(bench="gan", what="data", source=data.source, images=len(data.images))
    w1, w1_rates = headless("w1", data, args.seconds, raw=True)
    emit(bench="gan", what="headless_w1_train_step", it_per_s=round(w1, 1),
         gflop_per_s=round(w1 * 0.83, 1), chunks=len(w1_rates))
    dflt, _ = headless("default", data, args.seconds)
    emit(bench="gan", what="headless_default_preset", it_per_s=round(dflt, 1))
    g_rate, stall, frames = gui(args.data, args.seconds)
    emit(bench="gan", what="gui_default_preset", it_per_s=round(g_rate, 1), fraction_of_headless=round(g_rate / dflt, 3),
         max_event_loop_stall_ms=round(stall, 1), frames=frames, frames_per_s=round(frames / (args.seconds + 1), 1))


if __name__ == "__main__":
    main()
