"""A toy task for the training-loop tests: step-indexed data, a BN model, run as a script or imported."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

from avscene.config import TrainSpec
from avscene.train import LoaderSource, Trainer, distributed


class ToyData(Dataset):
    """Item i: x ~ N(0, 1)^8 from the generator seeded by (seed, i); y = [sum(x) > 0]."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def __len__(self) -> int:
        return 10**9

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        x = np.random.default_rng([self.seed, i]).standard_normal(8).astype(np.float32)
        return {"x": torch.from_numpy(x), "y": torch.tensor(float(x.sum() > 0))}


def collate(items: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    return {k: torch.stack([it[k] for it in items]) for k in items[0]}


class ToyTask:
    def __init__(self, sleep: float = 0.0) -> None:
        self.sleep = sleep

    def loss(self, model: nn.Module, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, float]]:
        time.sleep(self.sleep)
        logits = model(batch["x"]).squeeze(1)
        loss = nn.functional.binary_cross_entropy_with_logits(logits, batch["y"])
        return loss, {"acc": float(((logits > 0).float() == batch["y"]).float().mean())}


def model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 1))


def trainer(run_dir: Path, steps: int, *, sleep: float = 0.0, workers: int = 0, every: int = 3) -> Trainer:
    spec = TrainSpec(steps=steps, batch=16, lr=1e-2, optimizer="adam", checkpoint_every=every, log_every=1)
    source = LoaderSource(ToyData(), batch_size=spec.batch, steps=steps, num_workers=workers, collate=collate)
    return Trainer(model(), ToyTask(sleep), source, spec, run_dir, device=torch.device("cpu"))


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("run_dir", type=Path)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--sleep", type=float, default=0.0)
    p.add_argument("--workers", type=int, default=0)
    a = p.parse_args()
    distributed.init_from_env()  # a no-op unless launched by torchrun
    t = trainer(a.run_dir, a.steps, sleep=a.sleep, workers=a.workers)
    t.fit()
    seen = next(iter(t.source.batches(0)))["x"]  # this rank's first batch
    torch.save({"model": t.model.state_dict(), "first_batch": seen}, a.run_dir / f"rank{distributed.rank()}.pt")
    distributed.shutdown()
    sys.exit(0)
