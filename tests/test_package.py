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
