"""Pretraining end to end at the smoke size: curriculum phases, exact resume, the CLI under torchrun (step 6)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from avscene import config
from avscene import shift
from avscene.shift.dataset import ShiftDataset
from avscene.shift.task import ShiftTask
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
    assert shift.curriculum(CFG) == [("warmup", 2), ("default", CFG.train.steps)]
    with pytest.raises(ValueError):
        StepPhases([a, b], [3, 4], 2)


class _Interrupted(Exception):
    pass


class _StopAt(ShiftTask):
    """The shift task, interrupted (as by a kill) when step ``at`` is about to run."""

    def __init__(self, at: int) -> None:
        super().__init__()
        self.at = at

    def on_step(self, step: int) -> None:
        if step == self.at:
            raise _Interrupted
        super().on_step(step)


def test_pretrain_resumes_exactly_then_loads_the_finished_run(tmp_path: Path, capsys) -> None:
    cpu = torch.device("cpu")
    full = shift.pretrain(CFG, run_dir=tmp_path / "full", device=cpu)
    with pytest.raises(_Interrupted):  # checkpointed at step 2 (checkpoint_every), killed in step 3
        shift.pretrain(CFG, run_dir=tmp_path / "split", device=cpu, task=_StopAt(2))
    assert not (tmp_path / "split" / "model.pt").exists()
    resumed = shift.pretrain(CFG, run_dir=tmp_path / "split", device=cpu)
    assert "resuming 'shift'" in capsys.readouterr().out
    for k, v in full.model.state_dict().items():
        assert torch.equal(v, resumed.model.state_dict()[k]), k
    assert [r["step"] for r in resumed.history] == [r["step"] for r in full.history]
    assert not list((tmp_path / "full").glob("step_*.pt"))  # a finished run keeps its weights, not checkpoints
    finished = shift.pretrain(CFG, run_dir=tmp_path / "full", device=cpu)  # a finished run just loads
    assert "skipping training" in capsys.readouterr().out
    assert finished.history == full.history and not finished.model.training
    for k, v in full.model.state_dict().items():
        assert torch.equal(v, finished.model.state_dict()[k]), k
    longer = shift.pretrain(CFG, run_dir=tmp_path / "full", steps=5, device=cpu)  # other settings: trains anew
    assert "other settings" in capsys.readouterr().out and longer.history[-1]["step"] == 5


def test_controls_and_sweep_on_an_untrained_model() -> None:
    from avscene.models import ShiftNet

    torch.manual_seed(0)
    model = ShiftNet.from_config(CFG).eval()
    ds = ShiftDataset(SyntheticSource.pretext(CFG, "eval"), CFG, train=False)
    scores = shift.evaluate(model, ds, 4, batch_size=2, controls=shift.CONTROLS)
    assert scores["audio_zeroed"] == 0.5  # identical inputs: one of each pair is right
    assert all(0 <= v <= 1 for v in scores.values())
    offsets = np.arange(-3, 4)
    sweep = shift.offset_sweep(model, SyntheticSource.pretext(CFG, "eval"), CFG, offsets, 2)
    assert sweep.shape == (7,) and np.all((sweep > 0) & (sweep < 1))


def test_cli_two_processes_gloo(tmp_path: Path) -> None:
    """`torchrun --nproc_per_node 2 -m avscene.shift pretrain` on the CPU (gloo), smoke sizes."""
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29531",
           "-m", "avscene.shift", "pretrain", "--profile", "smoke", "--steps", "2", "--run-dir", str(tmp_path)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "OMP_NUM_THREADS": "1", "AVSCENE_DEVICE": "cpu"})
    assert out.returncode == 0, out.stderr[-3000:]
    assert (tmp_path / "model.pt").exists() and json.loads((tmp_path / "run.json").read_text())["finished"]
    rows = read_log(tmp_path)
    assert rows and rows[-1]["step"] == 2 and "eval_acc" in rows[-1]


def test_evaluate_returns_the_logits_it_scored() -> None:
    from avscene.models import ShiftNet

    torch.manual_seed(0)
    model = ShiftNet.from_config(CFG).eval()
    ds = ShiftDataset(SyntheticSource.pretext(CFG, "eval"), CFG, train=False)
    scores, logits = shift.evaluate(model, ds, 4, batch_size=3, return_logits=True)
    assert logits.shape == (4, 2)
    assert scores["pair_acc"] == np.mean(logits[:, 0] > logits[:, 1])
    assert scores["acc"] == 0.5 * (np.mean(logits[:, 0] > 0) + np.mean(logits[:, 1] <= 0))


def test_published_weights_skip_training(tmp_path: Path, monkeypatch, capsys) -> None:
    """A fresh machine with the profile's weights archive in place loads them instead of training."""
    from avscene.course import hub

    cpu = torch.device("cpu")
    monkeypatch.setenv(hub.RUNS_ENV_VAR, str(tmp_path / "trained"))
    monkeypatch.setenv(hub.CACHE_ENV, str(tmp_path / "cache"))
    trained = shift.pretrain(CFG, device=cpu)
    manifest = hub.pack(CFG.name, tmp_path / "weights")
    monkeypatch.setenv(hub.RUNS_ENV_VAR, str(tmp_path / "fresh"))  # another machine: no runs
    monkeypatch.setenv(hub.WEIGHTS_MANIFEST_ENV, str(manifest))
    capsys.readouterr()
    found = shift.pretrain(CFG, device=cpu, task=_StopAt(0))  # would raise if it trained a single step
    out = capsys.readouterr().out
    assert "found pretrained weights 'shift'" in out and "skipping training" in out
    assert found.run.source == "published" and found.history == trained.history
    for k, v in trained.model.state_dict().items():
        assert torch.equal(v, found.model.state_dict()[k]), k
    assert not (tmp_path / "fresh").exists()
    monkeypatch.delenv(hub.WEIGHTS_MANIFEST_ENV)  # without the archive: it trains, and says so
    with pytest.raises(_Interrupted):
        shift.pretrain(CFG, device=cpu, task=_StopAt(0))
    assert "no published weights" in capsys.readouterr().out


def test_a_run_stopped_by_its_time_limit_stays_unfinished_and_resumes(tmp_path: Path, capsys) -> None:
    cpu = torch.device("cpu")
    short = CFG.replace(**{"train.max_seconds": 0.0})  # stops (and checkpoints) after its first step
    stopped = shift.pretrain(short, run_dir=tmp_path / "run", device=cpu)
    assert "stays unfinished" in capsys.readouterr().out
    assert not stopped.run.info["finished"] and not (tmp_path / "run" / "model.pt").exists()
    done = shift.pretrain(CFG, run_dir=tmp_path / "run", device=cpu)  # max_seconds is bookkeeping: same key
    assert "resuming 'shift'" in capsys.readouterr().out
    assert done.run.info["finished"] and done.history[-1]["step"] == CFG.train.steps
