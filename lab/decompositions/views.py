"""The eigen tab's analyses as one object: :class:`EigenAnalysis` (wine data or a user's CSV)
returns the dataclasses the change-of-basis and SVD views draw; :func:`whitening_gallery`
returns what the whitening gallery draws. Nothing here knows about screens: the tab only
draws these, and the command line's ``eigen`` experiment writes the same numbers."""

from dataclasses import dataclass

import numpy as np

from ..errors import DataError
from .basis import change_of_basis, correlation, covariance, eigenbasis, nearest_centroid_accuracy, \
    svd_reconstruction, wine_analysis
from .gallery import TRANSFORMS, covariance_image, transform, whitened_covariance_report

X_FEATURE, Y_FEATURE, Z_FEATURE = "flavanoids", "od280/od315_of_diluted_wines", "alcalinity_of_ash"
SHORT = {X_FEATURE: "flavanoids", Y_FEATURE: "OD280/OD315", Z_FEATURE: "alcalinity of ash"}


def short_name(feature):
    return SHORT.get(feature, feature)


def most_correlated(X, names):
    """The pair of attributes with the largest |correlation| (constant ones left out), then the
    attribute most correlated with either: the three the views use for a user's table."""
    sd = X.std(axis=0)
    ok = np.flatnonzero(sd > 1e-12 * max(1.0, float(sd.max())))
    if ok.size < 2:
        raise DataError(f"needs 2 attributes that vary; {X.shape[1] - ok.size} of {X.shape[1]} are constant")
    R = np.abs(np.corrcoef(X[:, ok], rowvar=False))
    np.fill_diagonal(R, -1)
    i, j = np.unravel_index(np.argmax(R), R.shape)
    trio = [ok[i], ok[j]]
    if ok.size > 2:
        rest = [k for k in range(ok.size) if k not in (i, j)]
        trio.append(ok[max(rest, key=lambda k: max(R[k, i], R[k, j]))])
    return [names[k] for k in trio]


@dataclass(frozen=True)
class BasisView:
    """The data (standardised for the correlation basis) in two attributes, its eigenbasis and
    the data in that basis; our matrices beside NumPy's."""
    basis: str
    axis_labels: list          # the two plotted attributes (with units note)
    data: np.ndarray           # (n, 2) as plotted
    labels: np.ndarray         # (n,) class indices
    eigenvalues: np.ndarray    # descending
    eigenvectors: np.ndarray   # unit columns
    arrows: list               # [(x0, y0, x1, y1, text)]: eigenvectors of length 2 sqrt(lambda) from the mean
    projection: np.ndarray     # (n, d) coordinates in the eigenbasis
    matrix_labels: list        # short attribute names for the heatmaps
    covariance: np.ndarray
    np_cov: np.ndarray
    correlation: np.ndarray
    np_corrcoef: np.ndarray

    @property
    def cov_difference(self):
        return float(np.abs(self.covariance - self.np_cov).max())

    @property
    def corr_difference(self):
        return float(np.abs(self.correlation - self.np_corrcoef).max())


@dataclass(frozen=True)
class SVDView:
    """The data rebuilt from ``keep`` singular values, shown in every pair of attributes."""
    features: list             # short names
    pairs: list                # [(a, b)] attribute indices of each projection
    reconstruction: np.ndarray
    labels: np.ndarray
    singular_values: np.ndarray
    keep: int
    rms_error: float
    accuracy: float            # nearest-centroid accuracy of the rebuilt data
    accuracy_all: float        # ... with every singular value kept

    @property
    def dims(self):
        return len(self.features)

    @property
    def span(self):
        return {1: "a line", 2: "a plane"}.get(self.keep, "3-D space")


class EigenAnalysis:
    """Wine (default) or a CSV table: the three attributes the views use (flavanoids,
    OD280/OD315, alcalinity of ash for wine; the most correlated for a user's table)."""

    def __init__(self, X, y, names, class_names=None, source=""):
        self.X, self.y, self.names, self.source = X, y, list(names), source
        self.class_names = class_names or [f"cultivar {c}" for c in range(int(np.max(y)) + 1)]
        if len(self.X) < 3:
            raise DataError(f"{source}: needs at least 3 samples, has {len(self.X)}")
        if {X_FEATURE, Y_FEATURE, Z_FEATURE} <= set(self.names):
            self.trio = [X_FEATURE, Y_FEATURE, Z_FEATURE]
        else:
            self.trio = most_correlated(self.X, self.names)

    @classmethod
    def load(cls, path=None):
        """The CSV at ``path`` (DataError names it when unreadable), or the wine data."""
        if path:
            from ..data.table import load_table
            X, y, names, class_names = load_table(path)
            return cls(X, y, names, class_names, str(path))
        from ..data.builtin import wine
        X, y, names = wine()
        return cls(X, y, names, None, "built-in: scikit-learn wine (178 samples, 13 attributes, 3 cultivars)")

    def features(self, three_d=False):
        return self.trio[:3 if three_d and len(self.trio) > 2 else 2]

    def columns(self, features):
        return self.X[:, [self.names.index(f) for f in features]]

    def basis(self, basis="covariance", three_d=False):
        """The change-of-basis view; with three attributes the matrices are 3x3 and the scatter
        shows the first two."""
        feats = self.features(three_d)
        Z = self.columns(feats)
        std = basis == "correlation"
        M = covariance(Z) if not std else correlation(Z, feats)
        lam, U = eigenbasis(M)
        shown = (Z - Z.mean(0)) / Z.std(0, ddof=1) if std else Z
        mu = shown.mean(0)
        arrows = [(mu[0], mu[1], mu[0] + 2 * np.sqrt(lam[i]) * U[0, i], mu[1] + 2 * np.sqrt(lam[i]) * U[1, i],
                   f"e{i + 1} (λ = {lam[i]:.3g})") for i in range(2)]
        return BasisView(basis, [short_name(f) + (" (standardised)" if std else "") for f in feats], shown, self.y,
                         lam, U, arrows, change_of_basis(Z, U, standardise=std),
                         [short_name(f)[:11] for f in feats], covariance(Z), np.cov(Z, rowvar=False),
                         correlation(Z, feats), np.corrcoef(Z, rowvar=False))

    def svd(self, three_d=False, keep=None):
        feats = self.features(three_d)
        Z = self.columns(feats)
        keep = min(max(1, keep or len(feats)), len(feats))
        R, s = svd_reconstruction(Z, keep)
        pairs = [(0, 1), (0, 2), (1, 2)] if len(feats) == 3 else [(0, 1)]
        return SVDView([short_name(f) for f in feats], pairs, R, self.y, s, keep,
                       float(np.sqrt(np.mean((R - Z) ** 2))), nearest_centroid_accuracy(R, self.y),
                       nearest_centroid_accuracy(Z, self.y))

    def report(self):
        """The numbers behind the basis and SVD views for two and three attributes (eigen.json)."""
        out = {"data": self.source, "two_attributes": wine_analysis(self.X, self.y, self.names, self.trio[:2])}
        if len(self.trio) > 2:
            out["three_attributes"] = wine_analysis(self.X, self.y, self.names, self.trio)
        out["note"] = ("eigenvectors are columns of unit length, eigenvalues in descending order; covariance uses "
                       "ddof=1 like np.cov; reconstruction keys are the number of singular values kept")
        return out


@dataclass(frozen=True)
class GalleryColumn:
    name: str
    tiles: np.ndarray          # 24 images tiled, scaled to [0, 1] by the 1st-99th percentile
    hist_counts: np.ndarray
    hist_edges: np.ndarray
    covariance: np.ndarray     # subsampled for display
    cov_scale: float           # symmetric colour levels +-cov_scale


@dataclass(frozen=True)
class GalleryView:
    axis: str                  # "dimension" or "example"
    columns: list              # GalleryColumn per transform
    info: str                  # how close the ZCA-whitened covariance is to the identity


def whitening_gallery(X, axis="dimension", n_tiles=24, cols=6):
    """The whitening gallery for images X (n, side*side): every transform's tiles, histogram
    and covariance, and the identity check of the ZCA-whitened covariance."""
    from ..export.images import tile_grid

    X = np.asarray(X, np.float64)
    side = int(np.sqrt(X.shape[1]))
    columns, info = [], ""
    for name in TRANSFORMS:
        Y = transform(X, name, axis)
        lo, hi = np.percentile(Y, [1, 99])
        tiles = tile_grid(((Y[:n_tiles] - lo) / max(hi - lo, 1e-12)).reshape(-1, side, side), cols)
        counts, edges = np.histogram(Y, bins=60)
        C = covariance_image(Y, axis, max_size=98)
        columns.append(GalleryColumn(name, tiles, counts, edges, C, float(np.abs(C).max()) or 1.0))
        if name == "ZCA-whitened":
            r = whitened_covariance_report(Y, axis)
            info = (f"ZCA-whitened covariance: {r['rank']} of {r['dims']} eigenvalues are 1 within "
                    f"{r['max_abs_eigenvalue_minus_1_on_span']:.1e}; the rest are 0 (directions the images do "
                    f"not vary in: constant border pixels, or more pixels than images)"
                    if r["rank"] < r["dims"] else
                    f"ZCA-whitened covariance is the identity: eigenvalues within "
                    f"{r['max_abs_eigenvalue_minus_1_on_span']:.1e} of 1, off-diagonal ≤ {r['max_abs_offdiag']:.1e}")
    return GalleryView(axis, columns, info)
