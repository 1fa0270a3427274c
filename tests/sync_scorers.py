"""A stand-in shift network whose best offset is known, for the sync search's tests (``test_sync``, ``test_demo``)."""
from __future__ import annotations

import torch
from torch import nn


class EnvelopeNet(nn.Module):
    """Its logit is the correlation of motion (absolute frame change) and audio loudness per frame, so its best
    offset is the true one: the search, its windows, the sign convention and the demo's decoding can be checked."""

    def __init__(self) -> None:
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(()))

    def video_stem(self, frames: torch.Tensor) -> torch.Tensor:  # [B, 3, T, H, W] -> [B, 1, T]
        change = (frames[:, :, 1:] - frames[:, :, :-1]).abs().mean(dim=(1, 3, 4))
        return torch.cat([change[:, :1], change], dim=1)[:, None]

    def sound_features(self, audio: torch.Tensor, steps: int) -> torch.Tensor:  # [B, C, N] -> [B, 1, steps]
        return audio.abs().mean(dim=1).reshape(len(audio), steps, -1).mean(dim=-1)[:, None]

    def logits_from_sound(self, stem: torch.Tensor, sound: torch.Tensor) -> torch.Tensor:  # -> [B]
        z = lambda x: (x - x.mean(-1, keepdim=True)) / (x.std(-1, keepdim=True) + 1e-6)  # noqa: E731
        return (z(stem[:, 0]) * z(sound[:, 0])).mean(dim=1)
