"""The shape of the product (docs/architecture.md), checked on its source: every import of
every module of ``prosody/`` and ``ui/``, including imports inside functions, forms no cycle and
goes only where the layers allow.

The graph is read with ``ast``, not by importing anything: an import inside a function that
runs only on one path counts as much as one at the top of a file. ``from pkg import name``
is an edge to ``pkg.name`` when that is a module of the product, else to ``pkg``. Imports under
``if TYPE_CHECKING:`` never run; they count for the layers but not for cycles.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("prosody", "ui")

#: The layers of docs/architecture.md, bottom to top. A module imports only from its own layer
#: or below; the two surfaces (the command line and the app) sit side by side on top.
ENGINE, COACHING, STORE, SURFACE = range(4)
LAYER_OF_MODULE = {
    # the engine: reading audio and measuring it
    "prosody": ENGINE, "prosody.errors": ENGINE, "prosody.util": ENGINE,
    "prosody.samples": ENGINE, "prosody.audio": ENGINE, "prosody.record": ENGINE,
    "prosody.dsp": ENGINE, "prosody.pitch": ENGINE, "prosody.timing": ENGINE,
    "prosody.loudness": ENGINE, "prosody.voice": ENGINE, "prosody.syllables": ENGINE,
    "prosody.hum": ENGINE, "prosody.analysis": ENGINE,
    # coaching: judging what was measured
    "prosody.profile": COACHING, "prosody.coach": COACHING, "prosody.compare": COACHING,
    "prosody.model": COACHING, "prosody.content": COACHING, "prosody.calmer": COACHING,
    "prosody.live": COACHING, "prosody.progress": COACHING, "prosody.feedback": COACHING,
    "prosody.live_browser": COACHING,
    "prosody.explain": COACHING,
}
LAYER_OF_PACKAGE = {"prosody.store": STORE, "prosody.cli": SURFACE, "ui": SURFACE}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def product_modules() -> dict[str, Path]:
    found = {}
    for top in PRODUCT:
        for path in sorted((ROOT / top).rglob("*.py")):
            found[module_name(path)] = path
    return found


MODULES = product_modules()


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the import nodes inside ``if TYPE_CHECKING:`` blocks."""
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                inside.update(id(n) for n in ast.walk(child))
    return inside


def _resolve(module: str, is_package: bool, level: int, target: str | None) -> str:
    if level == 0:
        return target or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def imports(module: str) -> list[tuple[str, bool, int]]:
    """(imported product module, runs at run time, line) for every import in ``module``."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    typing_only = _type_checking_nodes(tree)
    is_package = path.name == "__init__.py"
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, is_package, node.level, node.module)
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                       for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES and "." in target:
                target = target.rsplit(".", 1)[0]  # `import a.b.c` of a name inside a module
            if target in MODULES:
                out.append((target, id(node) not in typing_only, node.lineno))
    return out


GRAPH = {m: imports(m) for m in MODULES}


def layer(module: str) -> int:
    if module in LAYER_OF_MODULE:
        return LAYER_OF_MODULE[module]
    for package, level in LAYER_OF_PACKAGE.items():
        if module == package or module.startswith(package + "."):
            return level
    raise AssertionError(f"{module} has no layer: add it to LAYER_OF_MODULE in "
                         "tests/test_architecture.py and to docs/architecture.md")


def test_every_module_has_a_layer():
    for module in MODULES:
        layer(module)


def test_no_import_cycles():
    """Tarjan's strongly connected components of the run-time import graph."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(MODULES)))

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w, runtime, _ in GRAPH[v]:
            if not runtime:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            self_loop = any(w == v and rt for w, rt, _ in GRAPH[v])
            if len(component) > 1 or self_loop:
                cycles.append(sorted(component))

    for module in MODULES:
        if module not in index:
            visit(module)
    assert not cycles, f"modules that import each other (directly or round a loop): {cycles}"


def test_imports_go_down_the_layers():
    wrong = []
    for module, edges in GRAPH.items():
        for target, _, line in edges:
            a, b = layer(module), layer(target)
            if b > a:
                wrong.append(f"{module}:{line} imports {target} (a layer above it)")
    assert not wrong, "\n".join(wrong)


def test_only_the_command_line_imports_itself_and_the_app():
    wrong = []
    for module, edges in GRAPH.items():
        in_cli = module == "prosody.cli" or module.startswith("prosody.cli.")
        for target, _, line in edges:
            if target.startswith("prosody.cli") and not in_cli:
                wrong.append(f"{module}:{line} imports the command line ({target})")
            if target.split(".")[0] == "ui" and not (in_cli or module.startswith("ui")):
                wrong.append(f"{module}:{line} imports the app ({target})")
            if in_cli and target.split(".")[0] == "ui" and target != "ui.server":
                wrong.append(f"{module}:{line} imports {target}; the command line only starts "
                             "the app (ui.server)")
    assert not wrong, "\n".join(wrong)


def test_the_library_never_imports_streamlit():
    wrong = []
    for module, path in MODULES.items():
        if not module.startswith("prosody"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level
                     else [])
            wrong += [f"{module}:{node.lineno}" for n in names if n.split(".")[0] == "streamlit"]
    assert not wrong, f"streamlit imported by the library at {wrong}"


@pytest.mark.parametrize("heavy", ["librosa", "numba", "scipy", "pyworld", "sounddevice"])
def test_heavy_backends_load_only_inside_functions(heavy):
    """STYLE.md habit 7: ``import prosody`` and ``calmtone --help`` stay fast."""
    wrong = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:  # module level only
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            wrong += [f"{module}:{node.lineno}" for n in names if n.split(".")[0] == heavy]
    assert not wrong, f"{heavy} imported at module level at {wrong}"


def test_the_cold_analysis_path_loads_no_jit_compiler(tmp_path):
    """``calmtone analyze`` must start in a blink: numba (librosa's compiler) and scipy stay out
    of it, whatever the comparison and alignment code uses."""
    import numpy as np
    import soundfile as sf

    t = np.arange(32_000) / 16_000
    sf.write(tmp_path / "tone.wav", 0.3 * np.sin(2 * np.pi * 150 * t), 16_000)
    code = ("import sys, io, contextlib; from prosody.cli import main; "
            "out = io.StringIO()\n"
            "with contextlib.redirect_stdout(out): main(['analyze', '--json', 'tone.wav'])\n"
            "print(sorted(m for m in ('numba', 'librosa', 'scipy', 'llvmlite') "
            "if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
