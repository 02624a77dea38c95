"""The package root shows its layers, and the imports keep to them: `app/` (the entry logic)
uses the library folders, which use `utils/`; nothing imports upwards, and the folders'
import graph has no cycle."""

import ast
from collections import defaultdict

from compose import ROOT

PACKAGE = ROOT / "src" / "genlab"
LIBRARY = {"callbacks", "data", "metrics", "models", "schemas", "tracking"}


def imports_by_folder() -> dict[str, set[str]]:
    """{folder: the genlab folders its modules import} (module-level and local imports)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).parts
        folder = parts[0] if len(parts) > 1 else "(root)"
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                if name.startswith("genlab."):
                    target = name.split(".")[1]
                    if (PACKAGE / target).is_dir() and target != folder:
                        graph[folder].add(target)
    return graph


def test_the_root_holds_only_the_package_marker_and_the_layer_folders() -> None:
    loose = sorted(p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py")
    assert loose == []
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == LIBRARY | {"app", "utils"} | ({"conf"} & folders)


def test_imports_point_down_the_layers() -> None:
    graph = imports_by_folder()
    assert graph["utils"] == set(), "utils/ imports nothing else of genlab"
    upward = sorted(f for f, targets in graph.items() if "app" in targets and f != "(root)")
    assert upward == [], f"only the entry scripts use app/: {upward}"


def test_the_folders_import_graph_has_no_cycle() -> None:
    graph = imports_by_folder()
    done: set[str] = set()

    def visit(folder: str, path: list[str]) -> None:
        assert folder not in path, f"import cycle: {' -> '.join([*path, folder])}"
        if folder in done:
            return
        for target in sorted(graph.get(folder, ())):
            visit(target, [*path, folder])
        done.add(folder)

    for folder in list(graph):
        visit(folder, [])
