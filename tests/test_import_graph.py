"""No import circle anywhere in gradviz, imports inside functions included.

Every module under gradviz/ is parsed with ``ast``; every Import and ImportFrom node at any depth (module
level, in functions, in classes, under ``if``) becomes an edge, relative imports resolved. Any cycle fails
the test, named module by module.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "gradviz"


def module_names(package_dir: Path) -> dict[str, Path]:
    """Every module of the package at ``package_dir``, by dotted name (a package by its own name)."""
    root = package_dir.name
    modules = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join([root, *parts])] = path
    return modules


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module a (possibly relative) ``from ... import`` names."""
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    if not is_package:
        base = base[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_edges(package_dir: Path) -> dict[str, set[str]]:
    """For each module, the modules of the same package it imports anywhere in its source."""
    modules = module_names(package_dir)
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, is_package, node)
                # `from a import b` imports a, and a.b too when b is a module.
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            for target in targets:
                # Importing a.b.c runs a and a.b first: they count unless the importer is inside them.
                parts = target.split(".")
                for depth in range(1, len(parts) + 1):
                    prefix = ".".join(parts[:depth])
                    if prefix in modules and prefix != name and not name.startswith(prefix + "."):
                        edges[name].add(prefix)
    return edges


def find_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Each import cycle once, as the list of modules around it (first module repeated at the end)."""
    # Tarjan's strongly connected components; a component of two or more modules holds a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return [_cycle_through(component, edges) for component in components]


def _cycle_through(component: list[str], edges: dict[str, set[str]]) -> list[str]:
    """One concrete cycle inside a strongly connected component, from its first module back to it."""
    start, members = component[0], set(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:  # breadth first: the shortest way round
        following = []
        for node in frontier:
            for nxt in sorted(edges[node] & members):
                if nxt == start:
                    return paths[node] + [start]
                if nxt not in paths:
                    paths[nxt] = paths[node] + [nxt]
                    following.append(nxt)
        frontier = following
    raise AssertionError(f"no cycle through {start}")  # a component of two or more always has one


def describe(cycles: list[list[str]]) -> str:
    return "; ".join(" → ".join(cycle) for cycle in cycles)


# ---------------------------------------------------------------------------------------------- gradviz


def test_gradviz_has_no_import_cycle():
    edges = import_edges(PACKAGE_DIR)
    assert len(edges) > 30, "every module of gradviz was found"
    cycles = find_cycles(edges)
    assert cycles == [], f"import cycles in gradviz: {describe(cycles)}"


def test_the_exporter_is_a_leaf():
    edges = import_edges(PACKAGE_DIR)
    assert "gradviz.ui.theme" in edges["gradviz.export"]  # the graph sees its imports
    assert {"gradviz.export_options", "gradviz.export_svg"} <= reachable(edges, "gradviz.export")
    forbidden = {"gradviz.ui.app", "gradviz.ui.main_window", "gradviz.headless", "gradviz.ui.export_dialog"}
    assert reachable(edges, "gradviz.export") & forbidden == set()


def reachable(edges: dict[str, set[str]], start: str) -> set[str]:
    """Every module ``start`` imports, directly or through others."""
    seen, todo = set(), [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_the_core_imports_no_file_format_and_no_window():
    edges = import_edges(PACKAGE_DIR)
    core = sorted(name for name in edges if name.startswith("gradviz.core."))
    assert "gradviz.files.session_file" in edges and "gradviz.core.session" in core  # the graph sees both sides
    assert "gradviz.core.session" in reachable(edges, "gradviz.files.session_file")  # the formats import the core
    for name in core:
        outside = sorted(m for m in reachable(edges, name) if m.startswith(("gradviz.files", "gradviz.ui", "gradviz.cli")))
        assert outside == [], f"{name} imports {', '.join(outside)}"


# ---------------------------------------------------------------------------------------------- the checker


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    return root


def test_the_checker_finds_a_cycle_through_an_import_inside_a_function(tmp_path):
    root = _package(tmp_path, {
        "__init__.py": "",
        "a.py": "from .b import helper\n",
        "b.py": "def helper():\n    from . import a\n    return a\n",
        "c.py": "import pkg.a\n",
    })  # fmt: skip
    edges = import_edges(root)
    assert edges["pkg.a"] == {"pkg.b"}
    assert edges["pkg.b"] == {"pkg.a"}
    assert edges["pkg.c"] == {"pkg.a"}
    cycles = find_cycles(edges)
    assert cycles == [["pkg.a", "pkg.b", "pkg.a"]]
    assert describe(cycles) == "pkg.a → pkg.b → pkg.a"


def test_the_checker_resolves_parent_relative_imports_at_any_depth(tmp_path):
    root = _package(tmp_path, {
        "__init__.py": "",
        "core/__init__.py": "",
        "core/model.py": "class Model:\n    def draw(self):\n        if True:\n            from ..ui.view import View\n",
        "ui/__init__.py": "",
        "ui/view.py": "from ..core import model\n",
        "ui/other.py": "from ..core.model import Model\n",
    })  # fmt: skip
    edges = import_edges(root)
    assert edges["pkg.core.model"] == {"pkg.ui", "pkg.ui.view"}
    assert edges["pkg.ui.view"] == {"pkg.core", "pkg.core.model"}
    assert edges["pkg.ui.other"] == {"pkg.core", "pkg.core.model"}
    assert find_cycles(edges) == [["pkg.core.model", "pkg.ui.view", "pkg.core.model"]]


def test_the_checker_passes_a_package_without_cycles(tmp_path):
    root = _package(tmp_path, {
        "__init__.py": "",
        "a.py": "import os\nfrom . import b\n",
        "b.py": "from .c import thing\n",
        "c.py": "thing = 1\n",
    })  # fmt: skip
    edges = import_edges(root)
    assert edges["pkg.a"] == {"pkg.b"}
    assert find_cycles(edges) == []


def test_the_checker_names_a_three_module_cycle(tmp_path):
    root = _package(tmp_path, {
        "__init__.py": "",
        "export.py": "def run():\n    from .app import make\n",
        "app.py": "from .window import Window\n",
        "window.py": "def dialog():\n    from . import export\n",
    })  # fmt: skip
    assert describe(find_cycles(import_edges(root))) == "pkg.app → pkg.window → pkg.export → pkg.app"
