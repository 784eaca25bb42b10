"""The seed's "DNI + Gaussian noise" system: four ways to train one ConvLSTM GIF classifier, from one
initialisation on one data split and batch order, raced step by step.

- ``backprop``: full backpropagation through time;
- ``dni``: decoupled synthetic gradients (``dni.SyntheticGradients``);
- ``backprop+noise``: BPTT with annealed Gaussian gradient noise on the layers' weights;
- ``dni+noise``: DNI with that noise on the layers' weights and on the synthetic-gradient models'.

Each case is a :class:`~lab.experiments.gif.GIFExperiment` built from the same config except its mode
and noise, so the weights start equal (one seed), and the data are read once and shared.
"""

from dataclasses import dataclass

from ...data.gif import load_gif_folder
from ..base import Experiment, Snapshot, config_field
from ..registry import register
from .experiment import GIFExperiment

CASES = {"backprop": ("bptt", False), "dni": ("dni", False), "backprop+noise": ("bptt", True),
         "dni+noise": ("dni", True)}


@dataclass
class DNIRaceConfig:
    preset: str = config_field("default", "The preset this run started from", label="Preset")
    data: str = config_field("", "A folder with one subfolder of animated GIFs per class; empty: the built-in "
                                 "moving shapes", label="Data", kind="path")
    seed: int = config_field(0, "One seed for the four: the split, the initial weights and the batch order",
                             label="Seed", min=0, max=2**31 - 1)
    frames: int = config_field(4, "Frames taken evenly over each animation", label="Frames", min=2, max=64)
    size: int = config_field(32, "Frames are resized to size x size", label="Size", min=8, max=256)
    layers: list = config_field([8], "Hidden channels of each ConvLSTM layer (stacked)", label="Layers")
    lr: float = config_field(5e-3, "Adam learning rate (every case)", label="Learning rate", min=1e-8, max=1.0,
                             log=True)
    sg_lr: float = config_field(1e-3, "Adam learning rate of the synthetic-gradient models", label="Synthetic-gradient LR",
                                min=1e-8, max=1.0, log=True)
    dni_k: int = config_field(2, "Frames per chunk of truncated BPTT between synthetic gradients", label="DNI chunk k",
                              min=1, max=64)
    noise: float = config_field(1e-6, "Gradient noise eta of the noisy cases (variance eta / (1 + t)^0.55; 1e-6: "
                                      "a first sigma of 1e-3, about this network's gradients)", label="Noise eta",
                                min=1e-12, max=10.0, log=True)
    batch_size: int = config_field(8, "GIFs per minibatch", label="Batch size", min=1, max=4096)
    epochs: int = config_field(20, "Passes over the training GIFs (each case)", label="Epochs", min=1, max=100_000)
    test_fraction: float = config_field(0.25, "Fraction of each class's GIFs held out for testing",
                                        label="Test fraction", min=0.0, max=0.9)


@register
class DNIRaceExperiment(Experiment):
    name = "dni-race"
    title = "DNI and gradient noise race"
    Config = DNIRaceConfig
    key_metric = "test_accuracy/dni"
    presets = {"default": {}, "long": {"epochs": 40}, "real-gifs": {"size": 48, "frames": 6, "epochs": 30,
                                                                    "batch_size": 6}}
    preset_notes = {"default": "the GIF tab's network on the built-in shapes, four cases, 20 epochs each",
                    "long": "40 epochs each",
                    "real-gifs": "48x48, 6 frames: for folders of real GIFs"}

    def __init__(self, config=None, data=None):
        super().__init__(config)
        c = self.config
        if data is None:
            from ...data.builtin import demo_gifs_folder
            data = load_gif_folder(c.data or demo_gifs_folder(), c.frames, c.size, False)
        self.source = data.source
        self.runs = {case: GIFExperiment(self.case_config(case), data=data) for case in CASES}
        self.classes = next(iter(self.runs.values())).classes

    def case_config(self, case):
        c = self.config
        mode, noisy = CASES[case]
        return GIFExperiment.preset_config(
            "default", data=c.data, seed=c.seed, mode=mode, frames=c.frames, size=c.size, pool=c.size,
            layers=list(c.layers),
            lr=c.lr, sg_lr=c.sg_lr, dni_k=c.dni_k, grad_noise=c.noise if noisy else 0.0, batch_size=c.batch_size,
            epochs=c.epochs, test_fraction=c.test_fraction, preview_every=10**9)

    @property
    def total_steps(self):
        return next(iter(self.runs.values())).total_steps

    def step(self):
        """One minibatch for each case (the same minibatch: one batch order)."""
        metrics, rows = {}, []
        for case, run in self.runs.items():
            snap = run.step()
            m = snap.metrics
            metrics[f"batch_cost/{case}"] = m["batch_cost"]
            for key in ("test_accuracy", "train_accuracy", "test_cost", "sg_loss", "sg_cosine"):
                if key in m:
                    metrics[f"{key}/{case}"] = m[key]
            if "test_accuracy" in m:
                rows.append({"case": case, "test_accuracy": m["test_accuracy"], "train_accuracy": m["train_accuracy"],
                             "test_cost": m.get("test_cost", float("nan"))})
        self.steps_done += 1
        metrics["epoch"] = self.steps_done / next(iter(self.runs.values())).steps_per_epoch
        metrics["it_per_s"] = self._tick_rate()
        return Snapshot(self.steps_done, metrics, {}, {}, {"race": rows} if rows else {})

    def final_metrics(self):
        out = {}
        for case, run in self.runs.items():
            m = run.epoch_metrics()
            out[case] = {k: m[k] for k in ("train_accuracy", "test_accuracy") if k in m}
        return {"runs": out}

    def state_dict(self):
        return {"steps_done": self.steps_done, "cases": {case: run.state_dict() for case, run in self.runs.items()}}

    def load_state_dict(self, st):
        self.steps_done = int(st["steps_done"])
        for case, run in self.runs.items():
            run.load_state_dict(st["cases"][case])
