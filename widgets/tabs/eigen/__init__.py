"""Eigenvectors & ZCA whitening tab, one widget per page: change of basis and SVD on the wine
data (or a CSV), the whitening gallery on 100 images, and the whitening classifier trained live
in the worker. The tab's experiment is the classifier; the first three pages draw the views of
one ``EigenAnalysis`` object."""

from PySide6.QtWidgets import QCheckBox, QTabWidget, QVBoxLayout

from lab.decompositions.views import EigenAnalysis, whitening_gallery
from lab.errors import DataError
from lab.experiments.zca import ZCAExperiment

from ...background import BackgroundCall
from ..base import ExperimentTab
from .basis_page import BasisPage
from .classifier_page import ClassifierPage
from .gallery_page import GalleryPage
from .svd_page import SVDPage

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
    name = "eigen"
    experiment_cls = ZCAExperiment
    explanation = EXPLANATION
    tab_title = "Eigenvectors & ZCA"

    def build_views(self, area):
        self.eigen = None  # read off the GUI thread (the wine data, or the user's CSV)
        lay = QVBoxLayout(area)
        lay.setContentsMargins(0, 0, 0, 0)
        self.three_d = QCheckBox("Third attribute (alcalinity of ash)")
        self.three_d.setToolTip("Change of basis and SVD with three attributes instead of two")
        self.three_d.toggled.connect(lambda _on: self._refresh_eigen(reset_keep=True))
        lay.addWidget(self.three_d)
        self.pages = QTabWidget()
        lay.addWidget(self.pages)
        self.basis = BasisPage([])
        self.svd = SVDPage([])
        self.gallery = GalleryPage()
        self.classifier = ClassifierPage()
        for page, title in ((self.basis, "Change of basis"), (self.svd, "SVD"), (self.gallery, "Whitening gallery"),
                            (self.classifier, "Whitening classifier")):
            self.pages.addTab(page, title)
        self.basis.basis_changed.connect(lambda _b: self._refresh_eigen())
        self.svd.keep_changed.connect(lambda _k: self._refresh_svd())
        self.gallery.axis_changed.connect(lambda _a: self._refresh_gallery())
        self.pages.currentChanged.connect(lambda _i: self._refresh_gallery())
        self._gallery_call = BackgroundCall(self)
        self._gallery_call.ready.connect(self.gallery.show_view)
        self._gallery_call.failed.connect(lambda msg: self.gallery.info.setText(f"gallery failed: {msg}"))
        self._gallery_key = None
        self._eigen_call = BackgroundCall(self)
        self._eigen_call.ready.connect(self._on_eigen_loaded)
        self._eigen_call.failed.connect(lambda msg: self.message.show_message(f"{msg}. The current data are kept."))
        self._eigen_call.request(EigenAnalysis.load)

    def _on_eigen_loaded(self, analysis):
        first = self.eigen is None
        self.eigen = analysis
        self.basis.set_classes(analysis.class_names)
        self.svd.set_classes(analysis.class_names)
        self._refresh_eigen(reset_keep=True)
        if not first:
            self.message.show_message(f"Eigen views: {analysis.source} ({', '.join(analysis.trio)})", error=False)

    # ---------------------------------------------------------------------------- pages 1-3
    def _refresh_eigen(self, reset_keep=False):
        if self.eigen is None:
            return
        three = self.three_d.isChecked()
        try:
            view = self.eigen.basis(self.basis.basis, three)
        except DataError as err:
            self.message.show_message(str(err))
            return
        self.basis.show_view(view, three)
        if reset_keep:
            self.svd.set_dims(len(self.eigen.features(three)))
        self._refresh_svd()

    def _refresh_svd(self):
        if self.eigen is None:
            return
        self.svd.show_view(self.eigen.svd(self.three_d.isChecked(), self.svd.keep.value()))

    def _refresh_gallery(self):
        """Recompute the gallery (off the GUI thread) when it is shown and its images or axis changed."""
        exp = self.experiment
        key = (id(exp), self.gallery.axis)
        if exp is None or self.pages.currentWidget() is not self.gallery or key == self._gallery_key:
            return
        self._gallery_key = key
        self.gallery.info.setText("computing…")
        self._gallery_call.request(whitening_gallery, exp.x_train[:100].copy(), self.gallery.axis)

    # ---------------------------------------------------------------------------- page 4: the classifier
    def clear_views(self):
        self.restart_curves(self.classifier.curves)
        self.classifier.clear()
        self._gallery_key = None
        self._refresh_gallery()

    def draw(self, frame):
        yield from self.classifier.draw(frame, self.latest_metrics(frame, "test_accuracy"))

    def run_steps(self, n):
        self.pages.setCurrentWidget(self.classifier)  # a run from the command line shows the classifier
        super().run_steps(n)

    def extra_timelapses(self):
        """The SVD views as the slider moved (at least two positions)."""
        frames = list(self.svd.timelapse.frames)
        return [("svd-views", frames, "singular values kept")] if len(frames) >= 2 else []

    def figures(self):
        """Every page's figures; the gallery once it has been computed (it is computed when its page
        is first shown, off the GUI thread: an export before that would be a blank figure)."""
        drawn = all(img.image is not None for _, img in self.gallery.images)
        return [*self.basis.figures(), *self.svd.figures(), *([self.gallery.gallery] if drawn else []),
                *self.classifier.figures()]

    def open_data(self, path=None):
        """A .csv goes to the eigen views; MNIST-format data to the classifier and the gallery."""
        if path is not None and str(path).lower().endswith(".csv"):
            self._eigen_call.request(EigenAnalysis.load, path)  # read off the GUI thread
            return True
        return super().open_data(path)
