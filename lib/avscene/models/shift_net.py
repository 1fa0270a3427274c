"""``ShiftNet``: the early-fusion multisensory network of Owens & Efros (2018, §3.2, Fig. 2).

Layer by layer as the original ``shift_net.py`` (reference notes §1.3-1.6; notebook 02): a 3-D ResNet
over frames and a strided 1-D ResNet over the mu-law-compressed stereo waveform, fused by channel
concatenation once the video is 4× shorter in time (after ``im/conv2_2``), then reasoned over jointly
to one logit ("are these frames and this sound aligned?"). ``width=64`` is the original (36.04 M
parameters at 125 × 224 × 224 frames and 87,588 samples); smaller widths scale every channel count.

Deviations from the original (documented in notebook 02):

* the audio-to-video time alignment (``tf.nn.fractional_max_pool``, pseudo-random regions) is by
  default a deterministic adaptive max-pool to the video's step count (``audio_pool="adaptive"``);
  ``audio_pool="fractional"`` uses PyTorch's fractional max-pool (random in training, fixed regions
  in evaluation);
* the post-residual batch norm is plain BN unless ``renorm=True`` (batch renormalization).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from .blocks import BN_MOMENTUM, BatchNorm, BatchRenorm, ResBlock, SameConv, SameMaxPool, init_he
from .mulaw import mu_law

if TYPE_CHECKING:
    from avscene.config import Profile


class ShiftFeatures(NamedTuple):
    """The three scales the separation u-net reads (reference notes §1.7)."""

    scale0: torch.Tensor  # [B, w, T/4, H/8, W/8]: after im/conv2_2, video only
    scale1: torch.Tensor  # [B, 2w, T/4, H/8, W/8]: after im/conv3_2, fused
    scale2: torch.Tensor  # [B, 8w, T/8, H/32, W/32] (cam_levels 1: H/16, 2: H/8): after im/conv5_2 (``last_conv``)


class AudioAlign(nn.Module):
    """Max-pool audio steps onto the video's steps at the fusion: ``[B, C, L] -> [B, C, T_v]``.

    The original uses ``tf.nn.fractional_max_pool`` with ratio ``(L - 1) / T_v`` (86 -> 32 at full
    size). ``"adaptive"``: deterministic ``adaptive_max_pool1d`` (bins ``[floor(iL/T), ceil((i+1)L/T))``);
    ``"fractional"``: ``F.fractional_max_pool2d`` with 2-step windows, random regions in training and
    fixed (u = 0.5) regions in evaluation.
    """

    def __init__(self, mode: str = "adaptive") -> None:
        super().__init__()
        if mode not in ("adaptive", "fractional"):
            raise ValueError(f"audio_pool must be 'adaptive' or 'fractional', got {mode!r}")
        self.mode = mode

    def forward(self, x: torch.Tensor, steps: int) -> torch.Tensor:
        if x.shape[-1] < steps:
            raise ValueError(f"the audio is too short for the video: {x.shape[-1]} audio steps at the "
                             f"fusion for {steps} video steps; give at least as many seconds of audio "
                             "as of frames")
        if self.mode == "adaptive":
            return F.adaptive_max_pool1d(x, steps)
        samples = None if self.training else x.new_full((x.shape[0], x.shape[1], 2), 0.5)
        kernel = (min(2, x.shape[-1] - steps + 1), 1)
        return F.fractional_max_pool2d(x[..., None], kernel, output_size=(steps, 1),
                                       _random_samples=samples)[..., 0]

    def extra_repr(self) -> str:
        return f"mode={self.mode!r}"


class SoundBranch(nn.Module):
    """The audio ("sf") branch: ``audio [B, C, N] in [-1, 1] -> [B, 2w, T_v]`` (notes §1.3).

    mu-law, conv1_1 (65, stride 4), max-pool 4 (VALID), three ``block2`` (15, stride 4),
    alignment to the ``T_v`` video steps, conv5_1 (3).
    """

    def __init__(self, width: int, channels: int, *, bn_momentum: float, renorm: bool,
                 audio_pool: str, bn_scale: bool = False) -> None:
        super().__init__()
        w = width
        kw = dict(bn_momentum=bn_momentum, renorm=renorm, bn_scale=bn_scale)
        self.conv1_1 = SameConv(1, channels, w, 65, 4, bn_momentum=bn_momentum, bn_scale=bn_scale)
        self.pool = SameMaxPool(1, 4, 4, padding="valid")
        self.conv2_1 = ResBlock(1, w, 2 * w, 15, 4, **kw)
        self.conv3_1 = ResBlock(1, 2 * w, 2 * w, 15, 4, **kw)
        self.conv4_1 = ResBlock(1, 2 * w, 4 * w, 15, 4, **kw)
        self.align = AudioAlign(audio_pool)
        self.conv5_1 = SameConv(1, 4 * w, 2 * w, 3, 1, bn_momentum=bn_momentum, bn_scale=bn_scale)

    def forward(self, audio: torch.Tensor, steps: int) -> torch.Tensor:
        x = self.conv1_1(mu_law(audio))
        if x.shape[-1] < 4:
            raise ValueError(f"audio of {audio.shape[-1]} samples is too short for the sound branch")
        x = self.conv4_1(self.conv3_1(self.conv2_1(self.pool(x))))
        return self.conv5_1(self.align(x, steps))


class Merge(nn.Module):
    """The fusion (notes §1.5): concat(video w, tiled audio 2w) -> merge1 (1×1×1, 8w, BN, ReLU)
    -> merge2 (1×1×1, 2w, bias) + shortcut concat(first w [video], last w [audio]) -> BN -> ReLU.

    ``video [B, w, T, H, W]``, ``audio [B, 2w, T]`` or ``None`` (zeros: the no-sound ablation)
    ``-> [B, 2w, T, H, W]``.
    """

    def __init__(self, width: int, *, bn_momentum: float, renorm: bool, bn_scale: bool = False) -> None:
        super().__init__()
        w = width
        self.width = w
        self.merge1 = SameConv(3, 3 * w, 8 * w, 1, bn_momentum=bn_momentum, bn_scale=bn_scale)
        self.merge2 = SameConv(3, 8 * w, 2 * w, 1, bn=False, relu=False)
        self.bn = (BatchRenorm if renorm else BatchNorm)(2 * w, momentum=bn_momentum, scale=bn_scale)

    def forward(self, video: torch.Tensor, audio: torch.Tensor | None) -> torch.Tensor:
        b, _, t, h, w = video.shape
        if audio is None:
            tiled = video.new_zeros(b, 2 * self.width, t, h, w)
        else:
            tiled = audio[:, :, :, None, None].expand(-1, -1, -1, h, w)
        fused = torch.cat([video, tiled], dim=1)
        shortcut = torch.cat([video, tiled[:, -self.width:]], dim=1)
        return F.relu(self.bn(self.merge2(self.merge1(fused)) + shortcut))


class ShiftNet(nn.Module):
    """The shift (alignment) network; ``forward(frames, audio) -> logits [B]`` (label 1 = aligned).

    Args:
        width: channels of ``im/conv1`` (paper: 64); video 1, 1, 2, 4, 8 × width, audio 1, 2, 2, 4, 2
            × width, merge 8 -> 2 × width.
        audio_channels: waveform channels (2: stereo, as the original).
        cam_levels: spatial strides removed at the tail for the CAM model (notes §1.6). ``1``: conv5_1's,
            as the original ``cam_v1`` (2× finer CAMs: 14×14 at 224 px); ``2``: conv4_1's too (4× finer:
            for the small frames of the ``cpu`` profile, where a stride-16 map has too few cells for
            its receptive fields to differ; notebook 04); ``0``: the shift model. Every level keeps
            the parameters' shapes, so a CAM model is fine-tuned from the shift model's weights.
        use_sound: ``False`` zeroes the audio at the fusion (the paper's ablation); ``forward`` and
            friends also take ``use_sound=`` per call.
        bn_momentum: BN running-average momentum (original 3e-4, TF decay 0.9997).
        renorm: batch renormalization after each residual sum, as the original (default plain BN).
        audio_pool: ``"adaptive"`` (deterministic, default) or ``"fractional"``; see ``AudioAlign``.
        bn_scale: give every batch norm a learned γ. The shift model has none (``bn_scale`` unset); the
            separation model's copy of it has one (``sep_params``: ``bn_scale=True``), so its released
            weights load only into ``ShiftNet(bn_scale=True)`` (``avscene.convert``).

    Inputs: ``frames [B, 3, T, H, W]`` float in [-1, 1]; ``audio [B, C, N]`` float in [-1, 1]
    (mu-law compression is applied inside). Any T, H, W, N for which the audio spans at least as
    many fusion steps as the video works; shapes follow TF ``SAME`` padding (``ceil(n / stride)``).
    """

    def __init__(self, width: int = 64, *, audio_channels: int = 2, cam_levels: int = 0,
                 use_sound: bool = True, bn_momentum: float = BN_MOMENTUM, renorm: bool = False,
                 audio_pool: str = "adaptive", bn_scale: bool = False) -> None:
        super().__init__()
        if width < 1:
            raise ValueError(f"width must be positive, got {width}")
        if cam_levels not in (0, 1, 2):
            raise ValueError(f"cam_levels must be 0, 1 or 2 (spatial strides removed), got {cam_levels!r}")
        levels = cam_levels
        w = width
        self.width, self.audio_channels = w, audio_channels
        self.cam_levels, self.use_sound = levels, use_sound
        kw = dict(bn_momentum=bn_momentum, renorm=renorm, bn_scale=bn_scale)
        self.sf = SoundBranch(w, audio_channels, audio_pool=audio_pool, **kw)
        self.im = nn.ModuleDict(dict(
            conv1=SameConv(3, 3, w, (5, 7, 7), 2, bn_momentum=bn_momentum, bn_scale=bn_scale),
            pool=SameMaxPool(3, (1, 3, 3), (1, 2, 2)),
            conv2_1=ResBlock(3, w, w, 3, 1, **kw),
            conv2_2=ResBlock(3, w, w, 3, 2, **kw),
            merge=Merge(w, **kw),
            conv3_1=ResBlock(3, 2 * w, 2 * w, 3, 1, **kw),
            conv3_2=ResBlock(3, 2 * w, 2 * w, 3, 1, **kw),
            conv4_1=ResBlock(3, 2 * w, 4 * w, 3, (2, 1, 1) if levels >= 2 else 2, **kw),
            conv4_2=ResBlock(3, 4 * w, 4 * w, 3, 1, **kw),
            conv5_1=ResBlock(3, 4 * w, 8 * w, 3, (1, 1, 1) if levels >= 1 else (1, 2, 2), **kw),
            conv5_2=ResBlock(3, 8 * w, 8 * w, 3, 1, **kw),
        ))
        self.logits = nn.Conv3d(8 * w, 1, 1)
        init_he(self.logits)

    @classmethod
    def from_config(cls, cfg: "Profile", **overrides: Any) -> "ShiftNet":
        """The network a profile asks for (``cfg.net``, ``cfg.media.channels``)."""
        kw = dict(width=cfg.net.width, audio_channels=cfg.media.channels, cam_levels=cfg.net.cam_levels)
        for field in ("bn_momentum", "renorm", "audio_pool"):
            if hasattr(cfg.net, field):
                kw[field] = getattr(cfg.net, field)
        kw.update(overrides)
        return cls(**kw)

    # ----------------------------------------------------------------------------------------
    def _check(self, frames: torch.Tensor, audio: torch.Tensor | None, use_sound: bool) -> None:
        if frames.dim() != 5 or frames.shape[1] != 3:
            raise ValueError(f"frames must be [B, 3, T, H, W], got shape {tuple(frames.shape)}")
        if use_sound:
            if audio is None:
                raise ValueError("audio is None but use_sound is True")
            if audio.dim() != 3 or audio.shape[1] != self.audio_channels:
                raise ValueError(f"audio must be [B, {self.audio_channels}, N], "
                                 f"got shape {tuple(audio.shape)}")
            if audio.shape[0] != frames.shape[0]:
                raise ValueError(f"batch sizes differ: frames {frames.shape[0]}, audio {audio.shape[0]}")

    def features(self, frames: torch.Tensor, audio: torch.Tensor | None,
                 use_sound: bool | None = None) -> ShiftFeatures:
        """``frames [B, 3, T, H, W]``, ``audio [B, C, N]`` -> the three scales (``ShiftFeatures``)."""
        use_sound = self.use_sound if use_sound is None else use_sound
        self._check(frames, audio, use_sound)
        return self.fused_features(self.video_stem(frames), audio if use_sound else None)

    def video_stem(self, frames: torch.Tensor) -> torch.Tensor:
        """The video-only part before the fusion (im/conv1 .. im/conv2_2): ``frames [B, 3, T, H, W] ->
        [B, w, T/4, H/8, W/8]`` (scale 0). Scoring one window of frames against many audio windows (the
        sync offset search, ``avscene.shift.sync``) computes it once."""
        im = self.im
        return im["conv2_2"](im["conv2_1"](im["pool"](im["conv1"](frames))))

    def sound_features(self, audio: torch.Tensor, steps: int) -> torch.Tensor:
        """The sound branch alone: ``audio [B, C, N] -> [B, 2w, steps]``, pooled to the video stem's ``steps``
        time steps (``video_stem(frames).shape[2]``). The sync search computes it once per audio window and
        shares it between test-time views of the frames."""
        return self.sf(audio, steps)

    def fused_features(self, stem: torch.Tensor, audio: torch.Tensor | None, *,
                       sound: torch.Tensor | None = None) -> ShiftFeatures:
        """The rest of :meth:`features` from :meth:`video_stem`'s output and ``audio [B, C, N]`` (``None``:
        the sound zeroed at the fusion), or from ``sound`` (:meth:`sound_features`' output) instead of audio."""
        im = self.im
        if sound is None and audio is not None:
            sound = self.sf(audio, stem.shape[2])
        x = im["conv3_2"](im["conv3_1"](im["merge"](stem, sound)))
        scale1 = x
        x = im["conv5_2"](im["conv5_1"](im["conv4_2"](im["conv4_1"](x))))
        return ShiftFeatures(stem, scale1, x)

    def logits_from_stem(self, stem: torch.Tensor, audio: torch.Tensor) -> torch.Tensor:
        """Alignment logits ``[B]`` from :meth:`video_stem`'s output and ``audio [B, C, N]``."""
        last = self.fused_features(stem, audio).scale2
        return self.logits(last.mean(dim=(2, 3, 4), keepdim=True)).flatten()

    def logits_from_sound(self, stem: torch.Tensor, sound: torch.Tensor) -> torch.Tensor:
        """Alignment logits ``[B]`` from :meth:`video_stem`'s and :meth:`sound_features`' outputs."""
        last = self.fused_features(stem, None, sound=sound).scale2
        return self.logits(last.mean(dim=(2, 3, 4), keepdim=True)).flatten()

    def forward(self, frames: torch.Tensor, audio: torch.Tensor | None,
                use_sound: bool | None = None) -> torch.Tensor:
        """Alignment logits ``[B]``: global average pool of ``last_conv``, then the 1×1×1 logit conv."""
        last = self.features(frames, audio, use_sound).scale2
        return self.logits(last.mean(dim=(2, 3, 4), keepdim=True)).flatten()

    def cam(self, frames: torch.Tensor, audio: torch.Tensor | None,
            use_sound: bool | None = None) -> torch.Tensor:
        """Class activation map ``[B, T', H', W']``: the logit conv (with its bias) applied to every
        cell of ``last_conv`` before pooling, so ``cam.mean((1, 2, 3)) == forward(...)`` (notes §1.6)."""
        return self.logits(self.features(frames, audio, use_sound).scale2)[:, 0]

    def cam_from_features(self, last_conv: torch.Tensor) -> torch.Tensor:
        """``last_conv [B, 8w, T', H', W'] -> cam [B, T', H', W']``."""
        return self.logits(last_conv)[:, 0]


def count_parameters(module: nn.Module) -> int:
    """Trainable parameters (the original's BN has β only: no γ is counted because none exists)."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def feature_shapes(width: int, frames: int, size: int, cam_levels: int = 0) -> ShiftFeatures:
    """The ``(channels, time, height)`` of each feature scale for ``frames`` frames of ``size`` px, by
    TF ``SAME`` arithmetic alone (every stride-s layer gives ``ceil(n / s)``): what running the network
    must give (notebook 02's self-check; square frames, so width = height)."""
    def after(n: int, *strides: int) -> int:
        for s in strides:
            n = math.ceil(n / s)
        return n

    t_fuse, h_fuse = after(frames, 2, 2), after(size, 2, 2, 2)  # conv1, pool (space only), conv2_2
    h_last = after(h_fuse, *(2,) * (2 - cam_levels))  # conv4_1, conv5_1 unless their stride is removed
    return ShiftFeatures((width, t_fuse, h_fuse), (2 * width, t_fuse, h_fuse),
                         (8 * width, after(t_fuse, 2), h_last))
