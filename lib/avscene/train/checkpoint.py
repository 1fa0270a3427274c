"""Checkpoints that resume training exactly: weights, optimizer, scheduler, scaler, RNGs, data position.

The data position is the step counter: every batch is a pure function of ``(seed, step, rank)`` (see
``avscene.train.data``), so a run killed at any moment and resumed from its last checkpoint replays the
same batches and ends with the same weights as an uninterrupted run on the same device.
"""
from __future__ import annotations

import os
import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import torch

PATTERN = re.compile(r"step_(\d+)\.pt$")


def rng_state() -> dict[str, Any]:
    """Every random generator's state in this process (Python, NumPy, torch CPU and CUDA)."""
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save(path: Path, state: dict[str, Any]) -> Path:
    """Write ``state`` atomically (temporary file, fsync, rename): a kill never leaves half a checkpoint."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "wb") as fh:
        torch.save(state, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


def load(path: Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    try:
        return torch.load(path, map_location=map_location, weights_only=False)
    except Exception as exc:
        raise RuntimeError(f"{path}: not a readable avscene checkpoint ({exc})") from exc


def latest(run_dir: Path) -> Path | None:
    """The newest ``step_<N>.pt`` in ``run_dir`` (by step), or ``None``."""
    found = [(int(m.group(1)), p) for p in Path(run_dir).glob("step_*.pt") if (m := PATTERN.search(p.name))]
    return max(found)[1] if found else None


def prune(run_dir: Path, keep: int) -> None:
    """Delete all but the ``keep`` newest step checkpoints."""
    found = sorted((int(m.group(1)), p) for p in Path(run_dir).glob("step_*.pt") if (m := PATTERN.search(p.name)))
    for _, p in found[:-keep] if keep > 0 else []:
        p.unlink(missing_ok=True)
