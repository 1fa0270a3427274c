"""Step-indexed data: batch ``k`` is a pure function of ``(seed, k, rank)``, so resuming is exact.

A map-style dataset whose item ``i`` depends only on ``(seed, i)`` (no shared RNG), read through a
``DataLoader`` whose batch sampler starts at any step: workers prefetch in parallel, and a run resumed
at step ``k`` sees exactly the batches an uninterrupted run would have seen. Each rank of a distributed
run takes its own disjoint slice of every step's examples.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from . import distributed


class StepBatchSampler(Sampler[list[int]]):
    """Batches of global example indices: step ``k``, rank ``r`` gets ``[(k W + r) B, (k W + r + 1) B)``."""

    def __init__(self, batch_size: int, start_step: int, end_step: int, rank: int = 0, world: int = 1) -> None:
        self.batch_size, self.start, self.end, self.rank, self.world = batch_size, start_step, end_step, rank, world

    def __iter__(self) -> Iterator[list[int]]:
        b = self.batch_size
        for k in range(self.start, self.end):
            first = (k * self.world + self.rank) * b
            yield list(range(first, first + b))

    def __len__(self) -> int:
        return max(self.end - self.start, 0)


class LoaderSource:
    """``avscene.train.loop.BatchSource`` over a step-indexed dataset.

    ``collate`` stacks items on the CPU (uint8 stays uint8: workers never convert to float);
    ``to_device(batch, device)`` moves and converts on the device.
    """

    def __init__(self, dataset: Dataset, batch_size: int, steps: int, *, num_workers: int = 0,
                 collate: Callable[[list[Any]], dict[str, torch.Tensor]] | None = None,
                 to_device: Callable[[dict[str, torch.Tensor], torch.device], dict[str, torch.Tensor]] | None = None,
                 prefetch_factor: int = 4) -> None:
        self.dataset, self.batch_size, self.steps = dataset, batch_size, steps
        self.num_workers, self.prefetch_factor = num_workers, prefetch_factor
        self.collate = collate
        self._to_device = to_device

    def batches(self, start_step: int) -> Iterator[dict[str, torch.Tensor]]:
        sampler = StepBatchSampler(self.batch_size, start_step, self.steps,
                                   distributed.rank(), distributed.world_size())
        extra = ({"prefetch_factor": self.prefetch_factor, "persistent_workers": False}
                 if self.num_workers else {})
        # its own generator: creating the iterator must not draw from the global torch RNG (exact resume)
        loader = DataLoader(self.dataset, batch_sampler=sampler, num_workers=self.num_workers,
                            collate_fn=self.collate, pin_memory=torch.cuda.is_available(),
                            generator=torch.Generator().manual_seed(start_step), **extra)
        return iter(loader)

    def to_device(self, batch: dict[str, torch.Tensor], device: torch.device) -> dict[str, torch.Tensor]:
        if self._to_device is not None:
            return self._to_device(batch, device)
        return {k: v.to(device, non_blocking=True) for k, v in batch.items()}


class StepPhases(Dataset):
    """A curriculum over step-indexed datasets: steps ``< until[k]`` draw item ``i`` from ``datasets[k]``.

    ``examples_per_step`` is the global batch (videos per step x processes), so item ``i`` belongs to step
    ``i // examples_per_step`` whatever the rank; the last dataset serves every later step.
    """

    def __init__(self, datasets: list[Dataset], until: list[int], examples_per_step: int) -> None:
        if len(until) != len(datasets) - 1 or list(until) != sorted(until):
            raise ValueError(f"need one increasing boundary between each pair of phases, got {until}")
        self.datasets, self.until, self.examples_per_step = datasets, list(until), examples_per_step

    def phase(self, step: int) -> int:
        return next((k for k, end in enumerate(self.until) if step < end), len(self.until))

    def __len__(self) -> int:
        return len(self.datasets[-1])

    def __getitem__(self, index: int):
        return self.datasets[self.phase(index // self.examples_per_step)][index]
