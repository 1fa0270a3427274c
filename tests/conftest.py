"""Shared pytest setup: headless plotting, a fixed seed, and the repository's paths."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def one_thread():
    """One intra-op torch thread (tiny convolutions run far slower when threads contend); restored after."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def runs(tmp_path, monkeypatch) -> Path:
    """Runs go to a fresh folder (``AVSCENE_RUNS``); the smoke profile's runs root is returned."""
    monkeypatch.setenv("AVSCENE_RUNS", str(tmp_path))
    return tmp_path / "smoke"
