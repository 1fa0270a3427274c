"""The shift pretext task's loss: both examples of each video, sigmoid cross-entropy, accuracy.

Owens & Efros §3.1, §3.3 (notebook 03). Every batch holds both examples of each video, the aligned one
(label 1) and the shifted one (label 0), which share their frames; the loss is sigmoid cross-entropy on
the network's single logit and accuracy is ``(logit > 0) == label`` (reference notes §1.3).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


def pair_logits(model: nn.Module, frames: torch.Tensor, audio: torch.Tensor) -> torch.Tensor:
    """Logits ``[B, 2]`` (aligned, shifted) for frames ``[B, 3, T, H, W]`` and audio ``[B, 2, C, N]``."""
    b = frames.shape[0]
    logits = model(torch.cat([frames, frames]), torch.cat([audio[:, 0], audio[:, 1]]))
    return logits.view(2, b).t()


@dataclass
class ShiftTask:
    """``avscene.train`` task: both examples of each video, sigmoid cross-entropy, accuracy.

    ``lowfps_until``: for steps before it, frames are subsampled 4x in time (the original's
    low-frame-rate warm start, ``shift_lowfps``; reference notes §1.2), with the same audio.
    ``pair_weight``: weight of an added ranking term ``softplus(logit_shifted - logit_aligned)`` that
    compares each video's two examples directly (0 = the paper's loss alone).
    """

    lowfps_until: int = 0
    pair_weight: float = 0.0
    step: int = 0

    def on_step(self, step: int) -> None:
        self.step = step

    def loss(self, model: nn.Module, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, float]]:
        frames = batch["frames"]
        if self.step < self.lowfps_until:
            frames = frames[:, :, ::4]
        logits = pair_logits(model, frames, batch["audio"])
        labels = torch.zeros_like(logits)
        labels[:, 0] = 1.0
        loss = F.binary_cross_entropy_with_logits(logits.float(), labels)
        acc = ((logits > 0).float() == labels).float().mean()
        metrics = {"acc": float(acc), "pair_acc": float((logits[:, 0] > logits[:, 1]).float().mean())}
        if self.pair_weight:
            loss = loss + self.pair_weight * F.softplus(logits[:, 1] - logits[:, 0]).float().mean()
        return loss, metrics


