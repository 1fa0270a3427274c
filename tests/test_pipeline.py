"""`make figures`' runner: executes notebooks with papermill, keeps going, summarizes (step 1).

Each papermill run starts a kernel (a few seconds): the tests share runs where they can.
"""
from __future__ import annotations

import os
import re
import time
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


def _write(nbs: Path, stem: str, *cells: str) -> None:
    nbs.mkdir(exist_ok=True)
    (nbs / f"{stem}.py").write_text(HEADER + "".join(f"\n# %%\n{c}\n" for c in cells))


def _summary(text: str) -> dict[str, str]:
    """notebook -> its summary line."""
    table = text[text.index("\nSummary"):].splitlines()
    return {line.split()[0]: line for line in table[3:] if line.strip()}


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


def test_stalled_cell_times_out_and_the_next_notebook_runs_in_batch_mode(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    nbs = tmp_path / "notebooks"
    _write(nbs, "00_stall", "print('before the stall')", "import time\ntime.sleep(30)", "print('never')")
    _write(nbs, "01_ok", "import os\nassert os.environ['AVSCENE_BATCH'] == '1', os.environ.get('AVSCENE_BATCH')",
           "print('batch', os.environ['AVSCENE_BATCH'], PROFILE)")
    monkeypatch.setenv("AVSCENE_BATCH", "0")
    monkeypatch.delenv("AVSCENE_PROFILE", raising=False)
    start = time.perf_counter()
    code = pipeline.figures("smoke", timeout=2, notebooks=nbs, build=tmp_path / "build")
    elapsed = time.perf_counter() - start
    text = capsys.readouterr().out
    assert code == 1
    assert elapsed < 25, f"the 30 s cell was not stopped ({elapsed:.0f} s)"
    rows = _summary(text)
    # parameters, injected-parameters, then the notebook's three cells: the sleep is cell 4 of 5
    assert "TIMEOUT (cell 4/5 after 2 s)" in rows["00_stall"]
    assert re.search(r"\s ok\s*$", rows["01_ok"]), rows["01_ok"]
    assert "batch 1 smoke" in text  # the cell's own output streams to the terminal
    # one progress line per code cell, on a line of its own
    assert "\n[00_stall] cell 4/5 started: import time\n" in text
    assert "\n[01_ok] cell 1/4 started: PROFILE = \"cpu\"\n" in text
    assert re.search(r"\n\[01_ok\] cell 1/4 done in \d+\.\d s \(total 0:\d\d\)\n", text)
    assert re.search(r"\n\[01_ok\] cell 4/4 done in \d+\.\d s", text)
    assert "[00_stall] cell 5/5" not in text  # nothing ran after the stall
    assert os.environ["AVSCENE_BATCH"] == "0" and "AVSCENE_PROFILE" not in os.environ


def test_killed_kernel_and_failed_cell_are_reported_with_the_cell(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nbs = tmp_path / "notebooks"
    _write(nbs, "00_killed", "x = 1", "import os\nos._exit(1)")
    _write(nbs, "01_failed", "x = 1", "assert x == 2, 'x is not 2\\nsecond line'", "print('never')")
    assert pipeline.figures("smoke", timeout=60, notebooks=nbs, build=tmp_path / "build") == 1
    rows = _summary(capsys.readouterr().out)
    assert "KILLED (cell 4/4: kernel died)" in rows["00_killed"]
    assert "FAILED (cell 4/5: AssertionError: x is not 2)" in rows["01_failed"]
    assert (tmp_path / "build" / "executed" / "smoke" / "01_failed.ipynb").exists()


def test_cell_timeout_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    assert pipeline.cell_timeout("cpu") == pipeline.CELL_TIMEOUT_S == 1800
    assert pipeline.cell_timeout("smoke") == 1800
    assert pipeline.cell_timeout("gpu") is None  # training runs for days
    assert pipeline.cell_timeout("cpu", 0) is None and pipeline.cell_timeout("gpu", 300) == 300
    seen: list[tuple] = []
    monkeypatch.setattr(pipeline, "figures", lambda *args: seen.append(args) or 0)
    assert pipeline.main(["figures", "--profile", "gpu", "--timeout", "0"]) == 0
    assert pipeline.main(["figures"]) == 0
    assert seen == [("gpu", None, 0), ("cpu", None, None)]
