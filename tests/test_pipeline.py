"""`make figures`' runner: executes notebooks with papermill, keeps going, summarizes (step 1)."""
from __future__ import annotations

from pathlib import Path

import pytest

from avscene.course import pipeline

HEADER = """# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
PROFILE = "cpu"
"""


def test_figures_runs_in_order_and_reports_failures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    (nbs / "00_ok.py").write_text(HEADER + "\n# %%\nassert PROFILE == 'smoke'\nprint('ran', PROFILE)\n")
    (nbs / "01_broken.py").write_text(HEADER + "\n# %%\nraise RuntimeError('boom')\n")
    code = pipeline.figures("smoke", notebooks=nbs, build=tmp_path / "build")
    text = capsys.readouterr().out
    assert code == 1
    assert "00_ok" in text and "01_broken" in text and "FAILED" in text
    assert (tmp_path / "build" / "executed" / "smoke" / "00_ok.ipynb").exists()
    assert (tmp_path / "build" / "executed" / "smoke" / "01_broken.ipynb").exists()
    assert pipeline.figures("smoke", only=["00"], notebooks=nbs, build=tmp_path / "build") == 0
