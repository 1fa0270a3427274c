"""The original optimizer and its CPU-friendly alternative (reference notes §1.2; notebook 03).

``sgd``: momentum 0.9, constant lr (1e-2 in the paper), L2 weight decay 1e-5 on convolution weights only
(slim's ``l2_regularizer``), gradients clipped to global norm 5. ``adam``: Adam with the same decay
groups, which gets a small network off the ground far faster on a CPU (notebook 03 shows why).
"""
from __future__ import annotations

import torch
from torch import nn


def decay_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    """Convolution (and linear) weights decay; biases and normalization parameters do not."""
    decay, no_decay = [], []
    for module in model.modules():
        for name, param in module.named_parameters(recurse=False):
            if not param.requires_grad:
                continue
            is_weight = name == "weight" and isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear,
                                                                   nn.ConvTranspose2d))
            (decay if is_weight else no_decay).append(param)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def make_optimizer(model: nn.Module, name: str, lr: float, weight_decay: float = 1e-5) -> torch.optim.Optimizer:
    groups = decay_groups(model, weight_decay)
    if name == "sgd":
        return torch.optim.SGD(groups, lr=lr, momentum=0.9)
    if name == "adam":
        return torch.optim.Adam(groups, lr=lr)
    raise ValueError(f"unknown optimizer {name!r}: choose 'sgd' (the paper's) or 'adam'")
