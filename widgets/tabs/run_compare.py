"""The run list beside a tab's controls (``widgets.run_list``) and what it does to the tab's plots:
shown runs drawn dashed on every live curve plot, smoothing, reopening a run, and the run that a
Reset ended shown at once so the new run compares with it. A mixin of
:class:`~widgets.tabs.base.ExperimentTab` (``session``, ``message``, ``view_area``, ``experiment``)."""

from pathlib import Path

from lab.experiments.base import config_to_dict
from lab.runs.store import read_metrics

from ..background import BackgroundCall
from ..plots.live_curves import LiveCurves
from ..run_list import RunList
from ..sweep_dialog import SweepDialog


class RunCompare:
    show_previous_run = True   # a Reset shows the run it ended (pages that compare runs themselves: False)

    def init_run_list(self):
        self.run_list = RunList(self.experiment_cls.name)
        self.run_list.shown_changed.connect(self._draw_runs)
        self.run_list.smoothing_changed.connect(self._set_smoothing)
        self.run_list.x_axis_changed.connect(self._set_x_axis)
        self.run_list.reopen_requested.connect(self.reopen_run)
        self.run_list.sweep_requested.connect(lambda: self.open_sweep())
        self.sweep_dialog = None
        self.session.diverged.connect(self._offer_gentler)
        self._gentler_after_reopen = False
        self.session.recorded.connect(lambda _folder: self._mark_live())
        self._run_entries, self._smoothing, self._x_axis = [], 0.0, "step"
        self._history = BackgroundCall(self)
        self._history.ready.connect(self._replay_history)
        return self.run_list

    def live_plots(self):
        return self.view_area.findChildren(LiveCurves) if self._views_built else []

    def _mark_live(self):
        exp = self.experiment
        self.run_list.set_live(self.session.run_folder, config_to_dict(exp.config) if exp is not None else {})

    def runs_replaced(self):
        """A new experiment: the run list marks it live and shows the run it replaced."""
        self._mark_live()
        prev = self.session.previous_run
        if prev is not None and self.show_previous_run:
            self.run_list.show_run(prev)
        for p in self.live_plots():
            p.set_smoothing(self._smoothing)
            p.set_x_axis(self._x_axis)
            p.show_runs(self._run_entries)

    def _draw_runs(self, entries):
        self._run_entries = entries
        for p in self.live_plots():
            p.show_runs(entries)

    def _set_smoothing(self, weight):
        self._smoothing = weight
        for p in self.live_plots():
            p.set_smoothing(weight)

    def open_sweep(self):
        """The sweep dialog, starting from the form's settings (one dialog per tab, kept between uses)."""
        cfg = self.form_config()
        if cfg is None:
            return None
        if self.sweep_dialog is None or not self.sweep_dialog.running:
            if self.sweep_dialog is not None:
                self.sweep_dialog.deleteLater()
            self.sweep_dialog = SweepDialog(self.experiment_cls, cfg, parent=self)
            self.sweep_dialog.run_finished.connect(self.run_list.refresh)
        self.sweep_dialog.show()
        self.sweep_dialog.raise_()
        return self.sweep_dialog

    def _set_x_axis(self, mode):
        self._x_axis = mode
        for p in self.live_plots():
            p.set_x_axis(mode)

    def reopen_run(self, folder):
        """Continue a recorded run from its checkpoint, recording into the same run; its curves so
        far are drawn first."""
        ckpt = Path(folder) / "checkpoint.npz"
        if not ckpt.exists():
            self.message.show_message(f"{folder}: this run has no checkpoint yet (it ended before its first save).")
            return False
        return self.load_checkpoint(str(ckpt), run_folder=folder)

    # ------------------------------------------------------------------ a run that diverged
    def _offer_gentler(self, error):
        """The run paused at a non-finite value: offer to go on with the learning rates ÷ 10, from
        where it stopped (the state is good) or from the run's last checkpoint."""
        folder = self.session.run_folder
        ckpt = Path(folder) / "checkpoint.npz" if folder is not None else None
        if error.state_good:
            action = ("Resume with learning rate ÷ 10", self.resume_gentler)
        elif ckpt is not None and ckpt.exists():
            action = ("Resume from the last checkpoint, learning rate ÷ 10", lambda: self._reopen_gentler(folder))
        else:
            action = None
        text = (f"{error}. The run is paused." + ("" if action else
                " No checkpoint was saved before it: lower the learning rate and press Reset."))
        self.message.show_message(text, action=action)

    def resume_gentler(self, factor=0.1):
        """Scale every learning rate of the paused run by ``factor`` and go on."""
        if self.experiment is None or self.session.state == "running":
            return False
        with self.session.locked() as exp:
            changed = exp.scale_learning_rates(factor)
        self.controls.show_config(self.experiment.config)
        self.status.emit(f"Learning rates × {factor:g} ({', '.join(changed) or 'optimizers'}): resuming")
        return self.session.start()

    def _reopen_gentler(self, folder):
        self._gentler_after_reopen = True
        self.reopen_run(folder)

    def after_reopen(self, folder):
        self.session.record_into(folder)
        self.run_list.show_run(folder, on=False)
        self._mark_live()
        self._history.request(read_metrics, folder)
        if self._gentler_after_reopen:
            self._gentler_after_reopen = False
            self.resume_gentler()

    def _replay_history(self, metrics):
        steps = sorted({s for ss, _, _ in metrics.values() for s in ss})
        rows = {s: {} for s in steps}
        for name, (ss, vs, _) in metrics.items():
            for s, v in zip(ss, vs):
                rows[s][name] = v
        for p in self.live_plots():
            p.append_rows(sorted(rows.items()))
