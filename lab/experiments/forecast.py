"""Forecast risk (seed: "One simple way for CFOs to manage forecast uncertainties using Monte
Carlo and R"): with the year's sales so far, how likely is the yearly target?

Each model of a month (``lab.stats.month_models``) is fitted to the history; every ``step()``
draws one batch of the remaining months from every model and adds up each simulated year
(year to date + the draws). P(target) is the share of simulated years at or above the target,
with a 95 % interval from the binomial standard error, so a user sees it settle as samples
accumulate; a Stop at any step leaves a valid answer with its interval.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..data.series import builtin_monthly_series, load_monthly_csv, parse_month
from ..errors import DataError
from ..stats.month_models import MODEL_NAMES, make_models
from .base import Experiment, Snapshot, config_field
from .registry import register

FAN_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
HIST_BINS = 80


@dataclass
class ForecastConfig:
    preset: str = config_field("default", "The preset", label="Preset")
    data: str = config_field("", "A CSV with one numeric column (or a date column and values); empty: a built-in "
                                 "generated series", label="Data", kind="path")
    column: str = config_field("", "The value column (empty: the first numeric one)", label="Column")
    start: str = config_field("2000-01", "Month of the first value (YYYY-MM), when the file has no dates",
                              label="First month")
    last_month: str = config_field("2015-09", "The last month of history (YYYY-MM); later values are ignored",
                                   label="Last month of history")
    target: float = config_field(170.0, "The year's target (same units as the series)", label="Target",
                                 min=0.0, max=1e15)
    horizon: int = config_field(3, "Months to draw after the history (to the year's end: 12 - last month)",
                                label="Months to draw", min=1, max=24)
    samples: int = config_field(10_000, "Simulated years per model", label="Samples", min=100, max=10_000_000)
    batch: int = config_field(500, "Simulated years per model in one step (the curves' resolution)",
                              label="Samples per step", min=10, max=1_000_000)
    johnson_z: float = config_field(0.5, "Slifker–Shapiro's z: quantiles at ±z and ±3z standard normal units",
                                    label="Johnson z", min=0.1, max=1.0)
    seasonal_trend: bool = config_field(True, "Seasonal model: a linear trend per calendar month (off: its mean)",
                                        label="Seasonal trend")
    seed: int = config_field(0, "Seeds the samples", label="Seed", min=0, max=2**31 - 1)


@register
class ForecastExperiment(Experiment):
    name = "forecast"
    title = "Forecast risk"
    Config = ForecastConfig
    presets = {"default": {}, "seed-2015": {"start": "2000-01", "last_month": "2015-09", "target": 186.0,
                                            "horizon": 3, "samples": 10_000},
               "quick": {"samples": 2000, "batch": 200}}
    preset_notes = {"default": "the built-in series (a strong December), history to September 2015, target 170",
                    "seed-2015": "the article's set-up: history Jan 2000 – Sep 2015, target 186.0, Oct–Dec drawn",
                    "quick": "2,000 samples per model"}

    def __init__(self, config=None, series=None):
        super().__init__(config)
        c = self.config
        self.series = series or (load_monthly_csv(c.data, c.column) if c.data else builtin_monthly_series())
        self.source = self.series.source
        start = self.series.start or parse_month(c.start)
        last = parse_month(c.last_month)
        n_hist = (last[0] - start[0]) * 12 + (last[1] - start[1]) + 1
        if n_hist < 24:
            raise DataError(f"{self.source}: history to {c.last_month} holds {max(n_hist, 0)} months from "
                            f"{start[0]}-{start[1]:02d}; the models need at least 24")
        if n_hist > len(self.series.values):
            raise DataError(f"{self.source}: {len(self.series.values)} values from {start[0]}-{start[1]:02d} end "
                            f"before the last month of history {c.last_month}")
        if last[1] + c.horizon > 12:
            raise DataError(f"{c.horizon} months after {c.last_month} pass December: the target is for the year of "
                            f"the last month of history, so draw at most {12 - last[1]} months")
        self.history = self.series.values[:n_hist]
        ym = [self.series.month_of(i, start) for i in range(n_hist)]
        self.years = np.array([y for y, _ in ym])
        self.months = np.array([m for _, m in ym])
        self.last = last
        self.ytd = float(self.history[self.years == last[0]].sum())
        self.future = [self._month_after(last, k) for k in range(1, c.horizon + 1)]
        self.models = make_models(MODEL_NAMES, c.johnson_z, c.seasonal_trend)
        for m in self.models:
            m.fit(self.history, self.months, self.years)
        self.rng = np.random.default_rng(c.seed)
        self._buf = {m.name: np.empty((c.samples, c.horizon)) for m in self.models}  # grown by doubling
        self._n = 0
        self._fits = None
        span = max(float(self.history.max() - self.history.min()), 1e-9)
        lo = self.ytd + c.horizon * (self.history.min() - 0.5 * span)
        hi = self.ytd + c.horizon * (self.history.max() + 0.5 * span)
        self.edges = np.linspace(min(lo, c.target - span), max(hi, c.target + span), HIST_BINS + 1)

    @staticmethod
    def _month_after(ym, k):
        y, m = ym
        t = m - 1 + k
        return y + t // 12, t % 12 + 1

    @property
    def total_steps(self):
        return int(np.ceil(self.config.samples / self.config.batch))

    @property
    def n_samples(self):
        return self._n

    @property
    def draws(self):
        """model name -> (samples so far, months drawn): views of the sample buffers."""
        return {k: b[:self._n] for k, b in self._buf.items()}

    # ------------------------------------------------------------------ the numbers
    def totals(self, name):
        return self.ytd + self.draws[name].sum(axis=1)

    def probability(self, name):
        """(P(total >= target), 95 % interval from the binomial standard error)."""
        t = self.totals(name)
        n = len(t)
        if not n:
            return float("nan"), (float("nan"), float("nan"))
        p = float(np.mean(t >= self.config.target))
        half = 1.96 * np.sqrt(p * (1 - p) / n)
        return p, (max(0.0, p - half), min(1.0, p + half))

    def fits(self):
        """What the fit views draw: the history's histogram, each model's density on a grid and
        its Q–Q points (model quantiles at the history's plotting positions). Computed once."""
        if self._fits is None:
            self._fits = self._compute_fits()
        return self._fits

    def _compute_fits(self):
        h = np.sort(self.history)
        span = h[-1] - h[0]
        grid = np.linspace(h[0] - 0.25 * span, h[-1] + 0.25 * span, 200)
        counts, edges = np.histogram(h, bins=24)
        q = (np.arange(1, len(h) + 1) - 0.5) / len(h)
        out = {"hist_counts": counts / (len(h) * np.diff(edges)), "hist_edges": edges, "grid": grid,
               "history_sorted": h, "history": self.history}
        for m in self.models:
            out[f"pdf/{m.name}"] = m.pdf(grid)
            out[f"qq/{m.name}"] = m.ppf(q)
        return out

    def actual_cumulative(self):
        """The actual cumulative sales of the last year, month by month (cheap: no samples involved)."""
        return np.cumsum(self.history[self.years == self.last[0]])

    def fan(self, name):
        """Cumulative sales through the year: (months 1..12, actual cumulative up to the last
        month, quantiles of the simulated cumulative sums after it: (len(FAN_QUANTILES), h))."""
        months = np.arange(1, 13)
        actual = self.actual_cumulative()
        cum = self.ytd + np.cumsum(self.draws[name], axis=1) if self.n_samples else np.zeros((1, 0))
        qs = np.quantile(cum, FAN_QUANTILES, axis=0) if self.n_samples else np.zeros((len(FAN_QUANTILES), 0))
        return months, actual, qs

    # ------------------------------------------------------------------ protocol
    def step(self):
        c = self.config
        n = min(c.batch, c.samples - self._n) if self._n < c.samples else c.batch
        for m in self.models:
            buf = self._buf[m.name]
            if self._n + n > len(buf):
                self._buf[m.name] = buf = np.concatenate([buf, np.empty_like(buf)])
            buf[self._n:self._n + n] = m.sample(self.rng, n, self.future)
        self._n += n
        self.steps_done += 1
        metrics = {"samples": float(self.n_samples)}
        rows = []
        for m in self.models:
            p, (lo, hi) = self.probability(m.name)
            metrics[f"p/{m.name}"], metrics[f"ci_low/{m.name}"], metrics[f"ci_high/{m.name}"] = p, lo, hi
            rows.append({"model": m.name, "p_target": p, "ci_low": lo, "ci_high": hi, "fit": m.describe()})
        arrays = {f"totals_hist/{m.name}": np.histogram(np.clip(self.totals(m.name), self.edges[0], self.edges[-1]),
                                                        self.edges)[0] for m in self.models}
        arrays["totals_edges"] = self.edges
        for m in self.models:
            _, _, qs = self.fan(m.name)
            arrays[f"fan/{m.name}"] = qs
        if self.steps_done == 1:
            arrays.update(self.fits())
            _, actual, _ = self.fan(self.models[0].name)
            arrays["fan_actual"] = actual
        return Snapshot(self.steps_done, metrics, arrays, tables={"probabilities": rows})

    def final_metrics(self):
        out = {"p_target": {}, "ci95": {}, "fits": {}}
        for m in self.models:
            p, ci = self.probability(m.name)
            out["p_target"][m.name], out["ci95"][m.name], out["fits"][m.name] = p, list(ci), m.describe()
        out.update(samples=self.n_samples, year_to_date=self.ytd, target=self.config.target,
                   history_months=len(self.history), months_drawn=[f"{y}-{m:02d}" for y, m in self.future])
        return out

    def export_files(self, folder):
        from ..export.summary import probability_summary
        from ..export.tables import write_csv
        folder = Path(folder)
        names = [m.name for m in self.models]
        totals = np.stack([self.totals(n) for n in names], axis=1) if self.n_samples else np.zeros((0, len(names)))
        write_csv(folder / "forecast-totals.csv", ["sample"] + names,
                  [[i, *map(float, row)] for i, row in enumerate(totals)])
        rows = [(n, *self.probability(n)) for n in names]
        title = (f"P(year ≥ {self.config.target:g}) from {self.n_samples:,} simulated years · year to date "
                 f"{self.ytd:.4g} · {', '.join(f'{y}-{m:02d}' for y, m in self.future)} drawn")
        written = [folder / "forecast-totals.csv"]
        written += probability_summary(folder / "forecast-summary", title,
                                       [(n, p, lo, hi) for n, p, (lo, hi) in rows])
        return written

    def state_dict(self):
        return {"steps_done": self.steps_done, "rng": self.rng.bit_generator.state,
                "draws": {k: v.copy() for k, v in self.draws.items()}}

    def load_state_dict(self, st):
        self.steps_done = int(st["steps_done"])
        self.rng.bit_generator.state = st["rng"]
        draws = {k: np.array(v, np.float64) for k, v in st["draws"].items()}
        self._n = len(next(iter(draws.values())))
        for k, d in draws.items():
            self._buf[k] = np.concatenate([d, np.empty((max(self.config.samples - self._n, 0), d.shape[1]))])
