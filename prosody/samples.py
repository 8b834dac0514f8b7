"""Where the shipped data is, and how it is read: the one resolver of ``samples/``.

``samples/`` holds the phrase library, the exercises, the coaching profiles and the demo takes
(see ``samples/README.md``). In a checkout (and an editable install) it is the folder beside
``prosody/``; a wheel carries the same files as the package data ``prosody/data/`` (mapped in
``pyproject.toml``), so ``pip install .`` works from any folder. Every module that needs one
of these files asks :func:`sample_path`.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from .errors import ProsodyError

_HERE = Path(__file__).resolve().parent
#: Where to look, in order: the wheel's package data, then the checkout's folder.
_CANDIDATES = (_HERE / "data", _HERE.parent / "samples")
#: A file every copy of the samples has: how a candidate folder is recognised.
_MARKER = "phrases.toml"


@cache
def samples_dir() -> Path:
    """The folder holding the shipped samples (``phrases.toml``, ``profiles/``, ``audio/``).

    The installed package data when it is there, else the checkout's ``samples/`` (where a
    missing file is then reported by whoever reads it, with its path).
    """
    for folder in _CANDIDATES:
        if (folder / _MARKER).is_file():
            return folder
    return _CANDIDATES[-1]


def sample_path(*parts: str) -> Path:
    """A path inside the samples folder, e.g. ``sample_path("profiles", "soothing.toml")``."""
    return samples_dir().joinpath(*parts)


def read_toml(path: str | Path, what: str) -> Mapping:
    """Read and parse a TOML file; ``what`` names it in messages ("profile", "phrase library").

    Raises
    ------
    ProsodyError
        when the file cannot be read or is not valid TOML; the message names the file
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProsodyError(f"cannot read the {what} {path}: {exc.strerror or exc}.") from exc
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10 only
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProsodyError(f"the {what} {path} is not valid TOML: {exc}.") from exc
