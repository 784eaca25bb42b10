"""CT denoising tab: the series viewer (slice slider, window/level presets, HU under the cursor,
metadata), clean / noisy / denoised / residual images of a held-out slice, loss, PSNR and SSIM
curves, and the table of classical baselines beside the learned model."""

import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QGridLayout, QHBoxLayout, QLabel, QSlider, QSpinBox, QTableWidget,
                               QVBoxLayout, QWidget)

from lab.imaging.noise import METRIC_WINDOW, WINDOWS
from lab.experiments.ct import CTExperiment

from ..background import BackgroundCall
from ..live_text import fill_table
from ..plots import ImagePanel, LiveCurves
from ..signals import signals_blocked
from .base import ExperimentTab

EXPLANATION = """
<p><b>Viewer.</b> The series as read from DICOM: slices sorted along the slice normal, pixel values
converted to Hounsfield units (stored × RescaleSlope + RescaleIntercept). Window/level maps an HU range to
grey: lung −600/1500, mediastinum 40/400, bone 400/1800, brain 40/80.</p>
<p><b>Denoising.</b> Noise is added in HU (Gaussian × constant as in the seed, or a low-dose Poisson
model). A residual CNN (3×3 convolutions and ReLUs, hand-written backward passes) learns on random
patches to predict the noise: denoised = noisy − prediction. The right-most image is what it removed.
PSNR and SSIM are measured in the lung window (−1350…150 HU) on held-out slices (other patients when
the folder has several), beside scikit-image's total variation, bilateral, wavelet and non-local
means.</p>
<p><i>Try</i>: raise the noise sigma, or switch to the low-dose model, and compare the table.</p>
<p>Seed: "Only Numpy Medical: denoising lung CT scans using auto-encoders" (J. D. Seo, 2018); Zhang et al.
2017 (DnCNN, residual learning).</p>
"""


def _baselines_of(exp, should_stop):
    """In a pool thread: (the experiment, its classical baselines), so a late answer is recognised."""
    return exp, exp.baseline_table(should_stop)


class CTTab(ExperimentTab):
    name = "ct"
    experiment_cls = CTExperiment
    explanation = EXPLANATION

    def build_views(self, area):
        g = QGridLayout(area)
        g.setContentsMargins(0, 0, 0, 0)
        viewer = QWidget()
        vl = QVBoxLayout(viewer)
        vl.setContentsMargins(0, 0, 0, 0)
        self.series_box = QComboBox()
        self.series_box.setToolTip("The series found in the folder; choosing one starts a run on it")
        self.series_box.activated.connect(self._on_series_chosen)
        vl.addWidget(self.series_box)
        self.view = ImagePanel("Series", on_drag=self._drag_window)
        self.view.setToolTip("The series in Hounsfield units. Drag to change the window: left/right = width, "
                             "up/down = level. Move the mouse for the HU under the cursor")
        vl.addWidget(self.view, 1)
        row = QHBoxLayout()
        self.slice_slider = QSlider(Qt.Horizontal)
        self.slice_slider.setToolTip("Slice (sorted along the slice normal)")
        self.slice_slider.valueChanged.connect(self._show_slice)
        self.window_box = QComboBox()
        self.window_box.addItems(list(WINDOWS))
        self.window_box.setToolTip("Window/level presets (centre/width in HU)")
        self.window_box.currentTextChanged.connect(self._on_preset_window)
        self.centre, self.width = QSpinBox(), QSpinBox()
        for sb, rng_, tip in ((self.centre, (-2000, 4000), "Window centre (level), HU"),
                              (self.width, (1, 8000), "Window width, HU")):
            sb.setRange(*rng_)
            sb.setToolTip(tip)
            sb.valueChanged.connect(lambda _v: self._show_slice())
        row.addWidget(QLabel("Slice"))
        row.addWidget(self.slice_slider, 1)
        row.addWidget(self.window_box)
        row.addWidget(QLabel("C"))
        row.addWidget(self.centre)
        row.addWidget(QLabel("W"))
        row.addWidget(self.width)
        vl.addLayout(row)
        self.hu_label = QLabel("HU: –")
        self.meta_label = QLabel()
        self.meta_label.setWordWrap(True)
        vl.addWidget(self.hu_label)
        vl.addWidget(self.meta_label)
        self.view.scene().sigMouseMoved.connect(self._on_mouse)
        g.addWidget(viewer, 0, 0, 2, 1)

        imgs = QWidget()
        il = QGridLayout(imgs)
        il.setContentsMargins(0, 0, 0, 0)
        self.panels = {}
        for i, (key, title) in enumerate((("clean", "clean"), ("noisy", "noisy"), ("denoised", "denoised"),
                                          ("residual", "removed (noisy − denoised)"))):
            self.panels[key] = p = ImagePanel(title, levels=(-0.1, 0.1) if key == "residual" else (0.0, 1.0))
            p.view.setMouseEnabled(True, True)  # zoom (wheel) and pan (drag), the four panels together
            p.setToolTip("Wheel: zoom, drag: pan (all four panels follow); right-click: view all. "
                         "The window/level is the viewer's (left), applied to all four and to their exports")
            if i:
                p.view.setXLink(self.panels["clean"].view)
                p.view.setYLink(self.panels["clean"].view)
            il.addWidget(p, i // 2, i % 2)
        g.addWidget(imgs, 0, 1)
        self.loss_plot = LiveCurves("Training loss", {"loss": "L2 / 2 (patches)"}, "loss (window units²)")
        self.psnr_plot = LiveCurves("PSNR (held out)", {"psnr_noisy": "noisy", "psnr_denoised": "denoised"},
                                    "PSNR (dB)", markers=True)  # evaluated every few steps: points, not only lines
        self.ssim_plot = LiveCurves("SSIM (held out)", {"ssim_noisy": "noisy", "ssim_denoised": "denoised"},
                                    "SSIM", markers=True)
        curves = QWidget()
        cl = QHBoxLayout(curves)
        cl.setContentsMargins(0, 0, 0, 0)
        for p in (self.loss_plot, self.psnr_plot, self.ssim_plot):
            cl.addWidget(p)
        g.addWidget(curves, 1, 1)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["method", "PSNR (dB)", "SSIM", "time (s)"])
        self.table.setToolTip("Held-out slices, lung window; time: to denoise the held-out slices (ours: at the "
                                 "latest evaluation). The classical denoisers run once, in the background, when training starts")
        self.table.horizontalHeader().setStretchLastSection(True)
        g.addWidget(self.table, 2, 0, 1, 2)
        g.setColumnStretch(0, 2)
        g.setColumnStretch(1, 3)
        g.setRowStretch(0, 3)
        g.setRowStretch(1, 2)
        g.setRowStretch(2, 1)
        self._baselines = []
        self._baseline_call = BackgroundCall(self)         # the classical denoisers, beside training
        self._baseline_call.ready.connect(self._on_baselines)
        self._stop_baselines = threading.Event()
        self._baselines_asked = False
        self._latest = {}
        self._viewing = None  # a view-only series shown instead of the training series
        self.window_box.setCurrentText("lung")
        self._on_preset_window("lung")

    # ------------------------------------------------------------------------ viewer
    def _volume(self):
        """The images the viewer pages through: the training series in HU, or a view-only series
        (colour, RT dose, MR…) from the pixels already decoded in the scan."""
        if self._viewing is not None:
            s = self._viewing
            return [s.display(i) for i in range(len(s.slices))]
        exp = self.experiment
        return exp.slices.all_slices() if exp is not None else []

    def _view_only(self, series):
        """Show a series the denoiser does not train on; the run is not touched."""
        self._viewing = series
        vol = self._volume()
        with signals_blocked(self.slice_slider):
            self.slice_slider.setRange(0, max(0, len(vol) - 1))
            self.slice_slider.setValue(len(vol) // 2)
        self.meta_label.setText(
            f"{series.modality or 'no modality'} · {series.description or 'no description'} · {series.rows}×"
            f"{series.cols} · {len(series.slices)} images · {series.photometric} · "
            f"{series.training_note[:1].upper()}{series.training_note[1:]}"
            + (" · " + "; ".join(series.problems + series.notes) if (series.problems or series.notes) else ""))
        self._show_slice()

    def _on_preset_window(self, name):
        c, w = WINDOWS[name]
        with signals_blocked(self.centre, self.width):
            self.centre.setValue(c)
            self.width.setValue(w)
        self._show_slice()

    def _drag_window(self, dx, dy):
        self.width.setValue(max(1, int(self.width.value() + 4 * dx)))
        self.centre.setValue(int(self.centre.value() - 4 * dy))

    def _on_series_chosen(self, index):
        uid = self.series_box.itemData(index)
        if isinstance(uid, str) and uid.startswith("view:"):
            found = [s for s in self.experiment.slices.all_series if s.uid == uid[5:]]
            if found:
                self._view_only(found[0])
            return
        if self._viewing is not None:  # back from a view-only series to the one being trained
            self._viewing = None
            self.clear_views()
            return
        cfg = self.form_config()
        if cfg is None or uid is None or uid == cfg.series:
            return
        cfg.series = uid
        self.session.replace(cfg, then=lambda ok: ok and self.form.set_config(cfg))

    def _fill_series_box(self):
        slices, box = self.experiment.slices, self.series_box
        chosen = {s.uid for s in slices.series}
        with signals_blocked(box):
            box.clear()
            for s in slices.all_series:  # the experiment's own scan: the folder is not read again
                text = f"{s.description or s.modality} · {len(s.slices)} slices · {s.rows}×{s.cols} · {s.uid[-12:]}"
                if s.trainable:
                    box.addItem(text, s.uid)
                else:
                    box.addItem(f"{text} — view only, {s.training_note}", "view:" + s.uid)
                    box.setItemData(box.count() - 1, s.training_note, Qt.ToolTipRole)
                if s.uid in chosen and len(chosen) == 1:
                    box.setCurrentIndex(box.count() - 1)
            if len(chosen) > 1:
                box.insertItem(0, f"all {len(chosen)} one-slice series (split by patient)", "")
                box.setCurrentIndex(0)
            box.setEnabled(box.count() > 1)

    def _show_slice(self, *_):
        vol = self._volume()
        if not vol:
            return
        k = min(self.slice_slider.value(), len(vol) - 1)
        c, w = self.centre.value(), self.width.value()
        img = vol[k]
        viewing = self._viewing
        if img.ndim == 3:  # colour (RGB, YBR and palette converted when read): shown as it is
            self.view.levels = (0, 255)
        elif viewing is not None:  # not HU: the file's own window, else the slice's range
            lo, hi = (viewing.window[0] - viewing.window[1] / 2, viewing.window[0] + viewing.window[1] / 2) \
                if viewing.window else (float(img.min()), float(img.max()) or 1.0)
            self.view.levels = (lo, hi if hi > lo else lo + 1)
        else:
            self.view.levels = (c - w / 2, c + w / 2)
        self.view.show_image(img)
        self._window_panels(c, w)
        series = [viewing] if viewing is not None else self.experiment.slices.series
        photometric = series[0].photometric if series else "MONOCHROME2"
        if photometric == "MONOCHROME1":
            self.view.image.setLevels(self.view.levels[::-1])  # inverted display, values kept
        unit = "HU" if viewing is None else "value"
        self.hu_label.setText(f"slice {k + 1} of {len(vol)} · {unit}: move the mouse over the image")

    def _window_panels(self, c, w):
        """The viewer's window/level on the clean, noisy and denoised panels (their values are the
        metric window, -1350…150 HU, as 0…1) and a matching scale on the removed noise."""
        lo_hu, span = METRIC_WINDOW[0], METRIC_WINDOW[1] - METRIC_WINDOW[0]
        levels = ((c - w / 2 - lo_hu) / span, (c + w / 2 - lo_hu) / span)
        for key, panel in self.panels.items():
            panel.levels = levels if key != "residual" else (-0.1 * w / span, 0.1 * w / span)
            if panel.current is not None:
                panel.image.setLevels(panel.levels)

    def _on_mouse(self, pos):
        vol = self._volume()
        if not vol:
            return
        p = self.view.image.mapFromScene(pos)
        k = min(self.slice_slider.value(), len(vol) - 1)
        y, x = int(p.y()), int(p.x())
        img = vol[k]
        if 0 <= y < img.shape[0] and 0 <= x < img.shape[1]:
            v = img[y, x]
            what = f"RGB {tuple(int(c) for c in v)}" if img.ndim == 3 else \
                f"{float(v):.0f} HU" if self._viewing is None else f"{float(v):.4g}"
            self.hu_label.setText(f"slice {k + 1} of {len(vol)} · row {y}, column {x}: {what}")

    # ------------------------------------------------------------------------ run views
    def clear_views(self):
        self._viewing = None
        self.restart_curves((self.loss_plot, self.psnr_plot, self.ssim_plot))
        exp = self.experiment
        if exp is None:
            return
        vol, sl = self._volume(), exp.slices
        with signals_blocked(self.slice_slider):
            self.slice_slider.setRange(0, max(0, len(vol) - 1))
            self.slice_slider.setValue(len(vol) // 2)
        s = sl.series[0] if sl.series else None
        if s is not None:
            sp, k = s.slice_spacing, len(sl.skipped)
            self.meta_label.setText(
                f"{len(sl.series)} series · {s.modality} · {s.description or 'no description'} · "
                f"{s.rows}×{s.cols} · pixel {s.pixel_spacing[0]:.3g}×{s.pixel_spacing[1]:.3g} mm"
                + (f" · slices every {sp:.3g} mm" if sp else "") + f" · {len(sl.train_ids)} training, "
                f"{len(sl.test_ids)} held-out slices" + (f" · skipped {k} file{'s' if k != 1 else ''}" if k else "")
                + (" · " + "; ".join(s.problems + s.notes) if (s.problems or s.notes) else "")
                + (f" · {sl.split_note}" if sl.split_note else ""))
        self._fill_series_box()
        self._show_slice()
        _, a = exp.evaluate()
        for key, panel in self.panels.items():
            panel.show_image(a[key] if key != "denoised" else a["noisy"])
        self.table.setRowCount(0)
        self._baselines = []
        self._stop_baselines.set()                         # a computation for the data before stops
        self._stop_baselines = threading.Event()
        self._baselines_asked = False

    def _ask_baselines(self):
        """Once training has started (a tab merely opened on a folder costs nothing): the classical
        denoisers in a pool thread, so the first frames do not wait for them."""
        if not self._baselines_asked and self.experiment is not None:
            self._baselines_asked = True
            self._baseline_call.request(_baselines_of, self.experiment, self._stop_baselines.is_set)

    def _on_baselines(self, result):
        exp, table = result
        if exp is not self.experiment:                     # finished for data replaced meanwhile
            return
        self._baselines = [{"method": k, **v} for k, v in table.items()]
        self._fill_table()

    def shutdown(self, wait_ms=10_000):
        stop = self.__dict__.get("_stop_baselines")        # (views never built: nothing was started)
        if stop is not None:
            stop.set()                                     # the pool is joined when the window closes
        return super().shutdown(wait_ms)

    def draw(self, frame):
        self._ask_baselines()
        for p in (self.loss_plot, self.psnr_plot, self.ssim_plot):
            p.append_rows(frame.rows)
            yield
        a = frame.snapshot.arrays
        for key, panel in self.panels.items():
            if key in a:
                panel.show_image(a[key])
                yield
        m = self.latest_metrics(frame, "psnr_denoised")
        if m is not None:
            self._latest = m
            self._fill_table()

    def _fill_table(self):
        rows = [("noisy input", self._latest.get("psnr_noisy"), self._latest.get("ssim_noisy"), None),
                (f"{self.experiment.model_name} (ours)", self._latest.get("psnr_denoised"),
                 self._latest.get("ssim_denoised"), self._latest.get("denoise_seconds"))]
        rows += [(r["method"], r["psnr"], r["ssim"], r["seconds"]) for r in self._baselines]
        def cell(c, v):
            return v if isinstance(v, str) else "" if v is None else f"{v:.2f}" if c == 1 else f"{v:.3f}"
        fill_table(self.table, [[cell(c, v) for c, v in enumerate(row)] for row in rows])

    def figures(self):
        return [self.view, *self.panels.values(), self.loss_plot, self.psnr_plot, self.ssim_plot]
