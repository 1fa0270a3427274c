"""What the networks take, and the one place inputs become it (reference notes §1.1; notebooks 01-04).

Loaders and benchmarks keep frames uint8 ``[..., T, H, W, 3]`` and audio int16 (16-bit PCM,
``avscene.io.pcm``) or float ``[..., C, N]`` until a batch is on the device (a quarter of the bytes to
move); there they become the networks' floats: frames ``[B, 3, T, H, W]`` and audio ``[B, C, N]``, both in
[-1, 1] (the original's ``im / 127.5 - 1`` and ``int16 / 32767``).
"""
from __future__ import annotations

import torch

from ..io.pcm import PCM16_SCALE


def frames_to_net(frames: torch.Tensor) -> torch.Tensor:
    """uint8 ``[B, T, H, W, 3]`` -> float32 ``[B, 3, T, H, W]`` in [-1, 1], in the standard (contiguous)
    layout: on CPU, PyTorch's channels-last-3d convolutions ran 13x slower than contiguous ones for the
    shift network (0.39 vs 5.2 s a step at the cpu profile), so the layout the permute gives is not kept."""
    if frames.dim() != 5 or frames.shape[-1] != 3 or frames.dtype != torch.uint8:
        raise ValueError(f"frames must be uint8 [B, T, H, W, 3], got {frames.dtype} {tuple(frames.shape)}")
    return frames.permute(0, 4, 1, 2, 3).float().contiguous().div_(127.5).sub_(1.0)


def audio_to_net(audio: torch.Tensor) -> torch.Tensor:
    """int16 PCM or float audio ``[..., C, N]`` -> float32 ``[..., C, N]`` in [-1, 1]."""
    if audio.dtype == torch.int16:
        return audio.float().div_(PCM16_SCALE)
    if not audio.is_floating_point():
        raise ValueError(f"audio must be int16 PCM or float in [-1, 1], got {audio.dtype}")
    return audio.float()


def single_frame(frames: torch.Tensor, *, train: bool) -> torch.Tensor:
    """One frame of ``frames [B, 3, T, H, W]`` repeated ``T`` times: a random one per clip in training, the
    middle one at test. The single-frame controls of notebooks 05 and 06 see this (motion removed, the
    appearance kept)."""
    b, t = frames.shape[0], frames.shape[2]
    pick = (torch.randint(t, (b,), device=frames.device) if train
            else torch.full((b,), t // 2, device=frames.device))
    one = frames[torch.arange(b, device=frames.device), :, pick]  # [B, 3, H, W]
    return one[:, :, None].expand(-1, -1, t, -1, -1).contiguous()
