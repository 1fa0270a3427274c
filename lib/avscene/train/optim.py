"""The optimizer, its parameter groups and the learning-rate schedule (reference notes §1.2; notebook 03).

``sgd``: momentum 0.9 (the paper's, at a constant lr of 1e-2); ``adam``: Adam, which gets a small
network off the ground far faster on a CPU (notebook 03 shows why). Both with L2 weight decay on
convolution and linear weights only (slim's ``l2_regularizer``); gradients are clipped by the loop. The
schedule is constant, or divided by 10 once after ``spec.lr_drop_at`` of the steps.
"""
from __future__ import annotations

from typing import Mapping

import torch
from torch import nn

from ..config import TrainSpec

_DECAYING = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear, nn.ConvTranspose2d)


def _scale(name: str, lr_scale: Mapping[str, float]) -> float:
    """The lr multiplier of parameter ``name``: the first prefix of ``lr_scale`` it falls under, else 1."""
    return next((s for prefix, s in lr_scale.items() if name == prefix or name.startswith(prefix + ".")), 1.0)


def param_groups(model: nn.Module, spec: TrainSpec, lr_scale: Mapping[str, float] | None = None) -> list[dict]:
    """Trainable parameters in groups: per lr multiplier (``lr_scale``: parameter-name prefix -> factor of
    ``spec.lr``, e.g. ``{"head": 10.0}``), convolution and linear weights decaying by
    ``spec.weight_decay``, biases and normalization parameters not. Frozen parameters are left out."""
    lr_scale = dict(lr_scale or {})
    groups: dict[tuple[float, bool], list[nn.Parameter]] = {}
    for module_name, module in model.named_modules():
        for name, param in module.named_parameters(recurse=False):
            if param.requires_grad:
                scale = _scale(f"{module_name}.{name}" if module_name else name, lr_scale)
                decays = name == "weight" and isinstance(module, _DECAYING)
                groups.setdefault((scale, decays), []).append(param)
    return [{"params": groups[k], "lr": spec.lr * k[0], "weight_decay": spec.weight_decay if k[1] else 0.0}
            for k in sorted(groups, key=lambda k: (k[0], not k[1]))]


def make_optimizer(model: nn.Module, spec: TrainSpec,
                   lr_scale: Mapping[str, float] | None = None) -> torch.optim.Optimizer:
    """``spec.optimizer`` over :func:`param_groups`."""
    groups = param_groups(model, spec, lr_scale)
    if not groups:
        raise ValueError("no trainable parameters: everything is frozen")
    if spec.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=spec.lr, momentum=0.9)
    if spec.optimizer == "adam":
        return torch.optim.Adam(groups, lr=spec.lr)
    raise ValueError(f"unknown optimizer {spec.optimizer!r}: choose 'sgd' (the paper's) or 'adam'")


def make_scheduler(optimizer: torch.optim.Optimizer, spec: TrainSpec) -> torch.optim.lr_scheduler.LambdaLR:
    """Every group's lr times 1, then times 0.1 from step ``int(lr_drop_at * steps)`` (never when >= 1)."""
    drop = int(spec.lr_drop_at * spec.steps) if spec.lr_drop_at < 1 else spec.steps + 1
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0 if step < drop else 0.1)
