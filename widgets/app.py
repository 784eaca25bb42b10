"""Start the app: ``numpy-lab [--tab NAME] [--steps N --screenshot FILE.png] [--install-desktop-entry]``.

``--steps N`` runs N steps through the tab's real worker; ``--screenshot FILE`` then lets the
GUI draw, saves a picture of the whole window and exits 0 (works with QT_QPA_PLATFORM=offscreen).
"""

import argparse
import sys
import time


def build_parser():
    p = argparse.ArgumentParser(prog="numpy-lab", description="NumPy Lab: watch neural networks written "
                                "from scratch in NumPy learn, live, on real data.")
    p.add_argument("--tab", help="tab to open by name (eigen, ct, gan, gif, …; an unknown name lists them)")
    p.add_argument("--steps", type=int, default=0, help="run this many steps at start-up")
    p.add_argument("--screenshot", metavar="FILE.png",
                   help="after --steps, save a screenshot of the window and exit")
    p.add_argument("--preset", help="preset of the tab opened with --tab (before --data and --steps)")
    p.add_argument("--data", help="data file or folder for the tab opened with --tab")
    p.add_argument("--install-desktop-entry", action="store_true",
                   help="install the desktop launcher and icon for this user, then exit")
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.install_desktop_entry:
        from .desktop import install_desktop_entry
        for path in install_desktop_entry():
            print(f"installed {path}")
        return 0

    from PySide6.QtCore import QThreadPool, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("NumPyLab")
    app.setApplicationName("numpy-lab")
    app.setDesktopFileName("numpy-lab")

    from .main_window import MainWindow
    from .resources import app_icon

    app.setWindowIcon(app_icon())
    win = MainWindow()
    if args.tab:
        if args.tab not in win.tab_names():
            print(f"error: no tab {args.tab!r}; tabs: {', '.join(win.tab_names())}", file=sys.stderr)
            return 2
        win.show_tab(args.tab)
    tab = win.current_page()
    if args.preset:
        if args.preset not in tab.experiment_cls.presets:
            print(f"error: no preset {args.preset!r}; presets: {', '.join(tab.experiment_cls.presets)}", file=sys.stderr)
            return 2
        tab.preset_box.setCurrentText(args.preset)
    if args.data:
        tab.session.failed.connect(lambda message: print(f"error: {message}", file=sys.stderr))
        tab.open_data(args.data)
    if args.screenshot:
        win.resize(1500, 920)  # the same picture whatever size the window was left at
    win.show()

    exit_code = 0
    if args.screenshot:
        def shoot():
            tab.session.wait_ready(300_000)  # the data are read in the loader's thread
            pool, deadline = QThreadPool.globalInstance(), time.monotonic() + 120
            while pool.activeThreadCount() and time.monotonic() < deadline:   # views computed in the
                app.processEvents()                                           # background (e.g. the CT
                time.sleep(0.02)                                              # tab's baselines) arrive
            app.processEvents()
            ok = win.grab().save(args.screenshot)
            if not ok:
                print(f"error: could not write {args.screenshot}", file=sys.stderr)
            nonlocal exit_code
            exit_code = 0 if ok else 1
            win.close()

        def after_run():
            QTimer.singleShot(400, shoot)  # let the last frame draw

        if args.steps > 0 and tab.ensure_experiment():
            tab.worker.finished.connect(after_run)
            tab.run_steps(args.steps)
        else:  # nothing to run (or its data could not be used: the banner says why, and is in the picture)
            QTimer.singleShot(800, shoot)
    elif args.steps > 0 and tab.ensure_experiment():
        tab.session.run_steps(args.steps, then="pause")
    rc = app.exec()
    return exit_code or rc


if __name__ == "__main__":
    sys.exit(main())
