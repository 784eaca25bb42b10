"""CT denoising (SPEC §3.2; seed: "Only Numpy Medical: denoising lung CT scans using auto-encoders").

Slices of a DICOM series (the built-in phantom by default) get noise in Hounsfield units
(Gaussian x constant as in the seed, or a low-dose Poisson model); a residual CNN learns, on
random patches, to predict the noise, so that denoised = noisy - prediction. Images are compared
in the lung window (-1350 ... 150 HU, data range 1500) with PSNR and SSIM, beside scikit-image's
classical denoisers on the same held-out slices. Slices of held-out patients (or, for a single
series, every fourth slice) are never trained on.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..baselines import psnr, run_baselines, ssim
from ..data.dicom import scan_folder
from ..data.noise import gaussian_noise, low_dose_noise, window
from ..errors import DataError
from ..nn.cnn import cnn_backward, cnn_forward, init_cnn
from ..optim import Adam
from .base import Experiment, Snapshot, config_field, register

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
                                   min=0.0, max=2000.0)
    dose: float = config_field(0.25, "Low-dose model: fraction of the full dose", label="Dose", min=0.001, max=1.0)
    model: str = config_field("residual", "residual: a CNN that predicts the noise (works); autoencoder: the seed's "
                                          "vanilla autoencoder on whole slices", label="Model",
                              choices=["residual", "autoencoder"])
    ae_size: int = config_field(128, "Autoencoder: slices are resized to this size (a multiple of 8)",
                                label="AE slice size", min=16, max=512)
    ae_activation: str = config_field("relu", "Autoencoder activation", label="AE activation",
                                      choices=["relu", "tanh", "arctan"])
    enc_lr: float = config_field(5e-4, "Autoencoder: Adam learning rate of the encoder", label="Encoder LR",
                                 min=1e-10, max=1.0, log=True)
    dec_lr: float = config_field(1e-3, "Autoencoder: Adam learning rate of the decoder", label="Decoder LR",
                                 min=1e-10, max=1.0, log=True)
    depth: int = config_field(6, "Convolution layers of the residual CNN", label="Depth", min=2, max=30)
    channels: int = config_field(24, "Feature maps per hidden layer", label="Channels", min=1, max=256)
    patch: int = config_field(40, "Training patch size (pixels)", label="Patch", min=8, max=512)
    batch_size: int = config_field(16, "Patches per minibatch", label="Batch size", min=1, max=1024)
    lr: float = config_field(1e-3, "Adam learning rate", label="Learning rate", min=1e-8, max=1.0, log=True)
    steps: int = config_field(1500, "Training steps the run plans", label="Steps", min=1, max=10_000_000)
    eval_every: int = config_field(100, "Steps between evaluations of the held-out slice", label="Evaluate every",
                                   min=1, max=100_000)


class SeedAutoencoder:
    """The seed's vanilla autoencoder: encoder = 3 x (3x3 convolution, activation, 2x2 mean pooling)
    down to a flattened code; decoder = 3 x (upsampling by repetition, 3x3 convolution), activations
    between, a linear last layer. Params E0..E2 / D0..D2 (+ biases) so each half has its own Adam."""

    def __init__(self, channels, activation, rng):
        from ..nn.cnn import init_cnn as _init
        enc = _init([1, channels, channels, channels], rng=rng)
        dec = _init([channels, channels, channels, 1], rng=rng)
        self.params = {**{"E" + k: v for k, v in enc.items()}, **{"D" + k: v for k, v in dec.items()}}
        self.act = activation

    def forward(self, x):
        from ..nn.activations import ACTIVATIONS
        from ..nn.conv import avg_pool_forward, conv_forward
        f = ACTIVATIONS[self.act][0]
        p, caches, h = self.params, [], x
        for i in range(3):
            h, cc = conv_forward(h, p[f"EW{i}"], p[f"Eb{i}"])
            h, ac = f(h)
            h, pc = avg_pool_forward(h, 2)
            caches.append((cc, ac, pc))
        code_shape = h.shape
        h = h.reshape(len(h), -1).reshape(code_shape)  # the flattened code, reshaped for the decoder
        for i in range(3):
            h = np.repeat(np.repeat(h, 2, axis=2), 2, axis=3)  # upsampling by repetition
            h, cc = conv_forward(h, p[f"DW{i}"], p[f"Db{i}"])
            ac = None
            if i < 2:
                h, ac = f(h)
            caches.append((cc, ac, None))
        return h, caches

    def backward(self, dout, caches):
        from ..nn.activations import ACTIVATIONS
        from ..nn.conv import avg_pool_backward, avg_pool_forward, conv_backward
        b = ACTIVATIONS[self.act][1]
        grads, d = {}, dout
        for i in reversed(range(3)):
            cc, ac, _ = caches[3 + i]
            if ac is not None:
                d = b(d, ac)
            d, grads[f"DW{i}"], grads[f"Db{i}"] = conv_backward(d, cc)
            d = avg_pool_forward(d, 2)[0] * 4  # backprop through repetition: sum over each 2x2 block
        for i in reversed(range(3)):
            cc, ac, pc = caches[i]
            d = avg_pool_backward(d, pc)
            d = b(d, ac)
            d, grads[f"EW{i}"], grads[f"Eb{i}"] = conv_backward(d, cc, need_dx=i > 0)
        return grads


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
        if data is None:
            from ..data.phantom import ct_phantom_folder
            folder = c.data or ct_phantom_folder()
            series, self.skipped = scan_folder(folder)
            self.all_series = series  # everything the folder holds, for a series picker
            if not series:
                raise DataError(f"{folder}: no image series found ({len(self.skipped)} files skipped)")
            series = self._choose(series)
            self.series = series
            hu, pad = [], []
            for s in series:
                h, p = s.load_hu()
                hu.append(h)
                pad.append(p)
            self.source = str(folder)
        else:  # (list of HU volumes, list of padding masks), e.g. from tests
            (hu, pad), self.series, self.skipped, self.source = data, [], [], "given"
            self.all_series = []
        self.hu = [np.where(p, -1024.0, h).astype(np.float32) for h, p in zip(hu, pad)]  # padding -> air
        self.train_ids, self.test_ids = self._split()
        self.rng = np.random.default_rng(c.seed)
        if c.model == "autoencoder":
            if c.ae_size % 8:
                raise DataError(f"autoencoder slice size {c.ae_size}: use a multiple of 8")
            self.ae = SeedAutoencoder(c.channels, c.ae_activation, self.rng)
            self.params = self.ae.params
            self.opt, self.dec_opt = Adam(lr=c.enc_lr), Adam(lr=c.dec_lr)
        else:
            self.params = init_cnn([1] + [c.channels] * (c.depth - 1) + [1], rng=self.rng)
            self.params[f"W{c.depth - 1}"] *= 0.1  # start near the identity: predicted noise ~ 0
            self.opt = Adam(lr=c.lr)
        test_rng = np.random.default_rng([c.seed, 5])  # one fixed noise realisation for evaluation
        self.test_clean = [window(self._slice(i)) for i in self.test_ids]
        self.test_noisy_hu = [self._noisy(self._slice(i), test_rng) for i in self.test_ids]
        self.test_noisy = [window(x) for x in self.test_noisy_hu]
        self.preview = 0
        self.baselines = None

    # ------------------------------------------------------------------------- data
    def _choose(self, series):
        want = self.config.series.strip().lower()
        if want:
            picked = [s for s in series if want in s.uid.lower() or want in s.description.lower()]
            if not picked:
                raise DataError(f"no series matches {self.config.series!r}; series: "
                                + "; ".join(s.key for s in series))
            return picked[:1] if len(picked[0].slices) > 1 else picked
        big = max(series, key=lambda s: len(s.slices))
        if len(big.slices) > 1:
            return [big]
        same = [s for s in series if (s.rows, s.cols) == (big.rows, big.cols)]
        return same  # many one-slice series (one per patient): use them all, split by patient

    def _slice(self, k):
        v, i = k
        return self.hu[v][i]

    def _split(self):
        """(volume, slice) ids for training and testing: by patient when there are several."""
        ids = [(v, i) for v, vol in enumerate(self.hu) for i in range(len(vol))]
        rng = np.random.default_rng([self.config.seed, 3])
        patients = sorted({s.patient for s in self.series}) if self.series else []
        if len(patients) >= 3:
            held = set(rng.permutation(patients)[: max(1, round(0.3 * len(patients)))])
            test = [k for k in ids if self.series[k[0]].patient in held]
        else:
            test = ids[2::4] or ids[-1:]
        train = [k for k in ids if k not in test]
        self.split_note = ""
        if not train:  # a single slice (e.g. pydicom's CT_small.dcm): train and test on it, with other noise
            train, self.split_note = test, "a single slice: trained and tested on the same slice (new noise)"
        return train, test

    def _noisy(self, hu, rng):
        c = self.config
        return gaussian_noise(hu, c.sigma_hu, rng) if c.noise == "gaussian" else low_dose_noise(hu, c.dose, rng)

    def _patches(self):
        c = self.config
        P, B = c.patch, c.batch_size
        clean, noisy = [], []
        picks = self.rng.integers(0, len(self.train_ids), B)
        for j in picks:  # B small crops: one copy each
            img = self._slice(self.train_ids[j])
            H, W = img.shape
            y, x = self.rng.integers(0, H - P + 1), self.rng.integers(0, W - P + 1)
            clean.append(img[y:y + P, x:x + P])
        clean = np.stack(clean)
        noisy = self._noisy(clean, self.rng)
        return window(clean)[:, None], window(noisy)[:, None]

    # ------------------------------------------------------------------------- model
    def denoise(self, noisy_w):
        """[0, 1] windowed images (n, H, W) -> denoised, and what was removed (noisy - denoised)."""
        if self.config.model == "autoencoder":
            from skimage.transform import resize
            n, H, W = noisy_w.shape
            S = self.config.ae_size
            small = resize(noisy_w, (n, S, S), order=1, anti_aliasing=True).astype(np.float32)
            out, _ = self.ae.forward(small[:, None])
            den = resize(out[:, 0], (n, H, W), order=1).astype(np.float32)
            return den, noisy_w - den
        r, _ = cnn_forward(noisy_w[:, None].astype(np.float32), self.params)
        return noisy_w - r[:, 0], r[:, 0]

    def _ae_step(self):
        """The seed's training: whole (resized) slices, L2 cost with a 1/4 factor, Adam per half."""
        from skimage.transform import resize
        c = self.config
        picks = self.rng.integers(0, len(self.train_ids), c.batch_size)
        clean_hu = np.stack([self._slice(self.train_ids[j]) for j in picks])
        noisy_hu = self._noisy(clean_hu, self.rng)
        n, S = len(picks), c.ae_size
        clean = resize(window(clean_hu), (n, S, S), order=1, anti_aliasing=True).astype(np.float32)[:, None]
        noisy = resize(window(noisy_hu), (n, S, S), order=1, anti_aliasing=True).astype(np.float32)[:, None]
        out, cache = self.ae.forward(noisy)
        diff = out - clean
        loss = float(np.mean(diff * diff)) / 4
        self._check_finite(loss=loss)
        grads = self.ae.backward(diff / (2 * diff.size), cache)
        self.opt.update(self.params, {k: v for k, v in grads.items() if k.startswith("E")})
        self.dec_opt.update(self.params, {k: v for k, v in grads.items() if k.startswith("D")})
        return loss, noisy.size

    def step(self):
        if self.config.model == "autoencoder":
            loss, pixels = self._ae_step()
            return self._snapshot(loss, pixels)
        clean, noisy = self._patches()
        r, caches = cnn_forward(noisy, self.params)
        diff = (noisy - r) - clean
        loss = float(np.mean(diff * diff)) / 2
        self._check_finite(loss=loss)
        _, grads = cnn_backward(-diff / diff.size, caches)  # d(mean/2)/dr = -(out - clean) / n
        self.opt.update(self.params, grads)
        return self._snapshot(loss, noisy.size)

    def _snapshot(self, loss, pixels):
        self.steps_done += 1
        rate = self._tick_rate()
        metrics = {"loss": loss, "it_per_s": rate, "mpix_per_s": rate * pixels / 1e6}
        arrays = {}
        text = {}
        if self.steps_done % self.config.eval_every == 0 or self.steps_done == 1:
            m, a = self.evaluate()
            metrics.update(m)
            arrays.update(a)
        if self.steps_done == 1:  # the classical baselines once, in the worker, for the table
            import json
            text["baselines"] = json.dumps(self.baseline_table())
        return Snapshot(self.steps_done, metrics, arrays, text)

    def evaluate(self, preview=None):
        """Metrics on the held-out slices and the preview slice's images (windowed, [0, 1])."""
        k = self.preview if preview is None else preview
        pairs = [self.denoise(x[None]) for x in self.test_noisy]  # one slice at a time: bounded memory
        den, res = np.concatenate([d for d, _ in pairs]), np.concatenate([r for _, r in pairs])
        m = {"psnr_noisy": float(np.mean([psnr(c, n) for c, n in zip(self.test_clean, self.test_noisy)])),
             "psnr_denoised": float(np.mean([psnr(c, d) for c, d in zip(self.test_clean, den)])),
             "ssim_noisy": float(np.mean([ssim(c, n) for c, n in zip(self.test_clean, self.test_noisy)])),
             "ssim_denoised": float(np.mean([ssim(c, d) for c, d in zip(self.test_clean, den)]))}
        a = {"clean": self.test_clean[k], "noisy": self.test_noisy[k], "denoised": np.clip(den[k], 0, 1),
             "residual": res[k]}
        return m, a

    @property
    def model_name(self):
        return "residual CNN" if self.config.model == "residual" else "seed autoencoder"

    def baseline_table(self):
        if self.baselines is None:
            self.baselines = run_baselines(np.stack(self.test_clean), np.stack(self.test_noisy))
        return self.baselines

    def final_metrics(self):
        m, _ = self.evaluate()
        return {**m, "baselines": {k: {"psnr": v["psnr"], "ssim": v["ssim"]} for k, v in self.baseline_table().items()},
                "test_slices": len(self.test_ids), "train_slices": len(self.train_ids)}

    def export_files(self, folder):
        from ..export import save_png, write_csv
        folder = Path(folder)
        m, a = self.evaluate()
        rows = [["noisy input", m["psnr_noisy"], m["ssim_noisy"], ""],
                [f"{self.model_name} (ours)", m["psnr_denoised"], m["ssim_denoised"], ""]]
        rows += [[k, v["psnr"], v["ssim"], v["seconds"]] for k, v in self.baseline_table().items()]
        write_csv(folder / "metrics_table.csv", ["method", "psnr_db", "ssim", "seconds"], rows)
        written = [folder / "metrics_table.csv"]
        for name in ("clean", "noisy", "denoised"):
            save_png(folder / f"slice-{name}.png", a[name])
            written.append(folder / f"slice-{name}.png")
        if self.series:
            from ..data.dicom_write import write_denoised_series
            written += write_denoised_series(self, folder / "denoised", f"NumPy Lab denoised ({self.model_name})")
        return written

    def state_dict(self):
        st = {"steps_done": self.steps_done, "rng": self.rng.bit_generator.state, "params": self.params,
              "opt": self.opt.state_dict()}
        if self.config.model == "autoencoder":
            st["dec_opt"] = self.dec_opt.state_dict()
        return st

    def load_state_dict(self, st):
        self.steps_done = int(st["steps_done"])
        self.rng.bit_generator.state = st["rng"]
        for k, v in st["params"].items():
            self.params[k] = np.array(v, np.float32)  # in place: the autoencoder shares this dict
        self.opt.load_state_dict(st["opt"])
        if "dec_opt" in st:
            self.dec_opt.load_state_dict(st["dec_opt"])
