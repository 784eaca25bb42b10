"""The whitening gallery: the same images centred, standardised, PCA- and ZCA-whitened, per
dimension (statistics over the examples, for each pixel) or per example (statistics over the
pixels, for each image; the seed article's "example-wise")."""

import numpy as np

TRANSFORMS = ["original", "centred", "standardised", "PCA-whitened", "ZCA-whitened", "standardised + ZCA"]


def _whiten(Xc, eps, zca):
    """Xc: centred (n, d); whitening over the d columns. Returns the whitened data."""
    n = Xc.shape[0]
    S = Xc.T @ Xc / n
    lam, U = np.linalg.eigh(S)
    lam, U = lam[::-1], U[:, ::-1]  # largest variance first: PCA coordinates read left to right
    scale = 1.0 / np.sqrt(np.maximum(lam, 0) + eps)
    Y = (Xc @ U) * scale
    return Y @ U.T if zca else Y


def transform(X, name, axis="dimension", eps=1e-5):
    """X: (n, d) images as rows. axis="dimension": statistics per pixel over the examples;
    axis="example": per image over its pixels (the transpose problem)."""
    X = np.asarray(X, np.float64)
    A = X if axis == "dimension" else X.T
    if name == "original":
        out = A
    elif name == "centred":
        out = A - A.mean(axis=0)
    elif name == "standardised":
        out = (A - A.mean(axis=0)) / (A.std(axis=0) + 1e-8)
    elif name in ("PCA-whitened", "ZCA-whitened"):
        out = _whiten(A - A.mean(axis=0), eps, zca=name.startswith("ZCA"))
    elif name == "standardised + ZCA":
        Z = (A - A.mean(axis=0)) / (A.std(axis=0) + 1e-8)
        out = _whiten(Z - Z.mean(axis=0), eps, zca=True)
    else:
        raise ValueError(f"unknown transform {name!r}; choose from {TRANSFORMS}")
    return out if axis == "dimension" else out.T


def whitened_covariance_report(Y, axis="dimension"):
    """How close cov(Y) is to the identity where the data vary: eigenvalues of the covariance
    of whitened data are lam / (lam + eps): ~1 in the directions the data span, ~0 in the
    others (e.g. the constant border pixels of MNIST, or dimensions beyond n - 1)."""
    A = Y if axis == "dimension" else Y.T
    Ac = A - A.mean(axis=0)
    C = Ac.T @ Ac / A.shape[0]
    ev = np.linalg.eigvalsh(C)
    rank = int(np.sum(ev > 0.5))
    spanned = ev[ev > 0.5]
    return {"dims": int(C.shape[0]), "rank": rank,
            "max_abs_eigenvalue_minus_1_on_span": float(np.abs(spanned - 1).max()) if rank else float("nan"),
            "max_abs_offdiag": float(np.abs(C - np.diag(np.diag(C))).max()) if rank == C.shape[0] else None}


def covariance_image(Y, axis="dimension", max_size=196):
    """The covariance matrix of Y (per its axis), subsampled to at most max_size x max_size for display."""
    A = Y if axis == "dimension" else Y.T
    Ac = A - A.mean(axis=0)
    C = Ac.T @ Ac / A.shape[0]
    step = max(1, int(np.ceil(C.shape[0] / max_size)))
    return C[::step, ::step]
