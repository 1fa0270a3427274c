"""Figures and metrics land where the README says; self-checks fail loudly (step 1)."""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from avscene import config
from avscene.course import outputs


def test_smoke_never_touches_figures(repo: Path) -> None:
    out = outputs.Outputs("99_test", config.get("smoke"))
    assert repo / "figures" not in out.dir.parents
    assert not (repo / "figures" / "99_test").exists()


def test_cpu_profile_writes_under_figures(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(outputs.FIGURES_ENV_VAR, str(tmp_path))
    out = outputs.Outputs("99_test", config.get("cpu"))
    assert out.dir == tmp_path / "99_test"
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    png = out.save_figure(fig, "line")
    plt.close(fig)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    out.record(accuracy=0.75)
    doc = json.loads((out.dir / "metrics.json").read_text())
    assert doc["profile"] == "cpu" and doc["metrics"]["accuracy"] == 0.75
    assert doc["environment"]["versions"]["torch"]
    assert doc["wall_time_s"] >= 0


def test_check_passes_records_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    out = outputs.Outputs("99_test", config.get("smoke"))
    out.check("acc", 0.9, at_least=0.8, paper=0.599)
    assert "PASS  acc: 0.9" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="acc2 = 0.4"):
        out.check("acc2", 0.4, at_least=0.5)
    doc = json.loads((out.dir / "metrics.json").read_text())
    assert [c["ok"] for c in doc["checks"]] == [True, False]
    assert doc["metrics"]["acc2"] == 0.4
