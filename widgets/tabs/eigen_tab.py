"""Eigenvectors & ZCA whitening tab: change of basis and SVD on the wine data (or a CSV), the
whitening gallery on 100 images, and the whitening classifier trained live in the worker."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QGridLayout, QHBoxLayout, QLabel, QSlider, QTabWidget,
                               QVBoxLayout, QWidget)

from lab.eigen import nearest_centroid_accuracy, svd_reconstruction
from lab.errors import DataError
from lab.experiments.eigen import SHORT, EigenExperiment
from lab.experiments.zca import ZCAExperiment
from lab.export import tile_grid
from lab.transforms import TRANSFORMS, covariance_image, transform, whitened_covariance_report

from ..plots import PALETTE, HeatmapPanel, ImagePanel, LiveCurves, ScatterPanel, diverging_lut
from .base import ExperimentTab

EXPLANATION = """
<p><b>Change of basis.</b> The covariance matrix S = X<sub>c</sub><sup>T</sup>X<sub>c</sub>/(n−1) of
two wine attributes, computed by hand (heatmaps: ours, and ours − NumPy). Its eigenvectors (arrows,
length 2√λ) are the directions of largest and smallest spread; projecting the centred data onto them
(the second plot) rotates the cloud so the new coordinates are uncorrelated. The correlation matrix
does the same for standardised data.</p>
<p><b>SVD.</b> X<sub>c</sub> = UΣV<sup>T</sup>. Keeping k singular values rebuilds the data in k
dimensions: with three attributes, 3 → 2 flattens the cloud onto a plane, 2 → 1 onto a line, and
the cultivars start to overlap (nearest-centroid accuracy).</p>
<p><b>Whitening gallery.</b> Centring, standardising, PCA whitening (X<sub>c</sub>UΛ<sup>−½</sup>) and
ZCA whitening (X<sub>c</sub>UΛ<sup>−½</sup>U<sup>T</sup>, which stays closest to the original images)
per pixel or per image. Whitened data have identity covariance wherever the data vary.</p>
<p><b>Classifier.</b> A 3-layer network with a centring layer (dy/dx = 1 − 1/m) and a ZCA-whitening
layer whose backward pass goes through the eigendecomposition by hand. Reset keeps the last run's
curves dashed, so "with whitening" and "without" (preset <i>no-whitening</i>) compare on one plot.</p>
<p><i>Try</i>: drop one singular value and watch the classes merge; switch the gallery to "per example".</p>
<p>Seeds: "Having fun with eigenvalues/vectors" and "Only Numpy: back-propagating through ZCA whitening"
(J. D. Seo, 2018); Huang et al., "Decorrelated Batch Normalization", CVPR 2018.</p>
"""


class EigenTab(ExperimentTab):
    experiment_cls = ZCAExperiment
    explanation = EXPLANATION
    tab_title = "Eigenvectors & ZCA"

    def build_views(self, area):
        self.eigen = EigenExperiment()
        lay = QVBoxLayout(area)
        lay.setContentsMargins(0, 0, 0, 0)
        self.three_d = QCheckBox("Third attribute (alcalinity of ash)")
        self.three_d.setToolTip("Change of basis and SVD with three attributes instead of two")
        self.three_d.toggled.connect(lambda _on: self._refresh_eigen(reset_keep=True))
        lay.addWidget(self.three_d)
        self.pages = QTabWidget()
        lay.addWidget(self.pages)
        self.pages.addTab(self._basis_page(), "Change of basis")
        self.pages.addTab(self._svd_page(), "SVD")
        self.pages.addTab(self._gallery_page(), "Whitening gallery")
        self.pages.addTab(self._classifier_page(), "Whitening classifier")
        self.pages.currentChanged.connect(self._on_page)
        self._gallery_key = None
        self._refresh_eigen(reset_keep=True)

    # ---------------------------------------------------------------------------- page 1
    def _basis_page(self):
        page = QWidget()
        g = QGridLayout(page)
        row = QHBoxLayout()
        row.addWidget(QLabel("Eigenbasis of the"))
        self.basis_box = QComboBox()
        self.basis_box.addItems(["covariance", "correlation"])
        self.basis_box.setToolTip("Covariance: raw units; correlation: the same for standardised attributes")
        self.basis_box.currentTextChanged.connect(lambda _text: self._refresh_eigen())
        row.addWidget(self.basis_box)
        row.addWidget(QLabel("matrix"))
        self.diff_label = QLabel()
        self.diff_label.setToolTip("Largest difference between our matrices and NumPy's")
        row.addStretch(1)
        row.addWidget(self.diff_label)
        g.addLayout(row, 0, 0, 1, 4)
        names = self._class_names()
        self.scatter = ScatterPanel("Data and its eigenvectors", names, "", "", n_arrows=2)
        self.scatter.getPlotItem().setAspectLocked(True)
        self.projection = ScatterPanel("The data in the eigenbasis", names, "coordinate on e1", "coordinate on e2")
        self.projection.getPlotItem().setAspectLocked(True)
        self.heat = {k: HeatmapPanel(t) for k, t in (("cov", "covariance (ours)"), ("cov_diff", "ours − np.cov"),
                                                     ("corr", "correlation (ours)"),
                                                     ("corr_diff", "ours − np.corrcoef"))}
        g.addWidget(self.scatter, 1, 0, 2, 2)
        g.addWidget(self.projection, 1, 2, 2, 2)
        for i, k in enumerate(("cov", "cov_diff", "corr", "corr_diff")):
            g.addWidget(self.heat[k], 3, i)
        g.setRowStretch(1, 3)
        g.setRowStretch(3, 2)
        return page

    def _class_names(self):
        names = getattr(self.eigen, "class_names", None)
        return [f"cultivar {c}" for c in range(3)] if names is None else names

    # ---------------------------------------------------------------------------- page 2
    def _svd_page(self):
        page = QWidget()
        g = QGridLayout(page)
        row = QHBoxLayout()
        self.keep = QSlider(Qt.Horizontal)
        self.keep.setRange(1, 2)
        self.keep.setValue(2)
        self.keep.setToolTip("How many singular values rebuild the data")
        self.keep.valueChanged.connect(lambda _k: self._refresh_svd())
        self.keep_label = QLabel()
        row.addWidget(QLabel("Singular values kept"))
        row.addWidget(self.keep, 1)
        row.addWidget(self.keep_label)
        g.addLayout(row, 0, 0, 1, 3)
        names = self._class_names()
        self.svd_views = [ScatterPanel(t, names, "", "") for t in ("front", "top", "side")]
        for i, v in enumerate(self.svd_views):
            g.addWidget(v, 1, i)
        self.svd_views[1].getPlotItem().setXLink(self.svd_views[0].getPlotItem())  # front and top share x
        self.svd_info = QLabel()
        self.svd_info.setWordWrap(True)
        g.addWidget(self.svd_info, 2, 0, 1, 3)
        return page

    # ---------------------------------------------------------------------------- page 3
    def _gallery_page(self):
        page = self.gallery_page = QWidget()
        v = QVBoxLayout(page)
        row = QHBoxLayout()
        row.addWidget(QLabel("Statistics"))
        self.gallery_axis = QComboBox()
        self.gallery_axis.addItems(["per dimension", "per example"])
        self.gallery_axis.setToolTip("Per dimension: each pixel over the 100 images; per example: each image "
                                     "over its pixels")
        self.gallery_axis.currentTextChanged.connect(self._refresh_gallery)
        row.addWidget(self.gallery_axis)
        self.gallery_info = QLabel()
        self.gallery_info.setWordWrap(True)
        row.addWidget(self.gallery_info, 1)
        v.addLayout(row)
        self.gallery = pg.GraphicsLayoutWidget()
        self.gallery.setBackground("w")
        self.gallery.export_name = "Whitening gallery"
        self.g_images, self.g_hists, self.g_covs = [], [], []
        for c, name in enumerate(TRANSFORMS):
            self.gallery.addLabel(name, row=0, col=c, color="#222", size="9pt")
            vb = self.gallery.addViewBox(row=1, col=c, lockAspect=True, invertY=True, enableMouse=False)
            img = pg.ImageItem(axisOrder="row-major")
            vb.addItem(img)
            self.g_images.append((vb, img))
            hp = self.gallery.addPlot(row=2, col=c)
            hp.setLabel("bottom", "value")
            hp.setLabel("left", "pixels" if c == 0 else "")
            hp.setMouseEnabled(x=False, y=False)
            curve = hp.plot([], [], stepMode="center", fillLevel=0, brush=PALETTE[0], pen=None)
            self.g_hists.append((hp, curve))
            cv = self.gallery.addViewBox(row=3, col=c, lockAspect=True, invertY=True, enableMouse=False)
            cimg = pg.ImageItem(axisOrder="row-major")
            cimg.setLookupTable(diverging_lut())
            cv.addItem(cimg)
            self.g_covs.append((cv, cimg))
        self.gallery.addLabel("24 of the 100 images · histogram of values · covariance (blue < 0 < red); "
                              "PCA-whitened rows are eigen-coordinates, not pixels",
                              row=4, col=0, colspan=len(TRANSFORMS), color="#555", size="9pt")
        v.addWidget(self.gallery, 1)
        return page

    # ---------------------------------------------------------------------------- page 4
    def _classifier_page(self):
        page = QWidget()
        g = QGridLayout(page)
        self.cost_plot = LiveCurves("Cost", {"batch_cost": "batch", "train_cost": "train (epoch)",
                                             "test_cost": "test (epoch)"}, "cross-entropy (nats)")
        self.acc_plot = LiveCurves("Accuracy", {"batch_accuracy": "batch", "train_accuracy": "train (epoch)",
                                                "test_accuracy": "test (epoch)"}, "fraction correct")
        self.acc_plot.fix_y_range(0, 1)
        for p in (self.cost_plot, self.acc_plot):
            p.getPlotItem().setLabel("bottom", "step (minibatch)")
            batch = next(k for k in p.curves if k.startswith("batch"))
            p.curves[batch].setPen(pg.mkPen("#c7c7c7", width=1))  # the noisy per-batch values stay in the back
            p.curves[batch].setZValue(-1)
            for key in ("train_cost", "test_cost", "train_accuracy", "test_accuracy"):
                if key in p.curves:
                    p.curves[key].setSymbol("o")
                    p.curves[key].setSymbolSize(5)
        self.confusion = HeatmapPanel("Confusion matrix (test)", [str(i) for i in range(10)],
                                      x_label="predicted", y_label="true")
        self.confusion.image.setLookupTable(pg.ColorMap([0, 1], [(255, 255, 255), (31, 119, 180)]).getLookupTable())
        self.wrong = ImagePanel("Misclassified test images")
        self.wrong_label = QLabel("true → predicted: –")
        self.wrong_label.setWordWrap(True)
        self.acc_label = QLabel("test accuracy: –")
        self.acc_label.setStyleSheet("font-weight: bold;")
        g.addWidget(self.cost_plot, 0, 0)
        g.addWidget(self.acc_plot, 0, 1)
        g.addWidget(self.confusion, 1, 0)
        w = QWidget()
        wl = QVBoxLayout(w)
        wl.setContentsMargins(0, 0, 0, 0)
        wl.addWidget(self.wrong, 1)
        wl.addWidget(self.wrong_label)
        wl.addWidget(self.acc_label)
        g.addWidget(w, 1, 1)
        return page

    # ---------------------------------------------------------------------------- drawing
    def _refresh_eigen(self, reset_keep=False):
        e = self.eigen
        e.config.basis = self.basis_box.currentText()
        e.config.three_d = self.three_d.isChecked()
        try:
            v = e.view()
        except DataError as err:
            self.message.show_message(str(err))
            return
        Z, lab, U, lam = v["data"], v["labels"], v["eigenvectors"], v["eigenvalues"]
        std = e.config.basis == "correlation"
        if std:
            Z = (Z - Z.mean(0)) / Z.std(0, ddof=1)
        names = [SHORT.get(f, f) + (" (standardised)" if std else "") for f in e.features]
        pi = self.scatter.getPlotItem()
        pi.setTitle("Data and its eigenvectors" + (" (seen along the third attribute)" if e.config.three_d else ""),
                    color="#222", size="10pt")
        pi.setLabel("bottom", names[0])
        pi.setLabel("left", names[1])
        self.scatter.set_points(Z[:, 0], Z[:, 1], lab)
        mu = Z.mean(0)
        self.scatter.set_arrows([(mu[0], mu[1], mu[0] + 2 * np.sqrt(lam[i]) * U[0, i],
                                  mu[1] + 2 * np.sqrt(lam[i]) * U[1, i], f"e{i + 1} (λ = {lam[i]:.3g})")
                                 for i in range(2)])
        P = v["projection"]
        self.projection.set_points(P[:, 0], P[:, 1], lab)
        short = [SHORT.get(f, f)[:11] for f in e.features]
        for k, M, ref in (("cov", v["covariance"], v["np_cov"]), ("corr", v["correlation"], v["np_corrcoef"])):
            self.heat[k].set_matrix(M, labels=short)
            self.heat[f"{k}_diff"].set_matrix(M - ref, scale=max(float(np.abs(M - ref).max()), 1e-300), labels=short)
        dc = float(np.abs(v["covariance"] - v["np_cov"]).max())
        dr = float(np.abs(v["correlation"] - v["np_corrcoef"]).max())
        self.diff_label.setText(f"largest |ours − NumPy|: covariance {dc:.1e}, correlation {dr:.1e}")
        self._refresh_svd(reset_keep)

    def _refresh_svd(self, reset_keep=False):
        e = self.eigen
        three = self.three_d.isChecked() and len(e.trio) > 2
        feats = e.trio[:3 if three else 2]
        d = len(feats)
        self.keep.blockSignals(True)
        self.keep.setRange(1, d)
        if reset_keep:
            self.keep.setValue(d)
        self.keep.blockSignals(False)
        k = self.keep.value()
        Z = e.columns(feats)
        R, s = svd_reconstruction(Z, k)
        short = [SHORT.get(f, f) for f in feats]
        pairs = [(0, 1), (0, 2), (1, 2)] if three else [(0, 1)]
        titles = ["front", "top", "side"]
        for i, v in enumerate(self.svd_views):
            v.setVisible(i < len(pairs))
            if i < len(pairs):
                a, b = pairs[i]
                v.set_points(R[:, a], R[:, b], e.y)
                v.getPlotItem().setTitle(f"{titles[i]}: {short[a]} vs {short[b]}" if three else
                                         f"{short[a]} vs {short[b]}", color="#222", size="10pt")
                v.getPlotItem().setLabel("bottom", short[a])
                v.getPlotItem().setLabel("left", short[b])
        rms = float(np.sqrt(np.mean((R - Z) ** 2)))
        acc = nearest_centroid_accuracy(R, e.y)
        self.keep_label.setText(f"{k} of {d}")
        self.svd_info.setText(f"Singular values: {', '.join(f'{x:.3g}' for x in s)} · kept {k}: rebuilt data span "
                              f"{'a line' if k == 1 else 'a plane' if k == 2 else '3-D space'} · RMS error {rms:.3g} · "
                              f"nearest-centroid accuracy {acc:.1%} (all kept: "
                              f"{nearest_centroid_accuracy(Z, e.y):.1%})")

    def _on_page(self, i):
        if self.pages.widget(i) is self.gallery_page:
            self._refresh_gallery()

    def _refresh_gallery(self):
        axis = "dimension" if self.gallery_axis.currentIndex() == 0 else "example"
        exp = self.experiment
        key = (id(exp), axis)
        if key == self._gallery_key or exp is None:
            return
        self._gallery_key = key
        X = exp.x_train[:100].astype(np.float64)
        side = int(np.sqrt(X.shape[1]))
        info = ""
        for c, name in enumerate(TRANSFORMS):
            Y = transform(X, name, axis)
            lo, hi = np.percentile(Y, [1, 99])
            tiles = tile_grid(((Y[:24] - lo) / max(hi - lo, 1e-12)).reshape(-1, side, side), 6)
            vb, img = self.g_images[c]
            img.setImage(tiles, autoLevels=False, levels=(0, 1))
            vb.autoRange(padding=0.01)
            hp, curve = self.g_hists[c]
            counts, edges = np.histogram(Y, bins=60)
            curve.setData(edges, counts)
            C = covariance_image(Y, axis, max_size=98)
            s = float(np.abs(C).max()) or 1.0
            cv, cimg = self.g_covs[c]
            cimg.setImage(C, autoLevels=False, levels=(-s, s))
            cv.autoRange(padding=0.01)
            if name == "ZCA-whitened":
                r = whitened_covariance_report(Y, axis)
                info = (f"ZCA-whitened covariance: {r['rank']} of {r['dims']} eigenvalues are 1 within "
                        f"{r['max_abs_eigenvalue_minus_1_on_span']:.1e}; the rest are 0 (directions the 100 images do "
                        f"not vary in: constant border pixels, or more pixels than images)"
                        if r["rank"] < r["dims"] else
                        f"ZCA-whitened covariance is the identity: eigenvalues within "
                        f"{r['max_abs_eigenvalue_minus_1_on_span']:.1e} of 1, off-diagonal ≤ {r['max_abs_offdiag']:.1e}")
        self.gallery_info.setText(info)

    # ---------------------------------------------------------------------------- the classifier
    def clear_views(self):
        self.restart_curves((self.cost_plot, self.acc_plot), getattr(self, "_previous_label", None))
        self.confusion.set_matrix(np.zeros((10, 10)), levels=(0, 1))
        self.wrong.show_image(np.zeros((28, 8 * 30 - 2), np.float32))
        self.wrong_label.setText("true → predicted: –")
        self.acc_label.setText("test accuracy: –")
        exp = self.experiment
        if exp is not None:
            c = exp.config
            self._previous_label = (f"previous: {c.preset}, " + ("whitened" if c.whiten else "no whitening") +
                                    (", centred" if c.centre else ""))
        if hasattr(self, "gallery"):
            self._gallery_key = None
            if self.pages.currentIndex() == 2:
                self._refresh_gallery()

    def draw(self, frame):
        self.cost_plot.append_rows(frame.rows)
        self.acc_plot.append_rows(frame.rows)
        a = frame.snapshot.arrays
        if "confusion" in a:
            self.confusion.set_matrix(a["confusion"], levels=(0, float(a["confusion"].max()) or 1.0))
            if len(a["misclassified"]):
                self.wrong.show_image(tile_grid(a["misclassified"], 8))
                pairs = ", ".join(f"{t}→{p}" for t, p in zip(a["misclassified_true"], a["misclassified_pred"]))
                self.wrong_label.setText(f"true → predicted (row-major): {pairs}")
        m = self.latest_metrics(frame, "test_accuracy")
        if m is not None:
            self.acc_label.setText(f"epoch {m['epoch']:.0f}: test accuracy {m['test_accuracy']:.2%}, "
                                   f"train {m['train_accuracy']:.2%}")

    def run_steps(self, n):
        self.pages.setCurrentIndex(3)  # a run from the command line shows the classifier
        super().run_steps(n)

    def figures(self):
        return [self.scatter, self.projection, *self.heat.values(), *[v for v in self.svd_views if not v.isHidden()],
                self.gallery, self.cost_plot, self.acc_plot, self.confusion, self.wrong]

    def open_data(self, path=None):
        """A .csv goes to the eigen views; MNIST-format data to the classifier and the gallery."""
        if path is not None and str(path).lower().endswith(".csv"):
            try:
                e = EigenExperiment(EigenExperiment.preset_config(data=str(path)))
            except DataError as err:
                self.message.show_message(f"{err}. The current data are kept.")
                return False
            self.eigen = e
            for v in (self.scatter, self.projection, *self.svd_views):
                v.set_classes(self._class_names())
            self._refresh_eigen()
            self.message.show_message(f"Eigen views: {path} ({', '.join(e.trio)})", error=False)
            return True
        return super().open_data(path)
