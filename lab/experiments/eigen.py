"""Eigenvectors, change of basis and SVD on the wine data (SPEC §3.1; seed: "Having fun with
eigenvalues/vectors"), headless. Nothing trains here: the one ``step()`` computes every number
the views show, through the same :class:`~lab.decompositions.views.EigenAnalysis` the tab draws."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..decompositions.basis import change_of_basis, correlation, covariance, eigenbasis, svd_reconstruction
from ..decompositions.views import EigenAnalysis, short_name
from .base import Experiment, Snapshot, config_field
from .registry import register


@dataclass
class EigenConfig:
    preset: str = config_field("default", "The preset", label="Preset")
    data: str = config_field("", "A CSV file (header row, numeric columns, a class column); empty: the wine data",
                             label="Data", kind="path")
    basis: str = config_field("covariance", "Eigenbasis of the covariance or of the correlation matrix",
                              label="Basis", choices=["covariance", "correlation"])
    three_d: bool = config_field(False, "Add alcalinity of ash as a third attribute", label="Third attribute")
    keep: int = config_field(2, "Singular values kept in the reconstruction", label="Keep", min=1, max=3)


@register
class EigenExperiment(Experiment):
    name = "eigen"
    title = "Eigenvectors & SVD"
    Config = EigenConfig
    presets = {"default": {}, "correlation": {"basis": "correlation"}, "3d": {"three_d": True, "keep": 3}}
    preset_notes = {"default": "two attributes, covariance eigenbasis", "correlation": "the correlation eigenbasis",
                    "3d": "three attributes: drop singular values 3 -> 2 -> 1"}

    def __init__(self, config=None, analysis=None):
        super().__init__(config)
        self.analysis = analysis or EigenAnalysis.load(self.config.data or None)
        self.source = self.analysis.source

    @property
    def total_steps(self):
        return 1

    @property
    def features(self):
        return self.analysis.features(self.config.three_d)

    def step(self):
        c = self.config
        b = self.analysis.basis(c.basis, c.three_d)
        s = self.analysis.svd(c.three_d, c.keep)
        self.steps_done += 1
        metrics = {"cov_max_abs_difference": b.cov_difference, "corr_max_abs_difference": b.corr_difference}
        arrays = {"data": self.analysis.columns(self.features), "labels": b.labels, "eigenvalues": b.eigenvalues,
                  "eigenvectors": b.eigenvectors, "projection": b.projection, "reconstruction": s.reconstruction,
                  "singular_values": s.singular_values, "covariance": b.covariance, "np_cov": b.np_cov,
                  "correlation": b.correlation, "np_corrcoef": b.np_corrcoef}
        return Snapshot(self.steps_done, metrics, arrays)

    def final_metrics(self):
        r = self.analysis.report()
        return {k: {"singular_values": r[k]["singular_values"], "reconstruction": r[k]["reconstruction"],
                    "cov_max_abs_difference": r[k]["covariance"]["max_abs_difference"]}
                for k in ("two_attributes", "three_attributes") if k in r}

    def export_files(self, folder):
        """eigen.json and PNGs of the views (drawn without Qt, for the command line)."""
        from ..export.charts import heatmap_png, scatter_png
        from ..export.tables import write_json

        folder = Path(folder)
        a = self.analysis
        write_json(folder / "eigen.json", a.report())
        written = [folder / "eigen.json"]
        short = [short_name(f) for f in a.trio]
        two = a.columns(a.trio[:2])
        for basis in ("covariance", "correlation"):
            std = basis == "correlation"
            Z = (two - two.mean(0)) / two.std(0, ddof=1) if std else two
            M = correlation(two, a.trio[:2]) if std else covariance(two)
            lam, U = eigenbasis(M)
            mu = Z.mean(0)
            scale = 2 * np.sqrt(np.maximum(lam, 0))
            arrows = [(mu[0], mu[1], mu[0] + U[0, i] * scale[i], mu[1] + U[1, i] * scale[i],
                       (0, 0, 0) if i == 0 else (120, 120, 120), f"e{i + 1} (eigenvalue {lam[i]:.3g})")
                      for i in range(2)]
            unit = " (standardised)" if std else ""
            scatter_png(folder / f"scatter-{basis}.png", Z[:, 0], Z[:, 1], a.y,
                        f"Eigenvectors of the {basis} matrix (arrows: 2 sqrt(eigenvalue))",
                        short[0] + unit, short[1] + unit, arrows=arrows, equal=True)
            P = change_of_basis(two, U, standardise=std)
            scatter_png(folder / f"projection-{basis}.png", P[:, 0], P[:, 1], a.y,
                        f"The data in the {basis} eigenbasis", "coordinate on e1", "coordinate on e2", equal=True)
            ref = np.corrcoef(two, rowvar=False) if std else np.cov(two, rowvar=False)
            heatmap_png(folder / f"{basis}-ours.png", M, f"{basis} (ours)", short[:2])
            heatmap_png(folder / f"{basis}-difference.png", M - ref,
                        f"ours - numpy (max |diff| {np.abs(M - ref).max():.1e})", short[:2])
            written += [folder / f"scatter-{basis}.png", folder / f"projection-{basis}.png",
                        folder / f"{basis}-ours.png", folder / f"{basis}-difference.png"]
        if len(a.trio) > 2:
            three = a.columns(a.trio)
            for k in (3, 2, 1):
                R, _ = svd_reconstruction(three, k)
                scatter_png(folder / f"svd-3d-keep{k}.png", R[:, 0], R[:, 2], a.y,
                            f"3 attributes rebuilt from {k} singular value{'s' if k > 1 else ''} (side view)",
                            short[0], short[2])
                written.append(folder / f"svd-3d-keep{k}.png")
        return written

    def state_dict(self):
        return {"steps_done": self.steps_done}

    def load_state_dict(self, st):
        self.steps_done = int(st["steps_done"])
