"""The history's folder and files: where it lives, private and durable writes, and the
sentences a person reads when the disk says no.

One folder holds everything (``CALMTONE_HOME``, else the user data directory, see
:func:`data_dir`); the folder and its subfolders are private (0700), every file in them 0600::

    history.sqlite3          the database (SQLite engine)
    audio/take-....flac      the recording of each take, one FLAC file per take
    quarantine/<UTC time>/   recordings no take referred to, moved aside by a repair
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import secrets
import sqlite3
import stat
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Union

import numpy as np

from ..errors import ProsodyError

AUDIO_DIR = "audio"
#: Where a repair moves recordings that no take refers to (never deleted).
QUARANTINE_DIR = "quarantine"
#: The database file of the SQLite engine (named here for the sentences below).
DB_NAME = "history.sqlite3"
#: How long a write waits for another window or process to finish its own, in milliseconds.
BUSY_TIMEOUT_MS = 15_000

AUDIO_PREFIX = "take-"
AUDIO_SUFFIX = ".flac"
TEMP_PREFIX = ".tmp-"
AUDIO_NAME = re.compile(r"^take-\d{8}T\d{6}Z-[0-9a-f]{12}\.flac$")
QUARANTINE_README = "README.txt"
#: Owner-only permissions of the history's folders and files (POSIX).
DIR_MODE, FILE_MODE = 0o700, 0o600

PathOrFile = Union[str, "os.PathLike[str]", IO[str]]


def data_dir() -> Path:
    """The folder holding the practice history.

    ``CALMTONE_HOME`` when set; otherwise the platform's place for a user's application data:
    ``$XDG_DATA_HOME/calmtone`` or ``~/.local/share/calmtone`` on Linux,
    ``~/Library/Application Support/Calm Tone Coach`` on macOS and
    ``%LOCALAPPDATA%\\Calm Tone Coach`` on Windows.
    """
    env = os.environ.get("CALMTONE_HOME")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "Calm Tone Coach"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Calm Tone Coach"
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base / "calmtone"




def encode_flac(y: np.ndarray, sr: int) -> bytes:
    import soundfile as sf

    buf = io.BytesIO()
    # libsndfile wraps around rather than clips out-of-range floats when writing integers
    sf.write(buf, np.clip(y, -1.0, 1.0), sr, format="FLAC", subtype="PCM_16")
    return buf.getvalue()


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file only its owner may read (0600 from the start), flushed to
    disk. The file must not exist yet."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                 FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()
        raise


def publish_audio(temp: Path, final: Path) -> None:
    """Give a saved recording its final name, durably (rename, then fsync the folder)."""
    try:
        os.replace(temp, final)
    except FileNotFoundError:
        # another process's repair, opening between our commit and this rename, finished it
        if not final.is_file():
            raise
    fsync_dir(final.parent)


def create_private(path: Path) -> None:
    """Create ``path`` empty and private (0600) unless it exists: SQLite gives the -wal and
    -shm files the permissions of the database file, so they are private too."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))


#: What the history keeps in its folder: nothing else is ever touched there.
OWN_FILES = (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", f"{DB_NAME}-journal")
OWN_FOLDERS = (AUDIO_DIR, QUARANTINE_DIR)
#: Files a desktop leaves in any folder it shows: they do not make a folder someone else's.
DESKTOP_LITTER = (".DS_Store", "Thumbs.db", "desktop.ini")


def claim_home(home: Path) -> None:
    """Refuse to make a practice history in a folder that already holds other things.

    The history's folder is private (0700, every file 0600) and the app writes and deletes
    in it; pointed by mistake at a folder in use (``CALMTONE_HOME=~/Documents``, ``--db
    /etc``) it must change nothing there. A folder that does not exist yet, is empty or holds
    a history (``history.sqlite3``) is fine.

    Raises
    ------
    ProsodyError
        for a file, or a folder with other things in it, saying what to choose instead
    """
    if not os.path.lexists(home):
        return
    if not home.is_dir():
        raise ProsodyError(
            f"{home} is a file, not a folder: the practice history needs a folder of its own. "
            "Choose a new folder (CALMTONE_HOME, or --db for the command line).")
    if (home / DB_NAME).is_file():
        return
    try:
        names = [entry.name for entry in os.scandir(home)]
    except OSError as exc:
        raise storage_error(exc, "open the practice history folder", home) from exc
    others = sorted(n for n in names if n not in OWN_FILES + OWN_FOLDERS + DESKTOP_LITTER)
    if others:
        shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3
                                         else "")
        raise ProsodyError(
            f"{home} already holds other files ({shown}) and no practice history: the history "
            "needs a folder of its own, which it makes private. Nothing was changed. Choose a "
            "new or empty folder (CALMTONE_HOME, or --db for the command line).")


def make_private(home: Path) -> None:
    """Tighten the history's folders to 0700 and its files to 0600 where they are looser and
    this account owns them (a history made by an older version, or copied in).

    Only what the history itself keeps there is touched (``OWN_FILES``, ``OWN_FOLDERS``; see
    :func:`claim_home`). A home folder that is already 0700 lets no one else reach anything
    inside it, so its contents are only walked when it was looser: an open of a large history
    costs one stat.
    """
    if os.name != "posix":
        return
    uid = os.getuid()

    def tighten(path: str, mode: int) -> bool:
        """Set ``mode`` if the path is ours and looser; True when it was looser."""
        with contextlib.suppress(OSError):
            st = os.lstat(path)
            if st.st_uid == uid and not stat.S_ISLNK(st.st_mode) and st.st_mode & 0o777 & ~mode:
                os.chmod(path, mode)
                return True
        return False

    if not tighten(str(home), DIR_MODE):
        return
    for name in OWN_FILES:
        tighten(str(home / name), FILE_MODE)
    for own in OWN_FOLDERS:
        tighten(str(home / own), DIR_MODE)
        for folder, dirs, files in os.walk(home / own):  # symbolic links are not followed
            for name in dirs:
                tighten(os.path.join(folder, name), DIR_MODE)
            for name in files:
                tighten(os.path.join(folder, name), FILE_MODE)


def check_output(path, *, home: Path | None = None, inputs: Sequence = ()) -> None:
    """Refuse an output file that would overwrite the practice history (anything in its
    folder: the database, a saved recording) or one of the ``inputs`` it is made from.

    ``home`` is the history's folder (default: :func:`data_dir`). Devices (``/dev/null``,
    ``/dev/stdout``) are fine.

    Raises
    ------
    ProsodyError
        saying which file it would have overwritten and what to do
    """
    out = Path(path).expanduser()
    try:
        target = out.resolve()
        folder = (home if home is not None else data_dir()).expanduser().resolve()
    except (OSError, RuntimeError):
        return  # a path that cannot be resolved cannot be written either: the write says why
    if target == folder or folder in target.parents:
        raise ProsodyError(
            f"{path} is inside the practice history folder ({folder}): writing there could "
            "overwrite your saved takes, so nothing was written. Choose a file elsewhere, for "
            "example in your Documents folder.")
    for source in inputs:
        with contextlib.suppress(OSError):
            if out.exists() and os.path.samefile(out, source):
                raise ProsodyError(
                    f"{path} is the recording you gave as input: writing over it would lose "
                    "the original, so nothing was written. Choose another file name.")


def check_new_file(path) -> None:
    """Refuse to write over a file that is already there (a recording the user keeps): the
    commands that write audio replace one only when told to (``--overwrite``). Devices
    (``/dev/null``) and missing files are fine.

    Raises
    ------
    ProsodyError
        naming the file and how to replace it or keep it
    """
    out = Path(path).expanduser()
    if out.is_file():
        raise ProsodyError(
            f"{path} already exists, so nothing was written over it. Choose another file name, "
            "or add --overwrite to replace it.")


def quarantine_readme(home: Path, folder: Path, moved: Sequence[str]) -> str:
    listed = "\n".join(f"  {name}" for name in moved)
    return (
        "Calm Tone Coach moved these recordings here; nothing was deleted.\n\n"
        f"When the practice history in {home} was opened, no take in its database referred to "
        "them. That happens when history.sqlite3 is replaced by an older copy or its -wal file "
        "is lost.\n\n"
        "To put them back: close the app, put back the copy of history.sqlite3 that lists them, "
        "then run `calmtone history restore`. To keep them as new takes of a person instead: "
        "`calmtone history restore --adopt NAME`. If you do not need them, delete this folder.\n\n"
        f"Recordings ({len(moved)}):\n{listed}\n")


def fsync_dir(folder: Path) -> None:
    if os.name != "posix":  # Windows makes a rename durable without it
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_FULL_ERRNOS = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
_READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}
_SQLITE_READONLY, _SQLITE_FULL, _SQLITE_PERM, _SQLITE_CANTOPEN = 8, 13, 3, 14
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_CORRUPT, _SQLITE_NOTADB = 5, 6, 11, 26


def sqlite_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    return None if code is None else code & 0xFF


def is_read_only(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in _READ_ONLY_ERRNOS
    if isinstance(exc, sqlite3.Error):
        code = sqlite_code(exc)
        text = str(exc).lower()
        return code in (_SQLITE_READONLY, _SQLITE_PERM) or "readonly" in text
    return False


def read_only_message(home: Path, doing: str) -> str:
    return (f"could not {doing}: the practice history folder {home} is read-only (or you may "
            "not write to it), so nothing was saved. Your earlier takes are safe. Make the "
            "folder writable, or set CALMTONE_HOME to a folder you can write to.")


def storage_error(exc: BaseException, doing: str, home: Path) -> ProsodyError:
    """A sentence a person can act on, for an OS or SQLite failure."""
    text = str(exc).lower()
    code = sqlite_code(exc) if isinstance(exc, sqlite3.Error) else None
    if (isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS) or code == _SQLITE_FULL or (
            code is None and "full" in text):
        return ProsodyError(
            f"could not {doing}: the disk holding {home} is full, so nothing was saved. Your "
            "earlier takes are safe. Free some space (or delete old takes) and try again.")
    if is_read_only(exc):
        return ProsodyError(read_only_message(home, doing))
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED) or "locked" in text:
        return ProsodyError(
            f"could not {doing}: another Calm Tone Coach window kept the practice history busy "
            f"for more than {BUSY_TIMEOUT_MS // 1000} s. Nothing was lost; try again.")
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or "malformed" in text:
        return ProsodyError(
            f"could not {doing}: {home / DB_NAME} is damaged or is not a practice history. "
            "Restore it from a backup, or move it aside to start a new history.")
    if code == _SQLITE_CANTOPEN or isinstance(exc, FileNotFoundError):
        return ProsodyError(
            f"could not {doing}: {home} cannot be opened (is the folder there, and may you "
            "read and write it?).")
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return ProsodyError(f"could not {doing} in {home}: {reason}. Earlier takes are safe.")


@contextlib.contextmanager
def text_out(dest: PathOrFile, home: Path) -> Iterator[IO[str]]:
    """A text stream for an export: the file object given, or a file written atomically."""
    if hasattr(dest, "write"):
        yield dest  # type: ignore[misc]
        return
    out = Path(dest)
    check_output(out, home=home)
    if out.exists() and not out.is_file():
        # a device, a pipe or a socket (/dev/null, /dev/stdout, a FIFO): written in place; an
        # atomic rename would put a plain file where the device was (as root, /dev/null itself)
        try:
            with open(out, "w", encoding="utf-8", newline="") as f:
                yield f
        except OSError as exc:
            raise storage_error(exc, f"write {out}", out.parent) from exc
        return
    temp = out.with_name(f".{out.name}.{secrets.token_hex(4)}.tmp")
    try:
        # private from the start, like everything the history writes
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with open(fd, "w", encoding="utf-8", newline="") as f:
            yield f
        os.replace(temp, out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise storage_error(exc, f"write {out}", out.parent) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
