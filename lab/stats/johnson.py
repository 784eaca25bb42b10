"""Johnson distributions fitted by quantiles (Slifker & Shapiro 1980, "The Johnson system:
selection and parameter estimation", Technometrics 22(2)).

A Johnson variable X is a transform of a standard normal Z: Z = γ + δ f((X − ξ) / λ) with
f = asinh (SU, unbounded), f(u) = ln(u / (1 − u)) (SB, bounded on [ξ, ξ + λ]) or f(u) = ln u
(SL, lognormal; λ = 1). Slifker and Shapiro take four quantiles of the data at the normal
points −3z, −z, z, 3z, form m = x(3z) − x(z), n = x(−z) − x(−3z), p = x(z) − x(−z), choose the
family by the ratio mn/p² (> 1: SU, < 1: SB, = 1: SL) and solve for the parameters in closed
form. Exact quantiles of a Johnson distribution give back its parameters exactly (tests check
this for each family).
"""

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from ..errors import DataError


@dataclass(frozen=True)
class JohnsonParams:
    family: str      # "SU", "SB", "SL" or "SN" (normal)
    gamma: float
    delta: float
    xi: float
    lam: float

    def to_z(self, x):
        """The standard normal value of x (the defining transform)."""
        u = (np.asarray(x, np.float64) - self.xi) / self.lam
        if self.family == "SU":
            return self.gamma + self.delta * np.arcsinh(u)
        if self.family == "SB":
            with np.errstate(divide="ignore", invalid="ignore"):
                return self.gamma + self.delta * np.log(u / (1 - u))
        if self.family == "SL":
            with np.errstate(divide="ignore", invalid="ignore"):
                return self.gamma + self.delta * np.log(u)
        return self.gamma + self.delta * u

    def from_z(self, z):
        """The inverse transform: x for standard normal values z."""
        w = (np.asarray(z, np.float64) - self.gamma) / self.delta
        if self.family == "SU":
            u = np.sinh(w)
        elif self.family == "SB":
            u = 1 / (1 + np.exp(-w))
        elif self.family == "SL":
            u = np.exp(w)
        else:
            u = w
        return self.xi + self.lam * u

    def ppf(self, q):
        return self.from_z(ndtri(q))

    def cdf(self, x):
        return ndtr(self.to_z(x))

    def pdf(self, x):
        """Density by the change of variables (0 outside the support)."""
        x = np.asarray(x, np.float64)
        u = (x - self.xi) / self.lam
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.family == "SU":
                dz = self.delta / np.sqrt(1 + u * u)
            elif self.family == "SB":
                dz = np.where((u > 0) & (u < 1), self.delta / (u * (1 - u)), 0.0)
            elif self.family == "SL":
                dz = np.where(u > 0, self.delta / u, 0.0)
            else:
                dz = np.full_like(u, self.delta)
            z = np.nan_to_num(self.to_z(x), nan=0.0, posinf=0.0, neginf=0.0)
        return np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi) * dz / self.lam

    def sample(self, rng, size):
        return self.from_z(rng.standard_normal(size))


def slifker_shapiro(x_m3z, x_mz, x_z, x_3z, z=0.5, tol=1e-9):
    """Johnson parameters from the quantiles at the normal points −3z, −z, z, 3z (closed form)."""
    m, n, p = x_3z - x_z, x_mz - x_m3z, x_z - x_mz
    if min(m, n, p) <= 0:
        raise DataError("the quantiles used for the Johnson fit are not increasing: the data are too discrete "
                        "or too few")
    r = m * n / (p * p)
    mid = 0.5 * (x_z + x_mz)
    if r > 1 + tol:  # SU
        mp, np_ = m / p, n / p
        delta = 2 * z / np.arccosh(0.5 * (mp + np_))
        gamma = delta * np.arcsinh((np_ - mp) / (2 * np.sqrt(mp * np_ - 1)))
        lam = 2 * p * np.sqrt(mp * np_ - 1) / ((mp + np_ - 2) * np.sqrt(mp + np_ + 2))
        xi = mid + p * (np_ - mp) / (2 * (mp + np_ - 2))
        return JohnsonParams("SU", float(gamma), float(delta), float(xi), float(lam))
    if r < 1 - tol:  # SB
        pm, pn = p / m, p / n
        delta = z / np.arccosh(0.5 * np.sqrt((1 + pm) * (1 + pn)))
        gamma = delta * np.arcsinh((pn - pm) * np.sqrt((1 + pm) * (1 + pn) - 4) / (2 * (pm * pn - 1)))
        lam = p * np.sqrt(((1 + pm) * (1 + pn) - 2) ** 2 - 4) / (pm * pn - 1)
        xi = mid - 0.5 * lam + p * (pn - pm) / (2 * (pm * pn - 1))
        return JohnsonParams("SB", float(gamma), float(delta), float(xi), float(lam))
    mp = m / p  # SL (lognormal), or the normal when the quantiles are symmetric
    if abs(mp - 1) <= tol:
        delta = 2 * z / p
        return JohnsonParams("SN", float(-delta * mid), float(delta), 0.0, 1.0)
    delta = 2 * z / np.log(mp)
    gamma = delta * np.log((mp - 1) / (p * np.sqrt(mp)))
    xi = mid - 0.5 * p * (mp + 1) / (mp - 1)
    return JohnsonParams("SL", float(gamma), float(delta), float(xi), 1.0)


def fit_johnson_quantiles(x, z=0.5):
    """Fit by the sample quantiles (linear interpolation, R's default) at −3z, −z, z, 3z."""
    x = np.asarray(x, np.float64)
    probs = ndtr(np.array([-3 * z, -z, z, 3 * z]))
    return slifker_shapiro(*np.quantile(x, probs), z=z)
