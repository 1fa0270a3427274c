"""``SeparationNet``: the shift network's features at three scales feeding the spectrogram u-net
(Owens & Efros §6; reference notes §1.7; notebook 06).

The video net is the shift network on the clip's frames and the **stereo mixture** (its conv3_2 and
conv5_2 features are fused with the sound it hears); the u-net reads the **mono** mixture's spectrogram
(the mean of the channels, as the original's loss does) and predicts the on- and off-screen spectrograms.
``view="single_frame"`` shows the video net one frame repeated (the paper's single-frame model);
``video=None`` is the audio-only u-net (trained with PIT). ``frozen_video`` keeps the video net fixed and
in eval mode (the ``cpu`` profile's budget; the original fine-tunes it end to end).
"""
from __future__ import annotations

import torch
from torch import nn

from ..models import ShiftNet
from ..models.inputs import single_frame
from . import spectrogram as S
from .unet import UNet, pool_video_features

VIEWS = ("full", "single_frame")


class SeparationNet(nn.Module):
    """``forward(frames [B, 3, T, H, W] | None, mixture [B, C, N]) -> (on, off)``, each ``[B, 2, T', F]``
    (``T' = spec_frames``: the first frames of the mixture's spectrogram, a size the u-net takes)."""

    def __init__(self, unet: UNet, spec: S.SpecSpec, spec_frames: int, video: ShiftNet | None = None, *,
                 frozen_video: bool = False, view: str = "full") -> None:
        super().__init__()
        if (video is None) == unet.uses_video:
            raise ValueError("a u-net built with video_channels needs a video net, an audio-only one none")
        if view not in VIEWS:
            raise ValueError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
        unet.check_size(spec_frames, spec.bins)
        self.unet, self.video, self.spec = unet, video, spec
        self.spec_frames, self.frozen_video, self.view = int(spec_frames), bool(frozen_video), view
        if video is not None and frozen_video:
            for p in video.parameters():
                p.requires_grad_(False)
            video.eval()

    @property
    def samples(self) -> int:
        """Waveform samples the outputs cover: ``(spec_frames - 1) * hop``."""
        return self.spec.samples_for(self.spec_frames)

    def train(self, mode: bool = True) -> SeparationNet:
        super().train(mode)
        if self.video is not None and self.frozen_video:
            self.video.eval()  # a frozen net keeps its BN statistics
        return self

    def mixture_spec(self, mixture: torch.Tensor) -> torch.Tensor:
        """``mixture [B, C, N]`` -> the u-net's input ``[B, 2, spec_frames, F]`` (mono: mean of the channels)."""
        return self.target_spec(mixture)

    def target_spec(self, audio: torch.Tensor) -> torch.Tensor:
        """Any waveform ``[B, C, N]`` or ``[B, N]`` -> its normalised spectrogram ``[B, 2, spec_frames, F]``."""
        mono = audio.mean(dim=1) if audio.dim() == 3 else audio
        spec = S.to_spec(mono, self.spec)
        if spec.shape[2] < self.spec_frames:
            raise ValueError(f"{mono.shape[-1]} samples give {spec.shape[2]} spectrogram frames, "
                             f"fewer than {self.spec_frames}")
        return spec[:, :, :self.spec_frames]

    def video_features(self, frames: torch.Tensor, mixture: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """The shift network's three scales on ``frames`` and the stereo ``mixture``, averaged over space:
        ``([B, w, T/4], [B, 2w, T/4], [B, 8w, T/8])``."""
        assert self.video is not None
        seen = single_frame(frames, train=self.training) if self.view == "single_frame" else frames
        if self.frozen_video:
            with torch.no_grad():
                return pool_video_features(self.video.features(seen, mixture))
        return pool_video_features(self.video.features(seen, mixture))

    def forward(self, frames: torch.Tensor | None, mixture: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        video = self.video_features(frames, mixture) if self.video is not None else None
        return self.unet(self.mixture_spec(mixture), video)

    def waveforms(self, spec: torch.Tensor, mixture: torch.Tensor | None = None) -> torch.Tensor:
        """An output spectrogram ``[B, 2, spec_frames, F]`` -> its waveform ``[B, samples]``, with its own
        predicted phase (the original), or with the phase of ``mixture [B, C, N]`` when given (the usual
        choice for a magnitude estimate; a short training leaves the predicted phase poor: notebook 06)."""
        if mixture is not None:
            spec = torch.stack([spec[:, 0], self.mixture_spec(mixture)[:, 1]], dim=1)
        return S.from_spec(spec, self.spec, self.samples)


def ideal_ratio_mask(on: torch.Tensor, off: torch.Tensor, spec: S.SpecSpec, length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The oracle of notebook 06: each source's magnitude share of the sum, applied to the mixture's STFT
    (``on``, ``off`` mono ``[B, N]``) -> the two estimates ``[B, length]``; an upper bound for a masking
    separator that keeps the mixture's phase."""
    x_on, x_off = S.stft(on, spec), S.stft(off, spec)
    mix = x_on + x_off
    mask = x_on.abs() / (x_on.abs() + x_off.abs()).clamp_min(1e-8)
    return S.istft(mix * mask, spec, length), S.istft(mix * (1 - mask), spec, length)
