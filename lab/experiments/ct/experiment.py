"""CT denoising (SPEC §3.2; seed: "Only Numpy Medical: denoising lung CT scans using auto-encoders").

Slices of a DICOM series (the built-in phantom by default) get noise in Hounsfield units
(Gaussian x constant as in the seed, or a low-dose Poisson model); a denoiser learns to remove
it (``denoisers``: a residual CNN on random patches, or the seed's autoencoder). Images are
compared in the lung window (-1350 ... 150 HU, data range 1500) with PSNR and SSIM, beside
scikit-image's classical denoisers on the same held-out slices. Slices of held-out patients (or,
for a single series, every fourth slice) are never trained on (``slices``).
"""

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...errors import DataError
from ...imaging.denoisers import run_baselines
from ...imaging.metrics import psnr, ssim
from ...nn.data_parallel import default_parts
from ...progress import tick
from ..base import Experiment, Snapshot, config_field
from ..registry import register
from .denoisers import make_denoiser
from .slices import CTSlices


@dataclass
class CTConfig:
    preset: str = config_field("default", "The preset this run started from", label="Preset")
    data: str = config_field("", "A DICOM folder (searched recursively); empty: the built-in chest phantom",
                             label="Data", kind="path")
    series: str = config_field("", "Which series: part of its UID or description; empty: the largest, or all "
                                    "one-slice series of several patients", label="Series")
    seed: int = config_field(0, "Seeds the split, the noise, the weights and the patches", label="Seed", min=0,
                             max=2**31 - 1)
    noise: str = config_field("gaussian", "Gaussian noise x constant (the seed), or low-dose Poisson counts",
                              label="Noise", choices=["gaussian", "low-dose"])
    sigma_hu: float = config_field(50.0, "Gaussian noise standard deviation in HU", label="Noise sigma (HU)",
                                   min=0.0, max=2000.0, applies={"noise": ("gaussian",)})
    dose: float = config_field(0.25, "Low-dose model: fraction of the full dose", label="Dose", min=0.001, max=1.0,
                               applies={"noise": ("low-dose",)})
    model: str = config_field("residual", "residual: a CNN that predicts the noise (works); autoencoder: the seed's "
                                          "vanilla autoencoder on whole slices", label="Model",
                              choices=["residual", "autoencoder"])
    ae_size: int = config_field(128, "Autoencoder: slices are resized to this size (a multiple of 8)",
                                label="AE slice size", min=16, max=512, applies={"model": ("autoencoder",)})
    ae_activation: str = config_field("relu", "Autoencoder activation", label="AE activation",
                                      choices=["relu", "tanh", "arctan"], applies={"model": ("autoencoder",)})
    enc_lr: float = config_field(5e-4, "Autoencoder: Adam learning rate of the encoder", label="Encoder LR",
                                 min=1e-10, max=1.0, log=True, applies={"model": ("autoencoder",)})
    dec_lr: float = config_field(1e-3, "Autoencoder: Adam learning rate of the decoder", label="Decoder LR",
                                 min=1e-10, max=1.0, log=True, applies={"model": ("autoencoder",)})
    depth: int = config_field(6, "Convolution layers of the residual CNN", label="Depth", min=2, max=30,
                              applies={"model": ("residual",)})
    channels: int = config_field(24, "Feature maps per hidden layer", label="Channels", min=1, max=256,
                                 applies={"model": ("residual",)})
    patch: int = config_field(40, "Training patch size (pixels)", label="Patch", min=8, max=512,
                              applies={"model": ("residual",)})
    batch_size: int = config_field(16, "Patches per minibatch", label="Batch size", min=1, max=1024)
    lr: float = config_field(1e-3, "Adam learning rate", label="Learning rate", min=1e-8, max=1.0, log=True,
                             applies={"model": ("residual",)})
    steps: int = config_field(1500, "Training steps the run plans", label="Steps", min=1, max=10_000_000)
    eval_every: int = config_field(100, "Steps between evaluations of the held-out slice", label="Evaluate every",
                                   min=1, max=100_000)


@register
class CTExperiment(Experiment):
    name = "ct"
    title = "CT denoising"
    Config = CTConfig
    presets = {"default": {}, "quick": {"depth": 4, "channels": 16, "steps": 500},
               "low-dose": {"noise": "low-dose", "dose": 0.25},
               **{f"seed-{name}": {"model": "autoencoder", "ae_activation": act, "enc_lr": e, "dec_lr": d,
                                   "channels": 3, "batch_size": 4, "steps": 600, "eval_every": 20}
                  for name, act, e, d in (("adam-5e-4", "relu", 5e-4, 1e-3), ("relu-6e-6", "relu", 6e-6, 6e-7),
                                          ("relu-1e-7", "relu", 1e-7, 1e-7), ("tanh-6e-6", "tanh", 6e-6, 6e-7),
                                          ("arctan-7e-7", "arctan", 7e-7, 1e-7))}}
    preset_notes = {"default": "residual CNN (6 layers, 24 maps) on 40x40 patches, Gaussian noise 50 HU",
                    "quick": "a smaller network for a first look", "low-dose": "Poisson noise at a quarter dose",
                    "seed-adam-5e-4": "the seed's autoencoder, Adam 5e-4/1e-3: it reported a white disc",
                    "seed-relu-6e-6": "the seed's ReLU run 6e-6/6e-7: a white disc",
                    "seed-relu-1e-7": "the seed's ReLU 1e-7/1e-7: lungs early, a disc later",
                    "seed-tanh-6e-6": "the seed's tanh run 6e-6/6e-7", "seed-arctan-7e-7": "the seed's arctan run"}

    def __init__(self, config=None, data=None):
        super().__init__(config)
        c = self.config
        if c.model == "autoencoder" and c.ae_size % 8:
            raise DataError(f"autoencoder slice size {c.ae_size}: use a multiple of 8")
        self.slices = CTSlices(c, data)
        self.source = self.slices.source
        self.rng = np.random.default_rng(c.seed)
        self.denoiser = make_denoiser(c, self.rng)
        self.preview = 0
        self.baselines = None
        self._noisy = None          # the held-out noisy slices' PSNR/SSIM (one fixed noise draw)

    @property
    def model_name(self):
        return self.denoiser.name

    def denoise(self, noisy_w):
        """[0, 1] windowed images (n, H, W) -> denoised, and what was removed (noisy - denoised)."""
        return self.denoiser.denoise(noisy_w)

    def step(self):
        loss, pixels = self.denoiser.train_step(self.slices, self.rng)
        self._check_finite(loss=loss)
        self.steps_done += 1
        rate = self._tick_rate()
        metrics = {"loss": loss, "it_per_s": rate, "mpix_per_s": rate * pixels / 1e6}
        arrays = {}
        if self.steps_done % self.config.eval_every == 0 or self.steps_done == 1:
            m, a = self.evaluate()
            metrics.update(m)
            arrays.update(a)
        return Snapshot(self.steps_done, metrics, arrays)

    def prepare(self):
        self.evaluate()

    def evaluate(self, preview=None):
        """Metrics on the held-out slices and the preview slice's images (windowed, [0, 1]);
        remembered until the model changes (a step, a loaded state)."""
        key = (self.steps_done, self.preview if preview is None else preview)
        if getattr(self, "_evaluated", (None,))[0] == key:
            return self._evaluated[1]
        self._evaluated = (key, self._evaluate(preview))
        return self._evaluated[1]

    def _evaluate(self, preview):
        s = self.slices
        k = self.preview if preview is None else preview
        t0 = time.perf_counter()
        n, step = len(s.test_noisy), default_parts()
        pairs = []
        for a in range(0, n, step):                          # a slice per core at a time: bounded memory
            tick(a, n, "denoising the held-out slices")       # a load can show it, and cancel a stale one
            pairs.append(self.denoise(np.stack(s.test_noisy[a:a + step])))
        den, res = np.concatenate([d for d, _ in pairs]), np.concatenate([r for _, r in pairs])
        seconds = time.perf_counter() - t0  # our denoiser's time on the held-out slices, as the baselines'
        m = {"denoise_seconds": seconds, **self._noisy_metrics(),
             "psnr_denoised": float(np.mean([psnr(c, d) for c, d in zip(s.test_clean, den)])),
             "ssim_denoised": float(np.mean([ssim(c, d) for c, d in zip(s.test_clean, den)]))}
        a = {"clean": s.test_clean[k], "noisy": s.test_noisy[k], "denoised": np.clip(den[k], 0, 1),
             "residual": res[k]}
        return m, a

    def _noisy_metrics(self):
        """PSNR/SSIM of the held-out noisy slices: one fixed noise draw, so measured once."""
        if self._noisy is None:
            s = self.slices
            self._noisy = {"psnr_noisy": float(np.mean([psnr(c, n) for c, n in zip(s.test_clean, s.test_noisy)])),
                           "ssim_noisy": float(np.mean([ssim(c, n) for c, n in zip(s.test_clean, s.test_noisy)]))}
        return self._noisy

    def baseline_table(self, should_stop=None):
        """The classical denoisers on the held-out slices, computed once. Not part of a training
        step (on 12 held-out 512x512 slices they take ~8 s): the tab asks for them in the background, the
        command line at the end of the run. Reads only the fixed held-out slices, so any thread may
        call it while another trains."""
        if self.baselines is None:
            self.baselines = run_baselines(np.stack(self.slices.test_clean), np.stack(self.slices.test_noisy),
                                           should_stop)
        return self.baselines

    def final_metrics(self):
        m, _ = self.evaluate()
        return {**m, "baselines": {k: {"psnr": v["psnr"], "ssim": v["ssim"]} for k, v in self.baseline_table().items()},
                "test_slices": len(self.slices.test_ids), "train_slices": len(self.slices.train_ids)}

    def export_files(self, folder):
        from ...export.images import save_png
        from ...export.tables import write_csv
        folder = Path(folder)
        m, a = self.evaluate()
        rows = [["noisy input", m["psnr_noisy"], m["ssim_noisy"], ""],
                [f"{self.model_name} (ours)", m["psnr_denoised"], m["ssim_denoised"], m["denoise_seconds"]]]
        rows += [[k, v["psnr"], v["ssim"], v["seconds"]] for k, v in self.baseline_table().items()]
        write_csv(folder / "metrics_table.csv", ["method", "psnr_db", "ssim", "seconds"], rows)
        written = [folder / "metrics_table.csv"]
        for name in ("clean", "noisy", "denoised"):
            save_png(folder / f"slice-{name}.png", a[name])
            written.append(folder / f"slice-{name}.png")
        if self.slices.series:
            from ...export.dicom_series import write_denoised_series
            written += write_denoised_series(self, folder / "denoised", f"NumPy Lab denoised ({self.model_name})")
        return written

    def state_dict(self):
        return {"steps_done": self.steps_done, "rng": self.rng.bit_generator.state, **self.denoiser.state_dict()}

    def load_state_dict(self, st):
        self.steps_done = int(st["steps_done"])
        self.rng.bit_generator.state = st["rng"]
        self.denoiser.load_state_dict(st)
        self._evaluated = (None,)
