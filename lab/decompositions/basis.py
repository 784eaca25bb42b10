"""Covariance, correlation, eigenbases, change of basis and SVD reconstruction, by hand
(seed: "Having fun with eigenvalues/vectors"). NumPy's ``np.cov``/``np.corrcoef`` are used
only to show that ours agree."""

import numpy as np

from ..errors import DataError


def covariance(X):
    """Sample covariance (ddof = 1, like np.cov with rowvar=False): X (n, d) -> (d, d)."""
    X = np.asarray(X, np.float64)
    if X.shape[0] < 2:
        raise DataError(f"covariance needs at least 2 samples, got {X.shape[0]}")
    Xc = X - X.mean(axis=0)
    return Xc.T @ Xc / (X.shape[0] - 1)


def correlation(X, names=None):
    """Pearson correlation matrix; a constant feature has no correlation: DataError names it."""
    C = covariance(X)
    sd = np.sqrt(np.diag(C))
    flat = np.flatnonzero(sd <= 1e-12 * max(1.0, float(sd.max(initial=0))))
    if flat.size:
        which = ", ".join(names[i] if names else f"feature {i}" for i in flat)
        raise DataError(f"correlation is undefined: {which} {'is' if flat.size == 1 else 'are'} constant "
                        f"(zero variance)")
    return C / np.outer(sd, sd)


def eigenbasis(S):
    """Eigenvalues (descending) and unit eigenvectors (columns) of a symmetric matrix, each
    vector's sign fixed so its largest component is positive (a deterministic basis)."""
    lam, U = np.linalg.eigh(S)
    order = np.argsort(lam)[::-1]
    lam, U = lam[order], U[:, order]
    signs = np.sign(U[np.abs(U).argmax(axis=0), np.arange(U.shape[1])])
    return lam, U * np.where(signs == 0, 1, signs)


def change_of_basis(X, U, standardise=False):
    """Coordinates of the centred (or standardised) data in the basis U: (n, d) -> (n, d)."""
    Xc = X - X.mean(axis=0)
    if standardise:
        Xc = Xc / X.std(axis=0, ddof=1)
    return Xc @ U


def svd_reconstruction(X, k):
    """Rank-k reconstruction of X (centred for the SVD, the mean added back).
    Returns (reconstruction (n, d), singular values)."""
    mu = X.mean(axis=0)
    U, s, Vt = np.linalg.svd(X - mu, full_matrices=False)
    return (U[:, :k] * s[:k]) @ Vt[:k] + mu, s


def nearest_centroid_accuracy(X, y):
    """Fraction of points whose nearest class centroid is their own class: whether the
    classes stay separable."""
    classes = np.unique(y)
    centroids = np.stack([X[y == c].mean(axis=0) for c in classes])
    d = ((X[:, None, :] - centroids[None]) ** 2).sum(-1)
    return float(np.mean(classes[d.argmin(1)] == y))


def wine_analysis(X, y, names, features):
    """Everything views 1-2 show for the chosen feature columns (JSON-able, arrays as lists)."""
    idx = [names.index(f) for f in features]
    Z = X[:, idx]
    out = {"features": features, "n_samples": int(len(Z))}
    for kind, M, ref in (("covariance", covariance(Z), np.cov(Z, rowvar=False)),
                         ("correlation", correlation(Z, features), np.corrcoef(Z, rowvar=False))):
        lam, U = eigenbasis(M)
        out[kind] = {"matrix": M.tolist(), "numpy": ref.tolist(), "max_abs_difference": float(np.abs(M - ref).max()),
                     "eigenvalues": lam.tolist(), "eigenvectors": U.tolist()}
    _, s = svd_reconstruction(Z, Z.shape[1])
    recon = {}
    for k in range(Z.shape[1], 0, -1):
        R, _ = svd_reconstruction(Z, k)
        recon[str(k)] = {"rms_error": float(np.sqrt(np.mean((R - Z) ** 2))),
                         "nearest_centroid_accuracy": nearest_centroid_accuracy(R, y)}
    out["singular_values"] = s.tolist()
    out["reconstruction"] = recon
    return out
