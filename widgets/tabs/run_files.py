"""What a tab writes and reads besides its data: "Export all figures" (figures drawn here, the run's
own files and the image panels' timelapses written in a pool thread), and saving and loading
checkpoints (loading in the loader's thread). A mixin of :class:`~widgets.tabs.base.ExperimentTab`, which provides ``session``,
``settings``, ``message``, ``controls``, ``png_width``, ``ready`` and ``figures()``."""

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog

from lab.experiments import load_checkpoint, save_checkpoint
from lab.atomic import write_bytes
from lab.experiments.base import config_to_dict
from lab.export.tables import write_json
from lab.export.timelapse import FrameKeeper, write_gif, write_mp4
from lab.runs.script import write_script

from ..background import BackgroundCall
from ..figures import export_figure, slug
from ..plots.images import ImagePanel


class RunFiles:
    exported = Signal(list)  # every file an "Export all" wrote, once it is done

    def image_panels(self):
        """The tab's image panels (found once its views exist), each with a ``timelapse`` FrameKeeper."""
        panels = self.__dict__.get("_image_panels")
        if panels is None and self._views_built:
            panels = self._image_panels = self.view_area.findChildren(ImagePanel)
            for p in panels:
                p.timelapse = FrameKeeper()
        return panels or []

    def keep_frames(self, step):
        """After a frame is drawn: every image panel whose image changed keeps it for its timelapse."""
        for p in self.image_panels():
            if p.current is not None and p.current is not p.timelapse.last_source:
                lo, hi = p.levels
                p.timelapse.offer(step, p.current, lo, hi)

    def extra_timelapses(self):
        """[(name, frames, label)] of other views a tab keeps frames of (e.g. a slider's views)."""
        return []

    def clear_frames(self):
        for p in self.image_panels():
            p.timelapse.clear()

    def init_run_files(self):
        self._export_call = BackgroundCall(self)
        self._export_call.ready.connect(self._on_exported)
        self._export_call.failed.connect(lambda msg: (self.message.show_message(f"Export failed: {msg}"),
                                                      self.exported.emit([])))

    def _ask_folder(self, title):
        start = self.settings.value("folders/export", str(Path.home()))
        folder = QFileDialog.getExistingDirectory(self, title, start)
        if folder:
            self.settings.setValue("folders/export", folder)
        return folder

    def export_all(self, folder=None):
        """Every figure (PNG/SVG/CSV, drawn here: they render widgets), then config.json and the
        experiment's own files (DICOM series, tables; written off the GUI thread, holding the worker
        between steps). Returns the figure files; ``exported`` brings every file when it is done."""
        if not self.ready:
            if self.session.busy:
                self.message.show_message("The data are still being read: export when they are loaded.")
            return []
        folder = folder or self._ask_folder("Export all figures to")
        if not folder:
            return []
        self.settings.setValue("export/png_width", self.png_width.value())
        self.settings.setValue("export/dpi", self.export_box.dpi.value())
        written = []
        self.pacer.finish()  # a frame half drawn is drawn in full first
        try:
            for w in self.figures():
                written += export_figure(w, folder, width=self.png_width.value(), dpi=self.export_box.dpi.value())
        except OSError as e:
            self.message.show_message(f"Export to {folder} failed: {e.strerror or e}. Nothing else was changed.")
            self.exported.emit(written)
            return written
        self.message.show_message(f"Exported {len(written)} figures to {folder}; writing the run's files…", error=False)
        lapses = [(slug(p.export_name), list(p.timelapse.frames), "step") for p in self.image_panels()
                  if len(p.timelapse.frames) >= 2] + self.extra_timelapses()
        self._export_call.request(self._export_run_files, self.session, Path(folder), written, lapses)
        return written

    @staticmethod
    def _export_run_files(session, folder, written, lapses=()):  # runs in a pool thread
        try:
            for name, frames, label in lapses:  # timelapses of the image panels, from the frames they kept
                written = written + [write_gif(folder / f"{name}-timelapse.gif", frames, label=label)]
                mp4 = write_mp4(folder / f"{name}-timelapse.mp4", frames, label=label)
                written += [mp4] if mp4 else []
            with session.locked() as exp:
                write_json(folder / "config.json", config_to_dict(exp.config))
                script = write_script(folder / "reproduce.py", exp)
                written = written + [folder / "config.json", script] + list(exp.export_files(folder))
        except OSError as e:
            return written, f"Export to {folder} failed: {e.strerror or e}. The figures were written; nothing else."
        RunFiles._keep_in_run(session.run_folder, written)
        return written, ""

    @staticmethod
    def _keep_in_run(run_folder, written):
        """The run's record keeps a copy of its exported figures (``figures/`` in its folder)."""
        if run_folder is None:
            return
        for f in written:
            f = Path(f)
            if f.is_file() and f.suffix in (".png", ".svg", ".pdf", ".csv", ".gif", ".mp4"):
                try:
                    write_bytes(Path(run_folder) / "figures" / f.name, f.read_bytes())
                except OSError:
                    return  # the export itself went through; the run's copy is a convenience

    def _on_exported(self, result):
        written, error = result
        if error:
            self.message.show_message(error)
        else:
            self.message.show_message(f"Exported {len(written)} files to {written[-1].parent if written else ''}",
                                      error=False)
        self.exported.emit(written)

    def save_checkpoint(self, path=None):
        if not self.ready:
            if self.session.busy:
                self.message.show_message("The data are still being read: save the checkpoint when they are loaded.")
            return None
        if path is None:
            start = self.settings.value("folders/export", str(Path.home()))
            path, _ = QFileDialog.getSaveFileName(self, "Save checkpoint", str(Path(start) / "checkpoint.npz"),
                                                  "Checkpoints (*.npz)")
            if not path:
                return None
        try:
            with self.session.locked() as exp:
                p = save_checkpoint(exp, path)
                write_json(Path(path).with_suffix(".json"), config_to_dict(exp.config))
        except OSError as e:
            self.message.show_message(f"Could not save the checkpoint to {path}: {e.strerror or e}")
            return None
        self.message.show_message(f"Checkpoint saved: {p} (step {self.experiment.steps_done})", error=False)
        return p

    def load_checkpoint(self, path=None, run_folder=None):
        """Read a checkpoint (off the GUI thread) and continue from it; True when reading started.
        ``run_folder``: the recorded run it belongs to (the run goes on there)."""
        if path is None:
            start = self.settings.value("folders/export", str(Path.home()))
            path, _ = QFileDialog.getOpenFileName(self, "Load checkpoint", start, "Checkpoints (*.npz)")
            if not path:
                return False

        def done(ok):
            if ok:
                exp = self.experiment
                self.controls.show_config(exp.config)
                self.after_checkpoint_loaded()
                if run_folder is not None:
                    self.after_reopen(run_folder)
                self.message.show_message(f"Checkpoint loaded: {path} (step {exp.steps_done})", error=False)
        return self.session.replace(lambda: load_checkpoint(path, self.experiment_cls.name),
                                    f"Reading checkpoint {path}", then=done)
