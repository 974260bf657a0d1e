"""The floors of the house: what ``import minigrad`` needs, and imports that point one way.

kernels <- minigrad core <- layers <- minigrad.data / minigrad.training <- examples.
No import cycles between modules, and no imports inside functions except the
optional libraries that are imported where they are used.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("kernels", "minigrad", "layers")
OPTIONAL = {"cupy", "cupyx", "cupy_backends", "PIL", "matplotlib", "tqdm", "safetensors", "mpi4py"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def resolve(importer: str, is_package: bool, node: ast.ImportFrom | ast.Import) -> list[str]:
    """The project modules an import statement loads (submodules included)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name in MODULES]
    package = importer if is_package else importer.rpartition(".")[0]
    if node.level:
        base_parts = package.split(".")
        base = ".".join(base_parts[:len(base_parts) - (node.level - 1)])
        target = f"{base}.{node.module}" if node.module else base
    else:
        target = node.module or ""
    submodules = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES]
    # ``from pkg import name`` runs pkg's code only for names that are not submodules
    # (a package's own __init__ is always loaded first; that implicit step is no edge).
    takes_names = len(submodules) < len(node.names)
    return ([target] if takes_names and target in MODULES else []) + submodules


def top_level_imports(tree: ast.Module) -> list[ast.stmt]:
    """Import statements that run when the module is imported (not inside functions)."""
    found, stack = [], list(tree.body)
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            found.append(stmt)
        elif isinstance(stmt, ast.If) and "TYPE_CHECKING" in ast.unparse(stmt.test):
            continue  # only read by type checkers, never run
        elif isinstance(stmt, (ast.If, ast.Try, ast.With)):
            for field in ("body", "orelse", "finalbody", "handlers"):
                stack.extend(getattr(stmt, field, []))
        elif isinstance(stmt, ast.ExceptHandler):
            stack.extend(stmt.body)
    return found


def function_imports(tree: ast.Module) -> list[ast.stmt]:
    """Import statements inside function bodies (late imports)."""
    found = []
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found += [n for n in ast.walk(fn) if isinstance(n, (ast.Import, ast.ImportFrom))]
    return found


def import_graph() -> dict[str, set[str]]:
    graph = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        is_package = path.name == "__init__.py"
        graph[name] = {t for node in top_level_imports(tree)
                       for t in resolve(name, is_package, node) if t != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle as a list of modules, or None (depth-first search with colours)."""
    colour, parent = {m: 0 for m in graph}, {}
    for start in graph:
        if colour[start]:
            continue
        stack = [(start, iter(sorted(graph[start])))]
        colour[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                colour[node] = 2
                stack.pop()
            elif colour[child] == 1:
                cycle = [child, node]
                while cycle[-1] != child:
                    cycle.append(parent[cycle[-1]])
                return cycle[::-1]
            elif colour[child] == 0:
                colour[child], parent[child] = 1, node
                stack.append((child, iter(sorted(graph[child]))))
    return None


def test_the_import_graph_has_no_cycles():
    assert find_cycle(import_graph()) is None, f"import cycle: {' -> '.join(find_cycle(import_graph()))}"


def test_the_cycle_finder_finds_a_planted_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert set(find_cycle(graph)) == {"a", "b", "c"}


def floor(module: str) -> int:
    if module.startswith("kernels"):
        return 0
    if module.startswith(("minigrad.data", "minigrad.training", "minigrad.plot",
                          "minigrad.distributed", "minigrad.utils")):
        return 3
    if module.startswith("layers"):
        return 2
    return 1


def test_imports_point_down_the_floors():
    wrong = [(m, t) for m, targets in import_graph().items() for t in targets
             if floor(t) > floor(m)]
    assert not wrong, f"imports that point up a floor: {wrong}"


def test_no_late_imports_except_optional_libraries():
    late = []
    for name, path in MODULES.items():
        for node in function_imports(ast.parse(path.read_text(encoding="utf-8"))):
            modules = ([a.name for a in node.names] if isinstance(node, ast.Import)
                       else [node.module or ""])
            if node.__class__ is ast.ImportFrom and node.level:
                late.append(f"{name}: from {'.' * node.level}{node.module or ''} import ...")
            late += [f"{name}: import {m}" for m in modules if m.split(".")[0] not in OPTIONAL
                     and not (isinstance(node, ast.ImportFrom) and node.level)]
    assert not late, "late imports of project modules:\n" + "\n".join(late)


BLOCKER = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {'PIL', 'matplotlib', 'tqdm', 'cupy', 'torch'}:
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)")
sys.meta_path.insert(0, Block())
"""


def test_import_minigrad_needs_numpy_alone():
    code = BLOCKER + """
import minigrad as mg, minigrad.functional as F, layers, kernels
from layers import models
x = mg.randn(2, 3, 8, 8, requires_grad=True)
F.max_pool2d(layers.Conv2d(3, 4, 3)(x), 2).sum().backward()
assert x.grad.shape == x.shape
print(sorted(m for m in sys.modules if m.startswith(('minigrad.data', 'minigrad.training'))))
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_utils_data_is_pytorchs_spelling_imported_on_first_use():
    """``torch.utils.data.DataLoader`` ports as ``mg.utils.data.DataLoader`` after a plain
    ``import minigrad``, which still loads neither minigrad.data nor Pillow."""
    code = BLOCKER.replace("'PIL', ", "") + """
import minigrad as mg
before = sorted(m for m in sys.modules if m.startswith(('minigrad.data', 'minigrad.utils', 'PIL')))
from minigrad.utils.data import DataLoader, Dataset, Subset, TensorDataset, random_split
assert mg.utils.data.DataLoader is DataLoader is mg.data.DataLoader
print(before)
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_data_is_imported_on_first_use():
    code = "import minigrad as mg; assert mg.data.DataLoader; print('minigrad.data' in __import__('sys').modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
