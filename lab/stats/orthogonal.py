"""Least-squares polynomial approximation on [-1, 1] by orthogonal projection (numpy.polynomial).

The best polynomial of degree d in the unweighted L2 norm is the projection onto the Legendre
polynomials, c_k = (2k + 1)/2 * integral f P_k; with the weight 1/sqrt(1 - x^2) it is the projection
onto the Chebyshev polynomials, c_k = (2/pi) integral f T_k / sqrt(1 - x^2) (c_0 halved). Both
integrals are Gauss quadratures with many more nodes than d. ``l2_rmse`` is the unweighted
root-mean-square error over [-1, 1] by the same Gauss-Legendre rule: the Legendre projection is its
exact minimiser over all polynomials of degree <= d, so no network that is such a polynomial can
score below it.
"""

from functools import lru_cache

import numpy as np
from numpy.polynomial import Chebyshev, Legendre
from numpy.polynomial import legendre as L

QUADRATURE_NODES = 512


@lru_cache(maxsize=4)
def _nodes(n=QUADRATURE_NODES):
    x, w = L.leggauss(n)
    x.setflags(write=False)
    w.setflags(write=False)
    return x, w


def legendre_projection(f, degree, n=QUADRATURE_NODES):
    """f: vectorised callable on [-1, 1] -> ``Legendre`` series of the given degree."""
    x, w = _nodes(n)
    fx = f(x)
    V = L.legvander(x, degree)                                   # (n, d+1): P_k(x_i)
    coef = (V * (w * fx)[:, None]).sum(axis=0) * (2 * np.arange(degree + 1) + 1) / 2
    return Legendre(coef)


def chebyshev_projection(f, degree, n=QUADRATURE_NODES):
    """The weighted projection, with Gauss-Chebyshev nodes cos(pi (i + 1/2) / n)."""
    x = np.cos(np.pi * (np.arange(n) + 0.5) / n)
    T = np.polynomial.chebyshev.chebvander(x, degree)
    coef = 2.0 / n * (T * f(x)[:, None]).sum(axis=0)
    coef[0] /= 2
    return Chebyshev(coef)


def l2_rmse(f, g, n=QUADRATURE_NODES):
    """sqrt((1/2) integral_{-1}^{1} (f - g)^2 dx) for vectorised callables f and g."""
    x, w = _nodes(n)
    d = np.asarray(f(x), np.float64) - np.asarray(g(x), np.float64)
    return float(np.sqrt(0.5 * np.sum(w * d * d)))


def power_coefficients(series, degree=None):
    """Power-basis coefficients c_0..c_d of a numpy.polynomial series on [-1, 1]."""
    coef = series.convert(kind=np.polynomial.Polynomial, domain=[-1, 1], window=[-1, 1]).coef
    if degree is not None:
        coef = np.pad(coef, (0, max(0, degree + 1 - len(coef))))[: degree + 1]
    return coef
