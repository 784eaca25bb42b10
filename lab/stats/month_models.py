"""Models of one month's value, fitted to a monthly history and sampled for the months ahead
(seed: "One simple way for CFOs to manage forecast uncertainties using Monte Carlo and R").

Every model has ``fit(values, calendar_months, years)``, ``sample(rng, n, future) -> (n, h)``
for the future (year, month) pairs, ``pdf(x)`` and ``cdf(x)`` of a month drawn from the history
(for the histogram overlay and the Q–Q plot) and ``describe()`` (its fitted parameters):

- ``normal``: maximum likelihood (mean, standard deviation with 1/n), as R's fitdist;
- ``truncated-normal``: that normal truncated to [min, max] of the history (the article's A);
- ``johnson``: a Johnson SU/SB/SL fitted by quantiles, Slifker–Shapiro (the article's B);
- ``bootstrap``: past months drawn at random (no shape assumed);
- ``seasonal``: each calendar month from its own history, with a linear trend over the years
  (or without: ``trend=False``), and the pooled residual spread — the article's blind spot.
"""

import numpy as np

from .johnson import fit_johnson_quantiles


def _stats():
    """scipy.stats, imported on first use: it takes seconds to import, and the app should open fast."""
    from scipy import stats
    return stats

MODEL_NAMES = ("normal", "truncated-normal", "johnson", "bootstrap", "seasonal")


class MonthModel:
    name = ""
    label = ""

    def fit(self, values, months, years):
        self.values = np.asarray(values, np.float64)
        return self

    def sample(self, rng, n, future):
        raise NotImplementedError

    def pdf(self, x):
        raise NotImplementedError

    def cdf(self, x):
        raise NotImplementedError

    def ppf(self, q):
        """Quantiles by inverting the cdf on a fine grid (models with a closed form override)."""
        v = self.values
        span = v.max() - v.min()
        grid = np.linspace(v.min() - span, v.max() + span, 4001)
        c = np.maximum.accumulate(self.cdf(grid))
        return np.interp(q, c, grid)

    def describe(self):
        return ""


class Normal(MonthModel):
    name, label = "normal", "normal (maximum likelihood)"

    def fit(self, values, months, years):
        super().fit(values, months, years)
        self.mu, self.sigma = float(self.values.mean()), float(self.values.std())
        return self

    def sample(self, rng, n, future):
        return rng.normal(self.mu, self.sigma, (n, len(future)))

    def pdf(self, x):
        return _stats().norm.pdf(x, self.mu, self.sigma)

    def cdf(self, x):
        return _stats().norm.cdf(x, self.mu, self.sigma)

    def ppf(self, q):
        return _stats().norm.ppf(q, self.mu, self.sigma)

    def describe(self):
        return f"mean {self.mu:.4g}, sd {self.sigma:.4g}"


class TruncatedNormal(Normal):
    name, label = "truncated-normal", "normal truncated to the history's range (article's A)"

    def fit(self, values, months, years):
        super().fit(values, months, years)
        self.lo, self.hi = float(self.values.min()), float(self.values.max())
        a, b = (self.lo - self.mu) / self.sigma, (self.hi - self.mu) / self.sigma
        self.dist = _stats().truncnorm(a, b, loc=self.mu, scale=self.sigma)
        return self

    def sample(self, rng, n, future):
        return self.dist.rvs(size=(n, len(future)), random_state=rng)

    def pdf(self, x):
        return self.dist.pdf(x)

    def cdf(self, x):
        return self.dist.cdf(x)

    def ppf(self, q):
        return self.dist.ppf(q)

    def describe(self):
        return f"{super().describe()}, range [{self.lo:.4g}, {self.hi:.4g}]"


class Johnson(MonthModel):
    name, label = "johnson", "Johnson by quantiles, Slifker–Shapiro (article's B)"

    def __init__(self, z=0.5):
        self.z = z

    def fit(self, values, months, years):
        super().fit(values, months, years)
        self.params = fit_johnson_quantiles(self.values, self.z)
        return self

    def sample(self, rng, n, future):
        return self.params.sample(rng, (n, len(future)))

    def pdf(self, x):
        return self.params.pdf(x)

    def cdf(self, x):
        return self.params.cdf(x)

    def ppf(self, q):
        return self.params.ppf(q)

    def describe(self):
        p = self.params
        return f"{p.family}: γ {p.gamma:.4g}, δ {p.delta:.4g}, ξ {p.xi:.4g}, λ {p.lam:.4g}"


class Bootstrap(MonthModel):
    name, label = "bootstrap", "bootstrap of past months"

    def fit(self, values, months, years):
        super().fit(values, months, years)
        self.kde = _stats().gaussian_kde(self.values)
        return self

    def sample(self, rng, n, future):
        return rng.choice(self.values, size=(n, len(future)), replace=True)

    def pdf(self, x):
        return self.kde(np.atleast_1d(x))  # a smoothed picture of what is resampled

    def cdf(self, x):
        v = np.sort(self.values)
        return np.searchsorted(v, x, side="right") / len(v)

    def ppf(self, q):
        return np.quantile(self.values, q)

    def describe(self):
        return f"{len(self.values)} past months resampled"


class Seasonal(MonthModel):
    name, label = "seasonal", "seasonal: each calendar month with its trend"

    def __init__(self, trend=True):
        self.trend = trend

    def fit(self, values, months, years):
        super().fit(values, months, years)
        months, years = np.asarray(months), np.asarray(years, np.float64)
        self.year0 = float(years.mean())
        self.coef = np.zeros((13, 2))  # per calendar month: level at year0, slope per year
        resid, dof = [], 0
        for m in range(1, 13):
            sel = months == m
            y, t = self.values[sel], years[sel] - self.year0
            if self.trend and sel.sum() >= 3:
                slope, level = np.polyfit(t, y, 1)
                k = 2
            else:
                slope, level, k = 0.0, float(y.mean()) if sel.any() else float(self.values.mean()), 1
            self.coef[m] = level, slope
            resid.append(y - (level + slope * t))
            dof += max(int(sel.sum()) - k, 0)
        r = np.concatenate(resid)
        self.sigma = float(np.sqrt(np.sum(r * r) / max(dof, 1)))
        self.fitted = np.array([self.mean(y_, m_) for y_, m_ in zip(years, months)])
        return self

    def mean(self, year, month):
        level, slope = self.coef[month]
        return level + slope * (year - self.year0)

    def sample(self, rng, n, future):
        mu = np.array([self.mean(y, m) for y, m in future])
        return mu + rng.normal(0, self.sigma, (n, len(future)))

    def pdf(self, x):  # a month drawn from the history: the mixture of the months' normals
        x = np.atleast_1d(x)[:, None]
        return _stats().norm.pdf(x, self.fitted[None], self.sigma).mean(axis=1)

    def cdf(self, x):
        x = np.atleast_1d(x)[:, None]
        return _stats().norm.cdf(x, self.fitted[None], self.sigma).mean(axis=1)

    def describe(self):
        slopes = self.coef[1:, 1]
        return (f"12 monthly levels {self.coef[1:, 0].min():.3g}…{self.coef[1:, 0].max():.3g}"
                + (f", trends {slopes.min():+.2g}…{slopes.max():+.2g} per year" if self.trend else "")
                + f", residual sd {self.sigma:.3g}")


def make_models(names=MODEL_NAMES, johnson_z=0.5, seasonal_trend=True):
    table = {"normal": Normal, "truncated-normal": TruncatedNormal, "johnson": lambda: Johnson(johnson_z),
             "bootstrap": Bootstrap, "seasonal": lambda: Seasonal(seasonal_trend)}
    return [table[n]() for n in names]
