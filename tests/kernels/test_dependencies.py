"""kernels/ is pure array code: NumPy at import time, CuPy only inside the GPU paths,
and never minigrad or layers (imports point one way: kernels <- minigrad <- layers)."""

import ast
import subprocess
import sys
from pathlib import Path

import kernels

PACKAGE = Path(kernels.__file__).parent
ALLOWED_AT_IMPORT = {"numpy"} | set(sys.stdlib_module_names)


def imported_modules(nodes) -> set[str]:
    """Top-level names of the absolute imports among ``nodes`` (relative ones stay inside)."""
    names = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_numpy_and_the_standard_library_at_import_time():
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        assert imported_modules(tree.body) <= ALLOWED_AT_IMPORT, path  # module level only
        assert not imported_modules(ast.walk(tree)) & {"minigrad", "layers"}, path


def test_importing_kernels_does_not_import_cupy():
    code = "import sys, kernels; sys.exit('cupy' in sys.modules)"
    root = PACKAGE.parent
    assert subprocess.run([sys.executable, "-c", code], cwd=root).returncode == 0
