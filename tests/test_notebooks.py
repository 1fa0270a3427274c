"""The notebook series: .py sources paired with output-free .ipynb twins, a common header (step 1).

Executing them is nbval's job (`make test` runs every notebook under the smoke profile).
"""
from __future__ import annotations

import os
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
    assert params.source.splitlines()[0] == "PROFILE = DEFAULT_PROFILE", "a plain assignment papermill overrides"


def test_setup_cell_installs_from_one_setting_and_never_torch() -> None:
    setup = _code_cells(SOURCES[0])[0].source
    assert setup.count('AVSCENE_REPO = os.environ.get("AVSCENE_REPO", "https://github.com/avscene/avscene")') == 1
    assert setup.count('AVSCENE_REF = os.environ.get("AVSCENE_REF", "main")') == 1
    install = [line for line in setup.splitlines() if "pip" in line]
    assert install and all('f"git+{AVSCENE_REPO}@{AVSCENE_REF}"' in line for line in install)
    assert "torch" not in " ".join(install)
    assert setup.count("github.com") == 1, "the repository is named once, in AVSCENE_REPO"
    assert "DEFAULT_PROFILE = colab.default_profile()" in setup


@pytest.mark.parametrize("py", SOURCES, ids=lambda p: p.stem)
def test_ipynb_asks_colab_for_a_t4(py: Path) -> None:
    import nbformat

    meta = nbformat.read(py.with_suffix(".ipynb"), as_version=4).metadata
    assert meta.get("accelerator") == "GPU"
    assert meta.get("colab", {}).get("gpuType") == "T4" and meta["colab"].get("provenance") == []
    assert pipeline.to_ipynb(py).metadata["colab"] == pipeline.COLAB_METADATA["colab"]


def test_pair_check_catches_missing_colab_metadata(tmp_path: Path) -> None:
    import nbformat

    py = tmp_path / "00_tour.py"
    shutil.copy(SOURCES[0], py)
    shutil.copy(SOURCES[0].with_suffix(".ipynb"), tmp_path)
    nb = nbformat.read(tmp_path / "00_tour.ipynb", as_version=4)
    del nb.metadata["accelerator"]
    nbformat.write(nb, tmp_path / "00_tour.ipynb")
    assert any("T4" in p for p in pipeline.pair_problems(py))
    assert pipeline.sync(notebooks=tmp_path) == 0 and pipeline.pair_problems(py) == []


def test_colab_links_rewrites_badges_install_line_and_readme(tmp_path: Path, repo: Path) -> None:
    """`make colab-links REPO=... REF=...` (the Makefile's own sed, run on copies) moves every Colab link."""
    from avscene.course import readme

    (tmp_path / "notebooks").mkdir()
    (tmp_path / "lib/avscene/course").mkdir(parents=True)
    for src in SOURCES:
        shutil.copy(src, tmp_path / "notebooks")
    for name in ("Makefile", "README.md", "lib/avscene/course/weights.json"):
        shutil.copy(repo / name, tmp_path / name)
    out = subprocess.run(["make", "-s", "-C", str(tmp_path), "colab-links", "REPO=me/fork", "REF=dev", "MAKE=true"],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    for py in (tmp_path / "notebooks").glob("*.py"):
        text = py.read_text()
        assert "avscene/avscene" not in text, py.name
        assert f"colab.research.google.com/github/me/fork/blob/dev/notebooks/{py.stem}.ipynb" in text
        setup = next(c for c in jupytext.read(py).cells if c.cell_type == "code").source
        assert '"https://github.com/me/fork")' in setup and 'AVSCENE_REF", "dev")' in setup
    text = (tmp_path / "README.md").read_text()
    assert "colab.research.google.com/github/avscene/" not in text
    block = text[text.index(readme.BEGIN):text.index(readme.END) + len(readme.END)]
    assert "https://colab.research.google.com/github/me/fork/blob/dev/notebooks/" in block
    assert readme.colab_base(tmp_path / "notebooks").endswith("/me/fork/blob/dev/notebooks/")


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
    assert out.stdout.count("default profile: ") == 1  # one line saying which profile and why


def test_setup_cell_on_colab_installs_the_repository_at_its_ref(tmp_path: Path) -> None:
    """Pretend to be Colab (a google.colab module): the cell's one pip call installs AVSCENE_REPO@AVSCENE_REF."""
    setup = _code_cells(SOURCES[0])[0].source
    fake = ("import sys, types, subprocess\n"
            "sys.modules['google.colab'] = types.ModuleType('google.colab')\n"
            "def _pip(args, *a, **k):\n"
            "    print('PIP', ' '.join(map(str, args[1:])))\n"
            "    raise SystemExit(0)\n"
            "subprocess.run = _pip\n")
    env = {**os.environ, "AVSCENE_REPO": "https://github.com/me/fork", "AVSCENE_REF": "v1.2"}
    out = subprocess.run([sys.executable, "-c", fake + setup], capture_output=True, text=True, env=env,
                         cwd=tmp_path, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "PIP -m pip install -q git+https://github.com/me/fork@v1.2"
