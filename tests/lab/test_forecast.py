"""The forecast experiment: Johnson fits by quantiles against their closed form, the month
models, CSV errors, the article's numbers on its own series, checkpoints and the CLI contract."""

import json

import numpy as np
import pytest
from scipy import integrate

from lab.cli import main
from lab.data.series import builtin_monthly_series, load_monthly_csv
from lab.errors import DataError
from lab.experiments import load_checkpoint, save_checkpoint
from lab.experiments.forecast import ForecastExperiment
from lab.stats.johnson import JohnsonParams, fit_johnson_quantiles, slifker_shapiro
from lab.stats.month_models import MODEL_NAMES, Seasonal

FAMILIES = [JohnsonParams("SU", 0.7, 1.3, 10.0, 2.5), JohnsonParams("SB", -0.4, 0.9, 5.0, 12.0),
            JohnsonParams("SL", 0.3, 1.7, 3.0, 1.0), JohnsonParams("SN", -2.0, 0.5, 0.0, 1.0)]


@pytest.mark.parametrize("p", FAMILIES, ids=lambda p: p.family)
@pytest.mark.parametrize("z", [0.5, 0.524, 0.7])
def test_slifker_shapiro_recovers_exact_parameters(p, z):
    """Exact quantiles of a Johnson curve at -3z, -z, z, 3z give back its family and parameters:
    the closed-form solution, family chosen by mn/p^2."""
    got = slifker_shapiro(*p.from_z(np.array([-3 * z, -z, z, 3 * z])), z=z)
    assert got.family == p.family
    np.testing.assert_allclose([got.gamma, got.delta, got.xi, got.lam], [p.gamma, p.delta, p.xi, p.lam], rtol=1e-9,
                               atol=1e-9)


def test_su_formulas_by_hand():
    """The SU branch written out once more from the paper, on numbers: m, n, p from four quantiles."""
    q = np.array([1.0, 3.0, 4.5, 9.0])  # x(-3z), x(-z), x(z), x(3z)
    z = 0.5
    m, n, p = q[3] - q[2], q[1] - q[0], q[2] - q[1]
    assert m * n / p ** 2 > 1
    delta = 2 * z / np.arccosh(0.5 * (m / p + n / p))
    gamma = delta * np.arcsinh((n / p - m / p) / (2 * np.sqrt(m * n / p ** 2 - 1)))
    lam = 2 * p * np.sqrt(m * n / p ** 2 - 1) / ((m / p + n / p - 2) * np.sqrt(m / p + n / p + 2))
    xi = (q[2] + q[1]) / 2 + p * (n / p - m / p) / (2 * (m / p + n / p - 2))
    got = slifker_shapiro(*q, z=z)
    np.testing.assert_allclose([got.gamma, got.delta, got.xi, got.lam], [gamma, delta, xi, lam], rtol=1e-12)


@pytest.mark.parametrize("p", FAMILIES[:3], ids=lambda p: p.family)
def test_johnson_density_cdf_and_quantiles_agree(p):
    lo, hi = p.ppf(1e-9), p.ppf(1 - 1e-9)
    area, _ = integrate.quad(p.pdf, lo, hi, limit=200)
    assert area == pytest.approx(1.0, abs=1e-6)
    q = np.array([0.05, 0.3, 0.5, 0.9])
    np.testing.assert_allclose(p.cdf(p.ppf(q)), q, atol=1e-12)


def test_fit_from_a_large_sample_is_close():
    rng = np.random.default_rng(0)
    p = FAMILIES[0]
    got = fit_johnson_quantiles(p.sample(rng, 400_000))
    assert got.family == "SU"
    for q in (0.1, 0.5, 0.9):
        assert got.ppf(q) == pytest.approx(p.ppf(q), rel=0.01)


def test_seasonal_model_finds_the_months():
    s = builtin_monthly_series()
    years = 2000 + np.arange(len(s.values)) // 12
    months = np.arange(len(s.values)) % 12 + 1
    m = Seasonal().fit(s.values, months, years)
    assert m.mean(2016, 12) - m.mean(2016, 2) > 3  # the built-in series' December peak and February dip
    assert 0.7 < m.sigma < 1.3                      # the generating noise has sd 1


def write(tmp_path, text, name="s.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


@pytest.mark.parametrize("text,reason", [
    ("x\n" + "\n".join(["1.0"] * 10), "10 months"),
    ("x\n" + "\n".join(["1.0"] * 20 + ["", "2"] * 0 + ["oops"] + ["1"] * 10), "line 22: 'oops'"),
    ("date,x\n" + "\n".join(f"2000-{m:02d},{m}" for m in range(1, 13)) + "\n2001-02,1\n"
     + "\n".join(f"2001-{m:02d},{m}" for m in range(3, 13)) + "\n" + "\n".join(f"2002-{m:02d},1" for m in range(1, 13)),
     "does not follow"),
    ("a,b\n" + "\n".join("x,y" for _ in range(30)), "no numeric column"),
])
def test_bad_csvs_are_named(tmp_path, text, reason):
    p = write(tmp_path, text)
    with pytest.raises(DataError) as e:
        load_monthly_csv(p)
    assert str(p) in str(e.value) and reason in str(e.value)


def test_missing_value_is_named(tmp_path):
    p = write(tmp_path, "date,units\n" + "\n".join(f"{2000 + i // 12}-{i % 12 + 1:02d},{'' if i == 7 else i}"
                                                   for i in range(36)))
    with pytest.raises(DataError, match="line 9: missing value in column 'units'"):
        load_monthly_csv(p)


def test_dates_set_the_first_month(tmp_path):
    p = write(tmp_path, "month,units,other\n" + "\n".join(f"{2010 + i // 12}-{i % 12 + 1:02d},{i},x" for i in range(40)))
    s = load_monthly_csv(p)
    assert s.start == (2010, 1) and s.name == "units" and s.month_of(39) == (2013, 4)
    e = ForecastExperiment(ForecastExperiment.preset_config(data=str(p), last_month="2012-09", target=100))
    assert e.ytd == pytest.approx(sum(range(24, 33)))


def test_horizon_past_december_is_refused():
    with pytest.raises(DataError, match="pass December"):
        ForecastExperiment(ForecastExperiment.preset_config(horizon=4))


def test_steps_stream_samples_and_intervals_narrow():
    e = ForecastExperiment(ForecastExperiment.preset_config("quick"))
    first = e.step()
    for _ in range(e.total_steps - 1):
        last = e.step()
    assert last.metrics["samples"] == 2000 and first.metrics["samples"] == 200
    for n in MODEL_NAMES:
        w0 = first.metrics[f"ci_high/{n}"] - first.metrics[f"ci_low/{n}"]
        w1 = last.metrics[f"ci_high/{n}"] - last.metrics[f"ci_low/{n}"]
        assert w1 <= w0 + 1e-12
        assert last.metrics[f"ci_low/{n}"] <= last.metrics[f"p/{n}"] <= last.metrics[f"ci_high/{n}"]
    assert "pdf/johnson" in first.arrays and "fan/seasonal" in last.arrays
    assert [r["model"] for r in last.tables["probabilities"]] == list(MODEL_NAMES)


def test_checkpoint_continues_exactly(tmp_path):
    a = ForecastExperiment(ForecastExperiment.preset_config("quick"))
    a.step()
    save_checkpoint(a, tmp_path / "f.npz")
    a.step()
    b = load_checkpoint(tmp_path / "f.npz")
    b.step()
    for n in MODEL_NAMES:
        np.testing.assert_array_equal(a.draws[n], b.draws[n])


def test_article_numbers_on_its_series(shared_data, tmp_path, capsys):
    csv = shared_data / "forecast" / "monthly-units.csv"
    assert main(["run", "forecast", "--data", str(csv), "--preset", "seed-2015", "--set", "samples=100000",
                 "--set", "batch=10000", "--out", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(out["p_target"]) == set(MODEL_NAMES) and set(out["ci95"]) == set(MODEL_NAMES)
    assert out["year_to_date"] == pytest.approx(141.7054, abs=1e-3) and out["history_months"] == 189
    assert abs(out["p_target"]["truncated-normal"] - 0.2675) < 0.01   # article: 26.75 %
    assert abs(out["p_target"]["johnson"] - 0.332) < 0.015            # article: 33.2 % (Wheeler's quantiles)
    lo, hi = out["ci95"]["truncated-normal"]
    assert lo < out["p_target"]["truncated-normal"] < hi and hi - lo < 0.01
    assert {"forecast-totals.csv", "forecast-summary.png", "forecast-summary.svg"} <= set(out["files"])
    rows = (tmp_path / "forecast-totals.csv").read_text().splitlines()
    assert len(rows) == 100_001 and rows[0] == "sample," + ",".join(MODEL_NAMES)
