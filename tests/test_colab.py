"""Colab: the setup cell picks `colab` on a GPU runtime and `cpu` on a CPU one, saying so; runs can go to Drive."""
from __future__ import annotations

import os
import sys
import types
from pathlib import Path

import pytest

from avscene import config, runtime
from avscene.course import colab, hub


@pytest.mark.parametrize(("env", "in_colab", "gpu", "expected"), [
    (None, True, True, "colab"),
    (None, True, False, "cpu"),
    (None, False, True, "cpu"),  # a local GPU: still cpu unless asked ($AVSCENE_PROFILE)
    (None, False, False, "cpu"),
    ("smoke", True, True, "smoke"),  # nbval, make figures: the environment variable wins everywhere
    ("gpu", False, False, "gpu"),
])
def test_pick_profile(env: str | None, in_colab: bool, gpu: bool, expected: str) -> None:
    profile, why = colab.pick_profile(env=env, colab=in_colab, gpu=gpu)
    assert profile == expected and profile in config.PROFILE_NAMES
    assert why and "\n" not in why
    if in_colab and not gpu and env is None:
        assert "T4" in why  # tells the student how to get the GPU profile


def test_unknown_profile_in_the_environment_fails() -> None:
    with pytest.raises(ValueError, match="unknown profile"):
        colab.pick_profile(env="tpu", colab=False, gpu=False)


@pytest.mark.parametrize(("gpu", "expected"), [(True, "colab"), (False, "cpu")])
def test_default_profile_on_colab_says_what_it_picked(gpu: bool, expected: str, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv(config.ENV_VAR, raising=False)
    monkeypatch.setattr(runtime, "in_colab", lambda: True)
    monkeypatch.setattr(colab, "has_gpu", lambda: gpu)
    assert colab.default_profile() == expected
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"default profile: {expected!r}")


def test_default_profile_elsewhere_reads_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(runtime, "in_colab", lambda: False)
    monkeypatch.setattr(colab, "has_gpu", lambda: pytest.fail("no GPU probe outside Colab"))
    monkeypatch.delenv(config.ENV_VAR, raising=False)
    assert colab.default_profile(announce=False) == "cpu"
    monkeypatch.setenv(config.ENV_VAR, "smoke")
    assert colab.default_profile(announce=False) == "smoke"
    assert capsys.readouterr().out == ""


def test_runs_on_drive_only_on_colab(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "in_colab", lambda: False)
    with pytest.raises(RuntimeError, match="Colab only"):
        colab.runs_on_drive()


def test_runs_on_drive_mounts_and_points_the_runs_there(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    mounted: list[str] = []
    drive = types.SimpleNamespace(mount=mounted.append)
    google = types.ModuleType("google")
    google_colab = types.ModuleType("google.colab")
    google_colab.drive = drive  # type: ignore[attr-defined]
    google.colab = google_colab  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", google_colab)
    monkeypatch.setattr(runtime, "in_colab", lambda: True)
    monkeypatch.delenv(hub.RUNS_ENV_VAR, raising=False)
    path = colab.runs_on_drive(tmp_path / "avscene" / "runs")
    assert mounted == ["/content/drive"] and path.is_dir()
    assert os.environ[hub.RUNS_ENV_VAR] == str(path)
    assert hub.runs_root(config.get("colab")) == path / "colab"
    monkeypatch.delenv(hub.RUNS_ENV_VAR)
