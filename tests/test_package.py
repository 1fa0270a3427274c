"""Every module of avscene imports, cheaply and without network (step 1)."""
from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

import avscene

MODULES = sorted(m.name for m in pkgutil.walk_packages(avscene.__path__, "avscene."))


def test_modules_found() -> None:
    assert {"avscene.config", "avscene.runtime", "avscene.course.outputs", "avscene.course.display",
            "avscene.course.pipeline", "avscene.io"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_module_imports(name: str) -> None:
    importlib.import_module(name)


def test_import_is_light() -> None:
    """`import avscene` pulls in neither torch nor the network stack (notebooks import what they use)."""
    code = "import sys, avscene; print(sorted(m for m in ('torch', 'requests', 'urllib3') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_bench_lists_subcommands() -> None:
    out = subprocess.run([sys.executable, "-m", "avscene.bench", "--help"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "python -m avscene.bench" in out.stdout


#: imported only by the course tooling (make figures / make test, the dev extra) or present on Colab
DEV_OR_COLAB = {"jupytext", "papermill", "nbformat", "nbclient", "google", "IPython", "PIL"}


def test_every_third_party_import_is_a_declared_dependency() -> None:
    """`pip install avscene` (Colab's setup cell) must bring every package the library imports: an import
    missing from pyproject's dependencies breaks a notebook there, not here (where requirements.txt pins it)."""
    import ast
    import re
    import tomllib
    from importlib.metadata import packages_distributions
    from pathlib import Path

    root = Path(avscene.__file__).parent
    imported = set()
    for module in root.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"avscene", "__future__"} - DEV_OR_COLAB
    pyproject = tomllib.loads((root.parents[1] / "pyproject.toml").read_text())
    norm = lambda name: re.sub(r"[-_.]+", "-", name).lower()  # noqa: E731
    declared = {norm(re.split(r"[<>=!~ ;\[]", d)[0]) for d in pyproject["project"]["dependencies"]}
    dists = packages_distributions()
    missing = {m: dists.get(m, [m]) for m in third_party if not any(norm(d) in declared for d in dists.get(m, [m]))}
    assert not missing, f"imported by lib/avscene but not in pyproject's dependencies: {missing}"
