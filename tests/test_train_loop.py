"""Training resumes exactly: a run killed with SIGKILL and resumed ends with an uninterrupted run's weights."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch

from avscene.train import checkpoint as ckpt
from avscene.train import read_log

sys.path.insert(0, str(Path(__file__).parent))
import train_toy  # noqa: E402

STEPS = 30


def _weights(t) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in t.model.state_dict().items()}


def test_toy_learns_and_logs(tmp_path: Path) -> None:
    t = train_toy.trainer(tmp_path, STEPS)
    rows = t.fit()
    assert [r["step"] for r in rows] == list(range(1, STEPS + 1))
    assert rows[-1]["acc"] > 0.8 and rows[-1]["loss"] < rows[0]["loss"]
    assert read_log(tmp_path) == rows
    assert ckpt.latest(tmp_path).name == f"step_{STEPS:08d}.pt"
    assert len(list(tmp_path.glob("step_*.pt"))) == 2  # keep_checkpoints


def test_resume_in_process_is_exact(tmp_path: Path) -> None:
    ref = train_toy.trainer(tmp_path / "ref", STEPS)
    ref.fit()
    part = train_toy.trainer(tmp_path / "run", 13)  # stops at 13, checkpoints at 12 and 13
    part.fit()
    resumed = train_toy.trainer(tmp_path / "run", STEPS)
    assert resumed.step == 13
    resumed.fit()
    for k, v in _weights(ref).items():
        assert torch.equal(v, resumed.model.state_dict()[k]), k
    assert [r["loss"] for r in read_log(tmp_path / "run")] == [r["loss"] for r in read_log(tmp_path / "ref")]


def test_sigkill_then_resume_matches_uninterrupted(tmp_path: Path) -> None:
    """Kill a worker-fed run mid-flight with SIGKILL, resume it, compare every weight bit for bit."""
    ref = train_toy.trainer(tmp_path / "ref", STEPS, workers=1)
    ref.fit()
    run = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, str(Path(train_toy.__file__)), str(run), "--steps", str(STEPS),
                             "--sleep", "0.05", "--workers", "1"], env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and not (run / "step_00000009.pt").exists():
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = ckpt.load(ckpt.latest(run))["step"]
    assert 9 <= killed_at < STEPS, f"the kill should land mid-run (last checkpoint at {killed_at})"
    log_rows = [json.loads(x) for x in (run / "log.jsonl").read_text().splitlines()]
    resumed = train_toy.trainer(run, STEPS, workers=1)
    assert resumed.step == killed_at
    resumed.fit()
    for k, v in _weights(ref).items():
        assert torch.equal(v, resumed.model.state_dict()[k]), k
    steps = [r["step"] for r in read_log(run)]
    assert steps == list(range(1, STEPS + 1)), "the log is continued, without duplicates or gaps"
    assert len(log_rows) >= killed_at


def test_two_process_gloo_ddp(tmp_path: Path) -> None:
    """torchrun, 2 CPU processes, gloo: disjoint data per rank, identical weights after every step."""
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29517",
           str(Path(train_toy.__file__)), str(tmp_path), "--steps", "6"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=180,
                         env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert out.returncode == 0, out.stderr[-3000:]
    r0, r1 = (torch.load(tmp_path / f"rank{r}.pt") for r in (0, 1))
    assert not torch.equal(r0["first_batch"], r1["first_batch"]), "each rank draws its own examples"
    for k, v in r0["model"].items():
        if "running" in k or "num_batches" in k:
            continue  # BN statistics: DDP broadcasts rank 0's before each forward, then each rank updates its own
        assert torch.equal(v, r1["model"][k]), k
    assert ckpt.latest(tmp_path).name == "step_00000006.pt"  # rank 0 alone writes checkpoints
