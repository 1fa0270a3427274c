"""The notebook series: .py sources paired with output-free .ipynb twins, a common header (step 1).

Executing them is nbval's job (`make test` runs every notebook under the smoke profile).
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest

from avscene.course import pipeline

SOURCES = pipeline.sources()


def test_series_exists() -> None:
    assert SOURCES and SOURCES[0].name == "00_tour.py"


@pytest.mark.parametrize("py", SOURCES, ids=lambda p: p.stem)
def test_pair_in_sync(py: Path) -> None:
    assert pipeline.pair_problems(py) == []


def test_pair_check_catches_drift(tmp_path: Path) -> None:
    py = tmp_path / "00_tour.py"
    shutil.copy(SOURCES[0], py)
    shutil.copy(SOURCES[0].with_suffix(".ipynb"), tmp_path)
    assert pipeline.pair_problems(py) == []
    py.write_text(py.read_text() + "\n# %%\nprint('new cell')\n")
    assert any("differs" in p for p in pipeline.pair_problems(py))
    assert pipeline.sync(check=True, notebooks=tmp_path) == 1
    assert pipeline.sync(notebooks=tmp_path) == 0 and pipeline.pair_problems(py) == []


def _code_cells(py: Path) -> list:
    return [c for c in jupytext.read(py).cells if c.cell_type == "code"]


@pytest.mark.parametrize("py", SOURCES, ids=lambda p: p.stem)
def test_common_header(py: Path) -> None:
    nb = jupytext.read(py)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    first = nb.cells[0]
    assert first.cell_type == "markdown"
    assert f"colab.research.google.com/github/" in first.source and f"notebooks/{py.stem}.ipynb" in first.source
    setup, params = _code_cells(py)[:2]
    assert setup.source == _code_cells(SOURCES[0])[0].source, "every notebook shares 00_tour's setup cell"
    assert params.metadata.get("tags") == ["parameters"]
    assert 'PROFILE = os.environ.get("AVSCENE_PROFILE", "cpu")' in params.source


def test_setup_cell_is_a_noop_outside_colab() -> None:
    """Run the setup cell in a fresh interpreter with pip forbidden: it must not try to install anything."""
    setup = _code_cells(SOURCES[0])[0].source.replace("runtime.report();", "runtime.report()")
    guard = ("import subprocess\n"
             "_run = subprocess.run\n"
             "def _guarded(args, *a, **k):\n"
             "    if 'pip' in map(str, args): raise SystemExit('setup cell ran pip: ' + repr(args))\n"
             "    return _run(args, *a, **k)\n"
             "subprocess.run = _guarded\n")
    out = subprocess.run([sys.executable, "-c", guard + setup], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "device:" in out.stdout
