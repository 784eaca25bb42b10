"""Eigenvectors, change of basis and SVD on the wine data (SPEC §3.1; seed: "Having fun with
eigenvalues/vectors"). Nothing trains here: the one ``step()`` computes every number the views
show, so the command line, the tab and the tests share it."""

from dataclasses import dataclass

import numpy as np

from ..data.builtin import wine
from ..data.table import load_table
from ..errors import DataError
from ..eigen import change_of_basis, correlation, covariance, eigenbasis, svd_reconstruction, wine_analysis
from .base import Experiment, Snapshot, config_field, register

X_FEATURE, Y_FEATURE, Z_FEATURE = "flavanoids", "od280/od315_of_diluted_wines", "alcalinity_of_ash"
SHORT = {X_FEATURE: "flavanoids", Y_FEATURE: "OD280/OD315", Z_FEATURE: "alcalinity of ash"}


@dataclass
class EigenConfig:
    preset: str = config_field("default", "The preset", label="Preset")
    data: str = config_field("", "A CSV file (header row, numeric columns, a class column); empty: the wine data",
                             label="Data", kind="path")
    basis: str = config_field("covariance", "Eigenbasis of the covariance or of the correlation matrix",
                              label="Basis", choices=["covariance", "correlation"])
    three_d: bool = config_field(False, "Add alcalinity of ash as a third attribute", label="Third attribute")
    keep: int = config_field(2, "Singular values kept in the reconstruction", label="Keep", min=1, max=3)


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


@register
class EigenExperiment(Experiment):
    name = "eigen"
    title = "Eigenvectors & SVD"
    Config = EigenConfig
    presets = {"default": {}, "correlation": {"basis": "correlation"}, "3d": {"three_d": True, "keep": 3}}
    preset_notes = {"default": "two attributes, covariance eigenbasis", "correlation": "the correlation eigenbasis",
                    "3d": "three attributes: drop singular values 3 -> 2 -> 1"}

    def __init__(self, config=None, data=None):
        super().__init__(config)
        if data is not None:
            self.X, self.y, self.names = data
            self.source = "given"
        elif self.config.data:
            self.X, self.y, self.names, self.class_names = load_table(self.config.data)
            self.source = self.config.data
        else:
            self.X, self.y, self.names = wine()
            self.source = "built-in: scikit-learn wine (178 samples, 13 attributes, 3 cultivars)"
        if {X_FEATURE, Y_FEATURE, Z_FEATURE} <= set(self.names):
            self.trio = [X_FEATURE, Y_FEATURE, Z_FEATURE]
        else:
            self.trio = most_correlated(self.X, self.names)
        if len(self.X) < 3:
            raise DataError(f"{self.source}: needs at least 3 samples, has {len(self.X)}")

    @property
    def total_steps(self):
        return 1

    @property
    def features(self):
        return self.trio[:3 if self.config.three_d else 2]

    def columns(self, features=None):
        return self.X[:, [self.names.index(f) for f in (features or self.features)]]

    def view(self):
        """Arrays for the views with the current config: data, its basis, projection, reconstruction."""
        c = self.config
        Z = self.columns()
        M = covariance(Z) if c.basis == "covariance" else correlation(Z, self.features)
        lam, U = eigenbasis(M)
        proj = change_of_basis(Z, U, standardise=c.basis == "correlation")
        keep = min(max(1, c.keep), Z.shape[1])
        recon, s = svd_reconstruction(Z, keep)
        return {"data": Z, "labels": self.y, "eigenvalues": lam, "eigenvectors": U, "projection": proj,
                "reconstruction": recon, "singular_values": s, "covariance": covariance(Z),
                "np_cov": np.cov(Z, rowvar=False), "correlation": correlation(Z, self.features),
                "np_corrcoef": np.corrcoef(Z, rowvar=False)}

    def report(self):
        """The numbers behind views 1-2 for two and three attributes (eigen.json)."""
        out = {"data": self.source, "two_attributes": wine_analysis(self.X, self.y, self.names, self.trio[:2])}
        if len(self.trio) > 2:
            out["three_attributes"] = wine_analysis(self.X, self.y, self.names, self.trio)
        out["note"] = ("eigenvectors are columns of unit length, eigenvalues in descending order; covariance uses "
                       "ddof=1 like np.cov; reconstruction keys are the number of singular values kept")
        return out

    def step(self):
        v = self.view()
        self.steps_done += 1
        metrics = {"cov_max_abs_difference": float(np.abs(v["covariance"] - v["np_cov"]).max()),
                   "corr_max_abs_difference": float(np.abs(v["correlation"] - v["np_corrcoef"]).max())}
        return Snapshot(self.steps_done, metrics, v)

    def final_metrics(self):
        r = self.report()
        return {k: {"singular_values": r[k]["singular_values"], "reconstruction": r[k]["reconstruction"],
                    "cov_max_abs_difference": r[k]["covariance"]["max_abs_difference"]}
                for k in ("two_attributes", "three_attributes") if k in r}

    def export_files(self, folder):
        """eigen.json and PNGs of the views (drawn without Qt, for the command line)."""
        from pathlib import Path

        from ..export import write_json
        from ..figure import heatmap_png, scatter_png

        folder = Path(folder)
        write_json(folder / "eigen.json", self.report())
        written = [folder / "eigen.json"]
        short = [SHORT.get(f, f) for f in self.trio]
        two = self.columns(self.trio[:2])
        for basis in ("covariance", "correlation"):
            std = basis == "correlation"
            Z = (two - two.mean(0)) / two.std(0, ddof=1) if std else two
            M = correlation(two, self.trio[:2]) if std else covariance(two)
            lam, U = eigenbasis(M)
            mu = Z.mean(0)
            scale = 2 * np.sqrt(np.maximum(lam, 0))
            arrows = [(mu[0], mu[1], mu[0] + U[0, i] * scale[i], mu[1] + U[1, i] * scale[i],
                       (0, 0, 0) if i == 0 else (120, 120, 120), f"e{i + 1} (eigenvalue {lam[i]:.3g})")
                      for i in range(2)]
            unit = " (standardised)" if std else ""
            scatter_png(folder / f"scatter-{basis}.png", Z[:, 0], Z[:, 1], self.y,
                        f"Eigenvectors of the {basis} matrix (arrows: 2 sqrt(eigenvalue))",
                        short[0] + unit, short[1] + unit, arrows=arrows, equal=True)
            P = change_of_basis(two, U, standardise=std)
            scatter_png(folder / f"projection-{basis}.png", P[:, 0], P[:, 1], self.y,
                        f"The data in the {basis} eigenbasis", "coordinate on e1", "coordinate on e2", equal=True)
            ref = np.corrcoef(two, rowvar=False) if std else np.cov(two, rowvar=False)
            heatmap_png(folder / f"{basis}-ours.png", M, f"{basis} (ours)", short[:2])
            heatmap_png(folder / f"{basis}-difference.png", M - ref,
                        f"ours - numpy (max |diff| {np.abs(M - ref).max():.1e})", short[:2])
            written += [folder / f"scatter-{basis}.png", folder / f"projection-{basis}.png",
                        folder / f"{basis}-ours.png", folder / f"{basis}-difference.png"]
        if len(self.trio) > 2:
            three = self.columns(self.trio)
            for k in (3, 2, 1):
                R, _ = svd_reconstruction(three, k)
                scatter_png(folder / f"svd-3d-keep{k}.png", R[:, 0], R[:, 2], self.y,
                            f"3 attributes rebuilt from {k} singular value{'s' if k > 1 else ''} (side view)",
                            short[0], short[2])
                written.append(folder / f"svd-3d-keep{k}.png")
        return written

    def state_dict(self):
        return {"steps_done": self.steps_done}

    def load_state_dict(self, st):
        self.steps_done = int(st["steps_done"])
