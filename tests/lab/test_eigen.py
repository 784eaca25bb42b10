import json

import numpy as np
import pytest

from lab.cli import main
from lab.data.builtin import wine
from lab.data.table import load_table
from lab.decompositions.basis import (change_of_basis, correlation, covariance, eigenbasis, nearest_centroid_accuracy,
                       svd_reconstruction)
from lab.errors import DataError
from lab.decompositions.views import most_correlated
from lab.experiments.eigen import EigenExperiment
from lab.decompositions.gallery import TRANSFORMS, transform, whitened_covariance_report

X, Y, NAMES = wine()


def test_covariance_and_correlation_match_numpy():
    assert np.abs(covariance(X) - np.cov(X, rowvar=False)).max() < 1e-9 * np.abs(np.cov(X, rowvar=False)).max()
    assert np.abs(correlation(X) - np.corrcoef(X, rowvar=False)).max() < 1e-12


def test_eigenbasis_is_orthonormal_sorted_and_diagonalises():
    S = covariance(X[:, :4])
    lam, U = eigenbasis(S)
    assert np.all(np.diff(lam) <= 0)
    assert np.allclose(U.T @ U, np.eye(4))
    assert np.allclose(U.T @ S @ U, np.diag(lam), atol=1e-9)
    P = change_of_basis(X[:, :4], U)
    assert np.allclose(np.cov(P, rowvar=False), np.diag(lam), atol=1e-9)  # the projection decorrelates


def test_constant_feature_has_no_correlation():
    Z = X[:, :3].copy()
    Z[:, 1] = 5.0
    with pytest.raises(DataError, match="b is constant"):
        correlation(Z, ["a", "b", "c"])


def test_more_features_than_samples_is_singular_but_finite():
    Z = X[:3, :6]
    lam, U = eigenbasis(covariance(Z))
    assert np.all(np.isfinite(lam)) and np.sum(lam > 1e-9 * lam.max()) == 2  # rank n - 1


def test_svd_reconstruction_drops_dimensions():
    Z = X[:, [NAMES.index("flavanoids"), NAMES.index("od280/od315_of_diluted_wines"),
              NAMES.index("alcalinity_of_ash")]]
    full, s = svd_reconstruction(Z, 3)
    assert np.allclose(full, Z)
    plane, _ = svd_reconstruction(Z, 2)
    line, _ = svd_reconstruction(Z, 1)
    assert np.linalg.matrix_rank(plane - plane.mean(0), tol=1e-8) == 2
    assert np.linalg.matrix_rank(line - line.mean(0), tol=1e-8) == 1
    assert np.sqrt(np.mean((line - Z) ** 2)) > np.sqrt(np.mean((plane - Z) ** 2)) > 0


def test_nearest_centroid():
    assert nearest_centroid_accuracy(np.array([[0.0], [0.1], [5.0], [5.1]]), np.array([0, 0, 1, 1])) == 1.0


def test_experiment_snapshot_and_presets():
    e = EigenExperiment(EigenExperiment.preset_config("3d"))
    s = e.step()
    assert s.arrays["eigenvectors"].shape == (3, 3) and s.arrays["data"].shape == (178, 3)
    assert s.metrics["cov_max_abs_difference"] < 1e-12
    assert e.features[0] == "flavanoids"


def test_cli_eigen_json(tmp_path):
    assert main(["run", "eigen", "--out", str(tmp_path)]) == 0
    rep = json.loads((tmp_path / "eigen.json").read_text())
    for key in ("two_attributes", "three_attributes"):
        r = rep[key]
        n = len(r["features"])
        for kind in ("covariance", "correlation"):
            U = np.array(r[kind]["eigenvectors"])
            assert U.shape == (n, n) and np.allclose(np.linalg.norm(U, axis=0), 1)
            assert len(r[kind]["eigenvalues"]) == n
        assert len(r["singular_values"]) == n and set(r["reconstruction"]) == {str(k) for k in range(1, n + 1)}
        assert r["reconstruction"][str(n)]["rms_error"] < 1e-12
    for png in ("scatter-covariance.png", "projection-correlation.png", "svd-3d-keep1.png"):
        assert (tmp_path / png).stat().st_size > 1000


def test_user_csv(tmp_path):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(40)
    rows = ["alpha,beta,gamma,kind"] + [f"{x:.4f},{2 * x + 0.1 * rng.standard_normal():.4f},"
                                        f"{rng.standard_normal():.4f},{'AB'[i % 2]}" for i, x in enumerate(a)]
    p = tmp_path / "t.csv"
    p.write_text("\n".join(rows))
    Xt, yt, names, classes = load_table(p)
    assert names == ["alpha", "beta", "gamma"] and classes == ["A", "B"] and Xt.shape == (40, 3)
    e = EigenExperiment(EigenExperiment.preset_config(data=str(p)))
    assert set(e.features) == {"alpha", "beta"}
    assert most_correlated(Xt, names)[2] == "gamma"


@pytest.mark.parametrize("content,reason", [
    (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not a text"),
    (b"a,b\n1,2\n", "at least 2 data rows"),
    (b"a,kind\n1,x\n3,y\n5,z\n", "at least 2 numeric feature columns"),
    (b"a,b,c\n1,2,3\n3,oops,1\n5,6,2\n", "column 'b' is not numeric (line 3: 'oops')"),
    (b"a,b,c\n1,2,3\n3,4\n", "line 3 has 2 fields"),
])
def test_bad_csv_is_named(tmp_path, content, reason):
    p = tmp_path / "bad.csv"
    p.write_bytes(content)
    with pytest.raises(DataError) as e:
        load_table(p)
    assert str(p) in str(e.value) and reason in str(e.value)


def test_constant_columns_in_a_csv(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("a,b,c,label\n1,5,0,x\n2,5,0,y\n3,5,0,x\n")
    with pytest.raises(DataError, match="2 of 3 are constant"):
        EigenExperiment(EigenExperiment.preset_config(data=str(p)))


@pytest.mark.parametrize("axis,shape", [("dimension", (100, 64)), ("example", (64, 100))])
def test_transform_gallery(axis, shape):
    """Full rank either way: 100 examples of 64 pixels per dimension; 64 examples of 100
    pixels per example (each image is then a 'dimension' with 100 samples)."""
    rng = np.random.default_rng(0)
    imgs = rng.random(shape) @ rng.random((shape[1], shape[1]))
    for name in TRANSFORMS:
        Yt = transform(imgs, name, axis)
        assert Yt.shape == imgs.shape and np.all(np.isfinite(Yt))
    rep = whitened_covariance_report(transform(imgs, "ZCA-whitened", axis, eps=1e-9), axis)
    assert rep["rank"] == 64 and rep["max_abs_eigenvalue_minus_1_on_span"] < 1e-4
    assert rep["max_abs_offdiag"] < 1e-4


def test_whitening_more_dims_than_examples_is_identity_on_the_span():
    rng = np.random.default_rng(1)
    imgs = rng.random((20, 50))
    rep = whitened_covariance_report(transform(imgs, "ZCA-whitened", "dimension"), "dimension")
    assert rep["rank"] == 19 and rep["max_abs_eigenvalue_minus_1_on_span"] < 1e-2
