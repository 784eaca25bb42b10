"""The two models the CT experiment can train, behind one interface.

:class:`Denoiser` says what the experiment needs of a model: a ``name`` for tables and DICOM
descriptions, ``params``, one ``train_step`` on the training slices, ``denoise`` on windowed
images, and ``state_dict``/``load_state_dict``. :func:`make_denoiser` picks one from the config.
"""

import numpy as np

from ...nn.autoencoder import SeedAutoencoder
from ...nn.cnn import init_cnn
from ...nn.conv_stack import ConvStack
from ...nn.data_parallel import DataParallel
from ...optim import Adam


class Denoiser:
    name = "denoiser"

    def train_step(self, slices, rng):
        """One update from training data drawn with ``rng``: returns (loss, pixels seen)."""
        raise NotImplementedError

    def denoise(self, noisy_w):
        """Windowed images (n, H, W) in [0, 1] -> (denoised, removed = noisy - denoised)."""
        raise NotImplementedError

    def state_dict(self):
        raise NotImplementedError

    def load_state_dict(self, st):
        raise NotImplementedError


class ResidualDenoiser(Denoiser):
    """A residual CNN (3x3 convolutions and ReLUs) trained on random patches to predict the
    noise: denoised = noisy - prediction (DnCNN's residual learning)."""

    name = "residual CNN"

    def __init__(self, config, rng):
        self.config = c = config
        channels = [1] + [c.channels] * (c.depth - 1) + [1]
        self.params = init_cnn(channels, rng=rng)
        self.net = DataParallel(lambda: ConvStack(channels))  # halves of the batch on both cores; buffers reused
        self.params[f"W{c.depth - 1}"] *= 0.1  # start near the identity: predicted noise ~ 0
        self.opt = Adam(lr=c.lr)

    def train_step(self, slices, rng):
        clean, noisy = slices.patches(self.config.patch, self.config.batch_size, rng)
        r = self.net.forward(noisy, self.params)
        diff = (noisy - r) - clean
        loss = float(np.mean(diff * diff)) / 2
        if np.isfinite(loss):
            _, grads = self.net.backward(-diff / diff.size)     # d(mean/2)/dr = -(out - clean) / n
            self.opt.update(self.params, grads)
        return loss, noisy.size

    def denoise(self, noisy_w):
        r = self.net.predict(noisy_w[:, None].astype(np.float32), self.params)
        return noisy_w - r[:, 0], r[:, 0]

    def state_dict(self):
        return {"params": self.params, "opt": self.opt.state_dict()}

    def load_state_dict(self, st):
        for k, v in st["params"].items():
            self.params[k] = np.array(v, np.float32)
        self.opt.load_state_dict(st["opt"])


class AutoencoderDenoiser(Denoiser):
    """The seed's vanilla autoencoder on whole slices resized to ``ae_size``: L2 cost with a 1/4
    factor, Adam with separate encoder and decoder learning rates."""

    name = "seed autoencoder"

    def __init__(self, config, rng):
        self.config = c = config
        self.ae = SeedAutoencoder(c.channels, c.ae_activation, rng)
        self.params = self.ae.params
        self.enc_opt, self.dec_opt = Adam(lr=c.enc_lr), Adam(lr=c.dec_lr)

    def _resize(self, imgs):
        from skimage.transform import resize
        S = self.config.ae_size
        return resize(imgs, (len(imgs), S, S), order=1, anti_aliasing=True).astype(np.float32)

    def train_step(self, slices, rng):
        from ...imaging.noise import window
        clean_hu = slices.training_slices(self.config.batch_size, rng)
        noisy_hu = slices.noisy(clean_hu, rng)
        clean, noisy = self._resize(window(clean_hu))[:, None], self._resize(window(noisy_hu))[:, None]
        out, cache = self.ae.forward(noisy)
        diff = out - clean
        loss = float(np.mean(diff * diff)) / 4
        if np.isfinite(loss):
            _, grads = self.ae.backward(diff / (2 * diff.size), cache)
            self.enc_opt.update(self.params, {k: v for k, v in grads.items() if k.startswith("E")})
            self.dec_opt.update(self.params, {k: v for k, v in grads.items() if k.startswith("D")})
        return loss, noisy.size

    def denoise(self, noisy_w):
        from skimage.transform import resize
        n, H, W = noisy_w.shape
        out, _ = self.ae.forward(self._resize(noisy_w)[:, None])
        den = resize(out[:, 0], (n, H, W), order=1).astype(np.float32)
        return den, noisy_w - den

    def state_dict(self):
        return {"params": self.params, "opt": self.enc_opt.state_dict(), "dec_opt": self.dec_opt.state_dict()}

    def load_state_dict(self, st):
        for k, v in st["params"].items():
            self.params[k] = np.array(v, np.float32)  # in place: the autoencoder shares this dict
        self.enc_opt.load_state_dict(st["opt"])
        self.dec_opt.load_state_dict(st["dec_opt"])


def make_denoiser(config, rng):
    return (AutoencoderDenoiser if config.model == "autoencoder" else ResidualDenoiser)(config, rng)
