"""Centring and ZCA-whitening layers (seed: "Back-propagating through ZCA whitening";
Huang et al., CVPR 2018, "Decorrelated Batch Normalization").

Centring: y = x - mean(x), so dy/dx = I - 1/m (the seed's "1 - 1/m").

ZCA whitening of a batch x (N, D):
    xc = x - mu;  S = xc^T xc / N + eps I = U diag(lam) U^T;  W = U diag(lam^-1/2) U^T;  y = xc W.
The decomposition is ``eigh`` ("eig") or ``svd`` (S is symmetric positive definite, so its SVD is its
eigendecomposition; SVD is the more robust routine, not always the faster one).

Backward through W = f(S), f(l) = l^-1/2, uses the Daleckii-Krein formula
    dS = U (K o (U^T dW U)) U^T,   K_ij = (f(l_i) - f(l_j)) / (l_i - l_j),  K_ii = f'(l_i),
whose divided differences stay finite when eigenvalues repeat (the 1/(l_i - l_j) of the
eigenvector-derivative form does not, and eps cannot help there: it shifts every eigenvalue
alike). eps bounds lam^-1/2 by eps^-1/2 for tiny eigenvalues.

S depends on xc through xc^T xc, so dxc = xc (dS + dS^T) / N: the symmetrised covariance
gradient. ``symmetrize=False`` uses 2 xc dS / N instead, as if S were an unconstrained matrix
(how the seed and the paper write it): it is wrong whenever dS is not symmetric, which the
tests show, and which is why it is an option to explore, not the default.
"""

import numpy as np


def centre_forward(x):
    """x: (N, D) -> y: (N, D) with zero column means, cache"""
    return x - x.mean(axis=0), None


def centre_backward(dy, cache):
    return dy - dy.mean(axis=0)  # (I - 1/m) applied to each column


def _decompose(S, method):
    """Eigenvalues and eigenvectors of a stack of symmetric matrices S (..., G, G)."""
    if method == "eig":
        lam, U = np.linalg.eigh(S)
    elif method == "svd":
        U, lam, _ = np.linalg.svd(S, hermitian=True)
    else:
        raise ValueError(f"unknown decomposition {method!r}; use 'eig' or 'svd'")
    return lam, U


def _T(A):
    return np.swapaxes(A, -1, -2)


def whitening_matrix(S, method="eig"):
    """W = S^-1/2 (symmetric) for a matrix or a stack of them: returns W, lam, U."""
    lam, U = _decompose(S, method)
    lam = np.maximum(lam, np.finfo(S.dtype).tiny)
    W = (U * lam[..., None, :] ** -0.5) @ _T(U)
    return W, lam, U


def _divided_differences(lam):
    """K_ij = (l_i^-1/2 - l_j^-1/2) / (l_i - l_j); -1/2 l^-3/2 on (near-)ties. lam: (..., G)."""
    f = lam ** -0.5
    li, lj = lam[..., :, None], lam[..., None, :]
    diff = li - lj
    close = np.abs(diff) <= 1e-9 * np.maximum(np.abs(li), np.abs(lj))
    mid = 0.5 * (li + lj)
    return np.where(close, -0.5 * mid ** -1.5, (f[..., :, None] - f[..., None, :]) / np.where(close, 1, diff))


def _groups(x, group_size):
    n, d = x.shape
    g = group_size or d
    if d % g:
        raise ValueError(f"whitening groups of {g} do not divide {d} features")
    return x.reshape(n, d // g, g)


def zca_forward(x, eps=1e-5, method="eig", mu=None, W=None, group_size=None):
    """Whiten x (N, D) with its own batch statistics, in groups of ``group_size`` features
    (Huang et al.'s group whitening; None: all D at once). With ``mu`` and ``W`` (running
    statistics at test time) apply them instead and cache nothing for backward.

    Returns y (N, D), cache, and the batch (mu (D,), S (groups, G, G)) for running averages.
    """
    n, d = x.shape
    if W is not None:
        xg = _groups(x - mu, W.shape[-1])
        return np.einsum("ngi,gij->ngj", xg, W).reshape(n, d), None, None
    mu = x.mean(axis=0)
    xc = _groups(x - mu, group_size)                  # (N, groups, G)
    G = xc.shape[-1]
    S = np.einsum("ngi,ngj->gij", xc, xc) / n
    S += eps * np.eye(G, dtype=x.dtype)
    W, lam, U = whitening_matrix(S, method)
    y = np.einsum("ngi,gij->ngj", xc, W)
    return y.reshape(n, d), (xc, W, lam, U), (mu, S)


def zca_backward(dy, cache, symmetrize=True):
    """dy: (N, D) -> dx: (N, D)."""
    xc, W, lam, U = cache
    n = xc.shape[0]
    dyg = dy.reshape(xc.shape)
    dxc = np.einsum("ngj,gij->ngi", dyg, W)            # backprop into xc through y = xc W
    dW = np.einsum("ngi,ngj->gij", xc, dyg)            # backprop into W
    dS = U @ (_divided_differences(lam) * (_T(U) @ dW @ U)) @ _T(U)  # into S through W = S^-1/2
    if symmetrize:
        dxc += np.einsum("ngi,gij->ngj", xc, dS + _T(dS)) / n  # S = xc^T xc / n uses xc twice
    else:
        dxc += 2 * np.einsum("ngi,gij->ngj", xc, dS) / n
    dxc = dxc.reshape(dy.shape)
    return dxc - dxc.mean(axis=0)                      # backprop through the centring


class ZCAWhitening:
    """The layer with running statistics (momentum) for evaluation, like batch norm."""

    def __init__(self, dim, eps=1e-5, method="eig", momentum=0.9, symmetrize=True, group_size=None,
                 dtype=np.float64):
        self.eps, self.method, self.momentum, self.symmetrize = eps, method, momentum, symmetrize
        self.group_size = group_size if group_size and group_size < dim else None
        G = self.group_size or dim
        if dim % G:
            raise ValueError(f"whitening groups of {G} do not divide the layer's {dim} features")
        self.running_mean = np.zeros(dim, dtype)
        self.running_cov = np.broadcast_to(np.eye(G, dtype=dtype), (dim // G, G, G)).copy()
        self._W_eval = None

    def forward(self, x, train=True):
        if not train:
            if self._W_eval is None:
                self._W_eval, _, _ = whitening_matrix(self.running_cov, self.method)
            return zca_forward(x, mu=self.running_mean, W=self._W_eval)[0], None
        y, cache, (mu, S) = zca_forward(x, self.eps, self.method, group_size=self.group_size)
        m = self.momentum
        self.running_mean = m * self.running_mean + (1 - m) * mu
        self.running_cov = m * self.running_cov + (1 - m) * S
        self._W_eval = None
        return y, cache

    def backward(self, dy, cache):
        return zca_backward(dy, cache, self.symmetrize)

    def state_dict(self):
        return {"running_mean": self.running_mean, "running_cov": self.running_cov}

    def load_state_dict(self, d):
        self.running_mean, self.running_cov = np.array(d["running_mean"]), np.array(d["running_cov"])
        self._W_eval = None
