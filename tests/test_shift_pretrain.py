"""Pretraining end to end at the smoke size: curriculum phases, exact resume, the CLI under torchrun (step 6)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from avscene import config
from avscene import shift as pretext
from avscene.shift.dataset import ShiftDataset
from avscene.datasets.sources import SyntheticSource
from avscene.train import StepPhases, read_log

CFG = config.get("smoke").replace(**{"synth.curriculum": (("warmup", 2),), "train.eval_clips": 4})


def test_curriculum_phases_by_step() -> None:
    a = ShiftDataset(SyntheticSource.pretext(CFG, "train", "warmup"), CFG)
    b = ShiftDataset(SyntheticSource.pretext(CFG, "train", "default"), CFG)
    phases = StepPhases([a, b], [3], examples_per_step=2)
    assert [phases.phase(s) for s in range(5)] == [0, 0, 0, 1, 1]
    assert torch.equal(phases[5]["frames"], a[5]["frames"])  # step 2: warm-up world
    assert torch.equal(phases[6]["frames"], b[6]["frames"])  # step 3: the default world
    assert pretext.curriculum(CFG) == [("warmup", 2), ("default", CFG.train.steps)]
    with pytest.raises(ValueError):
        StepPhases([a, b], [3, 4], 2)


def test_pretrain_resumes_exactly(tmp_path: Path) -> None:
    full = pretext.pretrain(CFG, run_dir=tmp_path / "full", steps=4, device=torch.device("cpu"))
    pretext.pretrain(CFG, run_dir=tmp_path / "split", steps=2, device=torch.device("cpu"))
    resumed = pretext.pretrain(CFG, run_dir=tmp_path / "split", steps=4, device=torch.device("cpu"))
    for k, v in full.model.state_dict().items():
        assert torch.equal(v, resumed.model.state_dict()[k]), k
    assert [r["step"] for r in read_log(tmp_path / "split")] == [r["step"] for r in read_log(tmp_path / "full")]
    finished = pretext.pretrain(CFG, run_dir=tmp_path / "full", steps=4)  # a finished run just loads
    assert finished.history == full.history


def test_controls_and_sweep_on_an_untrained_model() -> None:
    from avscene.models import ShiftNet

    torch.manual_seed(0)
    model = ShiftNet.from_config(CFG).eval()
    ds = ShiftDataset(SyntheticSource.pretext(CFG, "eval"), CFG, train=False)
    scores = pretext.evaluate(model, ds, 4, batch_size=2, controls=pretext.CONTROLS)
    assert scores["audio_zeroed"] == 0.5  # identical inputs: one of each pair is right
    assert all(0 <= v <= 1 for v in scores.values())
    offsets = np.arange(-3, 4)
    sweep = pretext.offset_sweep(model, SyntheticSource.pretext(CFG, "eval"), CFG, offsets, 2)
    assert sweep.shape == (7,) and np.all((sweep > 0) & (sweep < 1))


def test_cli_two_processes_gloo(tmp_path: Path) -> None:
    """`torchrun --nproc_per_node 2 -m avscene.shift pretrain` on the CPU (gloo), smoke sizes."""
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29531",
           "-m", "avscene.shift", "pretrain", "--profile", "smoke", "--steps", "2", "--run-dir", str(tmp_path)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "OMP_NUM_THREADS": "1", "AVSCENE_DEVICE": "cpu"})
    assert out.returncode == 0, out.stderr[-3000:]
    assert (tmp_path / "step_00000002.pt").exists()
    rows = read_log(tmp_path)
    assert rows and rows[-1]["step"] == 2 and "eval_acc" in rows[-1]


def test_evaluate_returns_the_logits_it_scored() -> None:
    from avscene.models import ShiftNet

    torch.manual_seed(0)
    model = ShiftNet.from_config(CFG).eval()
    ds = ShiftDataset(SyntheticSource.pretext(CFG, "eval"), CFG, train=False)
    scores, logits = pretext.evaluate(model, ds, 4, batch_size=3, return_logits=True)
    assert logits.shape == (4, 2)
    assert scores["pair_acc"] == np.mean(logits[:, 0] > logits[:, 1])
    assert scores["acc"] == 0.5 * (np.mean(logits[:, 0] > 0) + np.mean(logits[:, 1] <= 0))
