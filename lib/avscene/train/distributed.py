"""Multi-GPU (and multi-process CPU) training with torchrun + DistributedDataParallel.

``torchrun --nproc_per_node N -m avscene.shift pretrain ...`` sets RANK/WORLD_SIZE/LOCAL_RANK; we
initialize the process group (NCCL on CUDA, gloo on CPU), wrap the model in DDP, and each rank draws its
own disjoint share of every step's examples (``avscene.train.data``).
"""
from __future__ import annotations

import os

import torch
from torch import nn


def is_distributed() -> bool:
    return torch.distributed.is_available() and torch.distributed.is_initialized()


def rank() -> int:
    return torch.distributed.get_rank() if is_distributed() else 0


def world_size() -> int:
    return torch.distributed.get_world_size() if is_distributed() else 1


def init_from_env() -> torch.device:
    """Join the process group torchrun describes (if any) and return this process's device."""
    if "WORLD_SIZE" not in os.environ or int(os.environ["WORLD_SIZE"]) == 1 or is_distributed():
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    local = int(os.environ.get("LOCAL_RANK", 0))
    if torch.cuda.is_available():
        torch.cuda.set_device(local)
        torch.distributed.init_process_group("nccl")
        return torch.device("cuda", local)
    torch.distributed.init_process_group("gloo")
    return torch.device("cpu")


def wrap(model: nn.Module, device: torch.device) -> nn.Module:
    """DDP around ``model`` when a process group is up; the model itself otherwise."""
    if not is_distributed():
        return model
    ids = [device.index] if device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(model, device_ids=ids)


def barrier() -> None:
    """Wait for every process of the group (a no-op outside one)."""
    if is_distributed():
        torch.distributed.barrier()


def shutdown() -> None:
    if is_distributed():
        torch.distributed.destroy_process_group()
