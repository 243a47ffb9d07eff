"""The window's file commands: New, Open, Save, Save As, Open Recent, and the last session at launch.

Each asks about unsaved changes first where it would lose them (when the window's ``ask_to_save`` is on),
names a file it cannot open or write in one message box, and changes nothing then.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtWidgets

from ...core.budget import WorkBudgetError
from ...core.experiment import NetworkFileError
from ...core.format import one_line
from ...names import DEFAULT_PRESET
from ..settings import MAX_RECENT_FILES


class FileCommands:
    """File > New, Open, Save, Save As and Open Recent for ``window`` (a ``MainWindow``).

    ``stored`` (a ``settings.StoredSettings``, or None) keeps the recent files and the last session.
    """

    def __init__(self, window, stored):
        self._window = window
        self._bridge = window.bridge
        self._stored = stored
        #: File > Open Recent's paths, newest first.
        self._recent: list[str] = stored.recent_files() if stored is not None else []
        #: The menu File > Open Recent fills (given by ``attach_menu``).
        self._menu: QtWidgets.QMenu | None = None
        #: Whether a training run is under way (between sigTrainingStarted and sigTrainingFinished).
        self.training_running = False

    def start_folder(self) -> Path:
        """Where a file dialog starts: the current file's folder, else the newest recent file's, else the
        home folder (not the folder the program happened to be started from)."""
        current = self._shot.file_path
        for path in ([current] if current is not None else []) + [Path(p) for p in self._recent]:
            if path.parent.is_dir():
                return path.parent.absolute()
        return Path.home()

    def _status(self, text: str, ms: int) -> None:
        self._window.statusBar().showMessage(text, ms)

    @property
    def _shot(self):
        return self._window.snapshot

    def confirm_discard(self, doing: str) -> bool:
        """Ask whether to save unsaved changes before ``doing`` ("opening a file"): True to go on.

        Save saves (Save As when there is no file yet; False if that is cancelled or fails), Discard goes
        on, Cancel stops. Nothing is asked when nothing is unsaved or ``ask_to_save`` is off.
        """
        window = self._window
        # The window's modified mark is the snapshot's dirty flag; a running training counts.
        if not window.ask_to_save or not (window.isWindowModified() or self.training_running):
            return True
        path = self._shot.file_path
        name = path.name if path is not None else self._shot.experiment.name
        buttons = QtWidgets.QMessageBox.StandardButton
        answer = QtWidgets.QMessageBox.question(
            window, "Unsaved changes",
            f"{name} has changes that are not saved: the pass moved, or the network or a setting changed. "
            f"Save them before {doing}?",
            buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save,
        )  # fmt: skip
        if answer == buttons.Save:
            return self.save()
        return answer == buttons.Discard

    def new_session(self, preset: str = DEFAULT_PRESET) -> bool:
        """File > New: a new session on ``preset`` (after asking about unsaved changes)."""
        if not self.confirm_discard("starting a new session"):
            return False
        self._bridge.new_session(preset)
        return True

    def switch_preset(self, name: str) -> bool:
        """The Preset box: a new session on the preset ``name``; cancelled, the box shows the network again."""
        if not self.confirm_discard(f"switching to {name}"):
            self._window.controls.show_experiment(self._shot.experiment)
            return False
        self._bridge.new_session(name)
        return True

    def open_file(self, path: str | None = None, ask: bool = True) -> bool:
        """File > Open: a session file (restored exactly as saved) or a network file (at its start).

        A file that cannot be opened is named in one message box and changes nothing.
        """
        if ask and not self.confirm_discard("opening another file"):
            return False
        if not path:
            start = str(self.start_folder())
            path, _ = QtWidgets.QFileDialog.getOpenFileName(
                self._window, "Open a session or network file", start, "Session and network files (*.json);;All files (*)"
            )
            if not path:
                return False
        opened_lab = self._window.lab.open_lab_file(path)  # a lab session opens in the training lab
        if opened_lab is not None:
            return opened_lab
        try:
            is_session = self._bridge.open_session(path)
        except (NetworkFileError, WorkBudgetError) as exc:
            QtWidgets.QMessageBox.warning(self._window, "Cannot open this network", f"{Path(path).name} was not opened: {exc}")
            return False
        self._remember(path, is_session)
        self._status(f"Opened the {'session' if is_session else 'network file'} {path}", 5000)
        return True

    def save(self) -> bool:
        """File > Save: to the current session file, else as Save As asks."""
        path = self._shot.file_path
        return self.save_as(str(path)) if path is not None else self.save_as()

    def save_as(self, path: str | None = None) -> bool:
        """File > Save As: write the session (the network and what is on screen) to ``path`` or a chosen file.

        A network a file cannot hold (non-finite, beyond the file limits) is refused in one message box
        naming the value, and nothing is written.
        """
        window = self._window
        if not path:
            current = self._shot.file_path
            suggested = str(current) if current is not None else str(self.start_folder() / f"{self._shot.experiment.name}.json")
            path, _ = QtWidgets.QFileDialog.getSaveFileName(window, "Save the session", suggested, "Session files (*.json)")
            if not path:
                return False
        try:
            self._bridge.save_session(path)
        except NetworkFileError as exc:
            QtWidgets.QMessageBox.warning(window, "Cannot save the session", f"Nothing was written to {Path(path).name}. {exc}")
            return False
        except OSError as exc:
            QtWidgets.QMessageBox.warning(window, "Cannot save the network", f"Could not write {path}: {exc.strerror or exc}")
            return False
        self._remember(path, True)
        self._status(f"Saved {path}", 5000)
        return True

    def open_at_launch(self, path) -> bool:
        """Open ``path`` given on the command line; a bad file leaves the window as it is, with a message box."""
        return self.open_file(str(path), ask=False)

    def reopen_last_session(self) -> bool:
        """Reopen the session on screen when the window last closed.

        Whatever goes wrong (an unreadable or missing file, a newer format, any error while restoring), the
        window stays on the default preset and says so in one status-bar line naming the file, which is
        left as it is.
        """
        if self._stored is None:
            return False
        path = self._stored.last_session()
        self._window.show_settings_problems()
        if path is None:
            return False
        try:
            self._bridge.open_session(path)
        except Exception as exc:  # noqa: BLE001 -- a last session must never stop the app from starting
            if not isinstance(exc, (NetworkFileError, WorkBudgetError)):  # it may have stopped half-way
                self._bridge.new_session(DEFAULT_PRESET)
            self._stored.set_last_session(None)
            reason = one_line(str(exc) or type(exc).__name__)
            shown = self._shot.experiment.name
            self._status(f"Could not reopen the last session {one_line(path)} ({reason}); this is the {shown} preset.", 30000)
            return False
        self._remember(path, True)
        return True

    # ------------------------------------------------------------------------------------------ recent files

    def recent_files(self) -> list[str]:
        """File > Open Recent's paths, newest first."""
        return list(self._recent)

    def clear_recent_files(self) -> None:
        self._set_recent([])

    def _set_recent(self, paths: list[str]) -> None:
        self._recent = paths
        if self._stored is not None:
            self._stored.set_recent_files(paths)
        self.update_recent_menu(prune=False)

    def _remember(self, path, is_session: bool) -> None:
        text = str(Path(path).absolute())
        if is_session and self._stored is not None:
            self._stored.set_last_session(text)
        self._set_recent([text, *(p for p in self._recent if p != text)][:MAX_RECENT_FILES])

    def attach_menu(self, menu: QtWidgets.QMenu, clear_action) -> None:
        """Fill ``menu`` (File > Open Recent) now and each time it opens, ending with ``clear_action``."""
        self._menu, self._clear_action = menu, clear_action
        menu.aboutToShow.connect(self.update_recent_menu)
        self.update_recent_menu(prune=False)

    def update_recent_menu(self, prune: bool = True) -> None:
        """Rebuild File > Open Recent; ``prune`` drops files that are gone, saying which in the status bar."""
        if prune:
            missing = [p for p in self._recent if not Path(p).is_file()]
            if missing:
                self._set_recent([p for p in self._recent if p not in missing])
                self._status(f"Removed from Open Recent, no longer there: {', '.join(Path(p).name for p in missing)}", 8000)
                return
        menu = self._menu
        if menu is None:
            return
        menu.clear()
        for number, path in enumerate(self._recent, start=1):
            action = menu.addAction(f"&{number} {Path(path).name}")
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda checked=False, p=path: self.open_recent(p))
        if not self._recent:
            menu.addAction("No recent files").setEnabled(False)
        menu.addSeparator()
        menu.addAction(self._clear_action)
        self._clear_action.setEnabled(bool(self._recent))

    def open_recent(self, path: str) -> bool:
        """Open a recent file; one that cannot be opened any more leaves the list."""
        if not self.confirm_discard("opening another file"):
            return False
        if self.open_file(path, ask=False):
            return True
        self._set_recent([p for p in self._recent if p != path])
        return False

    def store(self) -> None:
        """Keep the recent files and the session on screen for the next launch (at close)."""
        if self._stored is not None:
            self._stored.set_recent_files(self._recent)
            self._stored.set_last_session(self._shot.file_path)
