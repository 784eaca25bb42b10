"""ARCHITECTURE.md's recipe, followed to the letter with a throwaway experiment and tab: if this
test needs more than the page says, the page is wrong."""

from dataclasses import dataclass

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from lab.experiments import EXPERIMENTS, get_experiment, load_checkpoint
from lab.experiments.base import Experiment, Snapshot, config_field
from lab.experiments.registry import register
from widgets.plots import ImagePanel, LiveCurves
from widgets.tabs.base import ExperimentTab
from tab_helpers import exported


@pytest.fixture
def recipe():
    # 1. lab/experiments/<name>.py: a config dataclass and a registered Experiment subclass
    @dataclass
    class LineConfig:
        preset: str = config_field("default", "The preset", label="Preset")
        seed: int = config_field(0, "Seeds the data and the weight", label="Seed", min=0, max=2**31 - 1)
        lr: float = config_field(0.2, "Gradient-descent step", label="Learning rate", min=1e-6, max=1.0, log=True)
        steps: int = config_field(20, "Steps the run plans", label="Steps", min=1, max=1000)

    @register
    class LineFit(Experiment):
        name = "recipe-line"
        title = "Line fit"
        Config = LineConfig
        presets = {"default": {}, "slow": {"lr": 0.01}}
        preset_notes = {"default": "fit y = w x by gradient descent"}

        def __init__(self, config=None):
            super().__init__(config)
            rng = np.random.default_rng(self.config.seed)
            self.x = rng.standard_normal(50).astype(np.float32)
            self.y = 3 * self.x
            self.w = np.zeros(1, np.float32)
            self.source = "built-in: 50 points on y = 3x"

        def step(self):
            err = self.w * self.x - self.y
            loss = float(np.mean(err ** 2)) / 2
            self._check_finite(loss=loss)
            self.w -= self.config.lr * np.mean(err * self.x)
            self.steps_done += 1
            return Snapshot(self.steps_done, {"loss": loss, "w": float(self.w[0])},
                            {"residual": err.reshape(5, 10)})

        def state_dict(self):
            return {"steps_done": self.steps_done, "w": self.w}

        def load_state_dict(self, st):
            self.steps_done, self.w = int(st["steps_done"]), np.array(st["w"], np.float32)

    # 2. widgets/tabs/<name>_tab.py: an ExperimentTab subclass with its views
    class LineTab(ExperimentTab):
        name = "recipe-line"
        experiment_cls = LineFit
        explanation = "<p>Gradient descent on one weight.</p>"

        def build_views(self, area):
            from PySide6.QtWidgets import QVBoxLayout
            lay = QVBoxLayout(area)
            self.loss_plot = LiveCurves("Loss", {"loss": "loss"}, "loss")
            self.residual = ImagePanel("Residual", levels=(-3, 3))
            lay.addWidget(self.loss_plot)
            lay.addWidget(self.residual)

        def clear_views(self):
            self.restart_curves([self.loss_plot])

        def draw(self, frame):
            self.loss_plot.append_rows(frame.rows)
            if "residual" in frame.snapshot.arrays:
                self.residual.show_image(frame.snapshot.arrays["residual"])

        def figures(self):
            return [self.loss_plot, self.residual]

    yield LineFit, LineTab
    EXPERIMENTS.pop("recipe-line", None)


def test_recipe_experiment_runs_headless(recipe, tmp_path):
    LineFit, _ = recipe
    assert get_experiment("recipe-line") is LineFit
    from lab.cli import main
    assert main(["run", "recipe-line", "--steps", "5", "--out", str(tmp_path)]) == 0
    assert load_checkpoint(tmp_path / "checkpoint.npz").steps_done == 5


def test_recipe_tab_trains_draws_and_exports(recipe, qtbot, tmp_path):
    LineFit, LineTab = recipe
    tab = LineTab(settings=QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(tab)
    assert tab.experiment is None          # nothing is built before the tab is shown or used
    tab.show()
    assert tab.session.wait_ready()  # built in the loader's thread, off the GUI thread
    assert set(tab.form.editors) == {"seed", "lr", "steps"}  # the form comes from the config
    assert "50 points" in tab.data_label.text()
    tab.run_steps(20)
    qtbot.waitUntil(lambda: tab.session.state == "idle" and tab.last_frame_step == 20, timeout=10_000)
    assert tab.loss_plot.buffers["loss"].n == 20 and tab.residual.current.shape == (5, 10)
    assert abs(tab.experiment.w[0] - 3) < 0.5
    names = {p.name for p in exported(tab, str(tmp_path / "out"))}
    assert {"loss.png", "loss.svg", "loss.csv", "residual.png", "config.json"} <= names
    tab.preset_box.setCurrentText("slow")   # a run that has taken steps keeps its settings until Reset
    assert tab.experiment.config.lr == pytest.approx(0.2)
    tab.reset()
    assert tab.session.wait_ready() and tab.experiment.config.lr == pytest.approx(0.01) and tab.experiment.steps_done == 0
    tab.shutdown()
