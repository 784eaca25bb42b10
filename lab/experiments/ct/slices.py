"""The CT experiment's data: slices of a DICOM series in HU (the built-in phantom by default),
the split into training and held-out slices, the noise model, training patches and the fixed
noisy versions of the held-out slices that every evaluation uses."""

import numpy as np

from ...data.dicom import scan_folder
from ...data.outcome import not_loaded
from ...errors import DataError
from ...imaging.noise import gaussian_noise, low_dose_noise, window


MAX_TEST_SLICES = 12   # a 512x512 slice denoises in ~0.2 s: 24 made each evaluation a 5 s pause


class CTSlices:
    """``hu``: one float32 volume (slices, H, W) per series, padding replaced by air;
    ``series``: the chosen series (empty for given arrays); ``all_series``: everything the folder
    holds; ``outcomes``: every file loaded/skipped/refused; ``skipped``: the files not loaded; ``train_ids`` / ``test_ids``: (volume, slice) pairs;
    ``test_clean`` / ``test_noisy``: windowed held-out slices, one fixed noise draw."""

    def __init__(self, config, data=None):
        self.config = c = config
        if data is None:
            from ...data.phantom import ct_phantom_folder
            folder = c.data or ct_phantom_folder()
            series, self.outcomes = scan_folder(folder)
            self.skipped = not_loaded(self.outcomes)
            self.all_series = series  # everything the folder holds, for a series picker
            if not series:
                raise DataError(f"{folder}: no image series found ({len(self.skipped)} files skipped or refused)")
            trainable = [s for s in series if s.trainable]
            if not trainable:
                raise DataError(f"{folder}: no grey CT series to train on; "
                                + "; ".join(f"{s.key}: {s.training_note}" for s in series))
            self.series = self._choose(trainable)
            hu, pad = zip(*(s.load_hu() for s in self.series))
            self.source = str(folder)
        else:  # (list of HU volumes, list of padding masks), e.g. from tests
            (hu, pad), self.series, self.skipped, self.source = data, [], [], "given"
            self.outcomes = []
            self.all_series = []
        self.hu = [np.where(p, -1024.0, h).astype(np.float32) for h, p in zip(hu, pad)]  # padding -> air
        self.train_ids, self.test_ids = self._split()
        test_rng = np.random.default_rng([c.seed, 5])  # one fixed noise realisation for evaluation
        self.test_clean = [window(self.slice(i)) for i in self.test_ids]
        self.test_noisy_hu = [self.noisy(self.slice(i), test_rng) for i in self.test_ids]
        self.test_noisy = [window(x) for x in self.test_noisy_hu]

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
        held_out = set(test)
        train = [k for k in ids if k not in held_out]
        self.split_note = ""
        if len(test) > MAX_TEST_SLICES:  # evaluation runs often: a big study must not make every view slow
            keep = np.unique(np.linspace(0, len(test) - 1, MAX_TEST_SLICES).round().astype(int))
            self.split_note = f"metrics on {len(keep)} of the {len(test)} held-out slices, evenly spaced"
            test = [test[i] for i in keep]
        if not train:  # a single slice (e.g. pydicom's CT_small.dcm): train and test on it, with other noise
            train, self.split_note = test, "a single slice: trained and tested on the same slice (new noise)"
        return train, test

    def slice(self, k):
        v, i = k
        return self.hu[v][i]

    def all_slices(self):
        """Every slice of every volume, in order (the viewer's stack)."""
        return [img for vol in self.hu for img in vol]

    def noisy(self, hu, rng):
        c = self.config
        return gaussian_noise(hu, c.sigma_hu, rng) if c.noise == "gaussian" else low_dose_noise(hu, c.dose, rng)

    def training_slices(self, n, rng):
        """n whole training slices in HU (n, H, W), drawn with replacement."""
        picks = rng.integers(0, len(self.train_ids), n)
        return np.stack([self.slice(self.train_ids[j]) for j in picks])

    def patches(self, size, n, rng):
        """n random size x size crops of training slices, windowed: clean, noisy (n, 1, P, P)."""
        clean = []
        for j in rng.integers(0, len(self.train_ids), n):  # n small crops: one copy each
            img = self.slice(self.train_ids[j])
            H, W = img.shape
            y, x = rng.integers(0, H - size + 1), rng.integers(0, W - size + 1)
            clean.append(img[y:y + size, x:x + size])
        clean = np.stack(clean)
        return window(clean)[:, None], window(self.noisy(clean, rng))[:, None]
