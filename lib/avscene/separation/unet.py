"""The on/off-screen separation u-net (reference notes §1.7; the original ``sourcesep.make_net``).

A pix2pix u-net on the mixture's spectrogram ``[B, 2, T, F]`` (log magnitude, phase; see
:mod:`.spectrogram`), every width and the depth set by the constructor (the original: ``width=64``,
``levels=9`` on 128 × 1024 spectrograms):

* encoder level ``i``: 4×4 conv with TF ``SAME`` padding, stride ``(1, 2)`` (time, freq) for the first
  two levels and ``(2, 2)`` after, ``width · min(2^i, 8)`` channels, no bias -> BN -> LeakyReLU(0.2).
  The **skip is the BN output before the LeakyReLU** (the original's ``acts``);
* video features (three scales, already averaged over space, see :func:`pool_video_features`) are
  resized in time to the level's length with ``F.interpolate(mode="linear", align_corners=False)``
  (half-pixel centres; the original's TF1 ``resize_images`` bilinear used the legacy corner mapping,
  which shifts the video by a fraction of a step), tiled over frequency and concatenated (audio
  channels first) after encoder levels ``video_levels`` (the original: conv3, conv4, conv5 = levels
  2, 3, 4 for scales 0, 1, 2). As in the original's ``merge_level``, the merged tensor feeds the next
  level **and replaces that level's skip**, so at those levels the skip is the post-LeakyReLU
  activation plus video (in audio-only mode every skip is pre-activation);
* decoder level ``i`` (mirroring encoder level ``i``, deepest first): ReLU(concat(x, skip_i)) ->
  4×4 transposed conv with the encoder's stride (TF ``SAME``: exactly ×stride) -> BN; the deepest one
  takes the encoder output alone (no concatenation);
* two heads, on-screen (``gen/fg``) and off-screen (``gen/bg``), both on ReLU(concat(x, skip_0)):
  a transposed conv to 2 channels with a bias and no BN, then tanh: ``[B, 2, T, F]`` in ``(-1, 1)``
  (unit log magnitude, unit phase), the input's layout.

Initialisation as the original's ``unet_arg_scope``: conv weights N(0, 0.02), BN γ ~ N(1, 0.02), β = 0,
eps 1e-5, momentum 3e-4 (TF decay 0.9997). Deviation (documented): the original's BN is batch
*renormalization*; here it is plain BN (``nn.BatchNorm2d``). The 1e-5 L2 weight penalty is the
optimizer's weight decay (``TrainSpec.weight_decay``; see :mod:`avscene.separation.losses`).

Sizes: ``T`` must be a multiple of ``2^(levels - 2)`` and ``F`` of ``2^levels``.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..models.blocks import same_padding

KERNEL = 4
LEAK = 0.2
#: Encoder levels that halve only the frequency axis (the original's conv1, conv2).
FREQ_ONLY_LEVELS = 2
#: The original's BN settings (``unet_arg_scope``): eps 1e-5, decay 0.9997.
BN_EPS = 1e-5
BN_MOMENTUM = 3e-4
INIT_STD = 0.02
#: Encoder levels that receive video scales 0, 1, 2 (the original's conv3, conv4, conv5).
VIDEO_LEVELS = (2, 3, 4)

Video = tuple[torch.Tensor, torch.Tensor, torch.Tensor]


def pool_video_features(features: Sequence[torch.Tensor]) -> Video:
    """Average video features over space: three ``[B, C_i, T_i, H_i, W_i]`` -> ``[B, C_i, T_i]``.

    Takes ``avscene.models.shift_net.ShiftFeatures`` (``scale0``, ``scale1``, ``scale2``) or any
    sequence of three such tensors; the original's ``tf.reduce_mean(scales[n], [2, 3])``.
    """
    if len(features) != 3:
        raise ValueError(f"expected three video scales, got {len(features)}")
    a, b, c = (f.mean(dim=(-2, -1)) for f in features)
    return a, b, c


def _bn(channels: int, momentum: float) -> nn.BatchNorm2d:
    bn = nn.BatchNorm2d(channels, eps=BN_EPS, momentum=momentum)
    nn.init.normal_(bn.weight, 1.0, INIT_STD)
    nn.init.zeros_(bn.bias)
    return bn


class EncoderLevel(nn.Module):
    """``x [B, C_in, T, F] -> [B, C_out, T / s_t, F / s_f]``: TF-``SAME`` 4×4 conv (no bias) -> BN.

    The pre-activation output; the caller applies the LeakyReLU (the skip is taken before it).
    """

    def __init__(self, c_in: int, c_out: int, stride: tuple[int, int], bn_momentum: float) -> None:
        super().__init__()
        self.stride = stride
        self.conv = nn.Conv2d(c_in, c_out, KERNEL, stride, bias=False)
        nn.init.normal_(self.conv.weight, 0.0, INIT_STD)
        self.bn = _bn(c_out, bn_momentum)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        (t0, t1), (f0, f1) = same_padding(x.shape[2:], (KERNEL, KERNEL), self.stride)
        return self.bn(self.conv(F.pad(x, (f0, f1, t0, t1))))


class DecoderLevel(nn.Module):
    """``x [B, C_in, T, F] -> [B, C_out, T · s_t, F · s_f]``: ReLU -> TF-``SAME`` 4×4 transposed conv -> BN.

    TF ``SAME`` for a transposed conv gives exactly ``n · s``: ``padding=1`` does it for stride 2; for
    stride 1 the full output (``n + 3``) is cropped by 1 on the left and 2 on the right (the transpose
    of the forward conv's ``(1, 2)`` padding). Without ``bn`` (the heads) the conv has a bias.
    """

    def __init__(self, c_in: int, c_out: int, stride: tuple[int, int], bn_momentum: float,
                 *, bn: bool = True) -> None:
        super().__init__()
        self.stride = stride
        self.conv = nn.ConvTranspose2d(c_in, c_out, KERNEL, stride, padding=1, bias=not bn)
        nn.init.normal_(self.conv.weight, 0.0, INIT_STD)
        if not bn:
            nn.init.zeros_(self.conv.bias)
        self.bn = _bn(c_out, bn_momentum) if bn else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t, f = x.shape[2:]
        y = self.conv(F.relu(x))[:, :, :t * self.stride[0], :f * self.stride[1]]
        return y if self.bn is None else self.bn(y)


class UNet(nn.Module):
    """Spectrogram u-net with optional video injection and on/off-screen heads (notes §1.7).

    ``forward(spec [B, 2, T, F], video) -> (on [B, 2, T, F], off [B, 2, T, F])`` in ``(-1, 1)``.

    Args:
        width: channels of the first level (the original 64); level ``i`` has ``width · min(2^i, 8)``.
        levels: encoder levels (the original 9); at least ``max(video_levels) + 1`` with video.
        video_channels: channels ``(C_0, C_1, C_2)`` of the three video scales (for the shift network
            of width ``w``: ``(w, 2w, 8w)``), or ``None`` for the audio-only (PIT) network.
        video_levels: the encoder levels that receive scales 0, 1, 2.
        in_channels: spectrogram channels (2: log magnitude, phase).
        bn_momentum: BN running-average momentum (PyTorch convention; the original 3e-4).
    """

    def __init__(self, *, width: int = 64, levels: int = 9,
                 video_channels: tuple[int, int, int] | None = None,
                 video_levels: tuple[int, int, int] = VIDEO_LEVELS, in_channels: int = 2,
                 bn_momentum: float = BN_MOMENTUM) -> None:
        super().__init__()
        if levels < FREQ_ONLY_LEVELS + 1:
            raise ValueError(f"levels must be at least {FREQ_ONLY_LEVELS + 1}, got {levels}")
        if video_channels is not None:
            if len(video_channels) != 3 or len(video_levels) != 3:
                raise ValueError("video_channels and video_levels need one entry per scale (3)")
            if not all(0 <= lv < levels for lv in video_levels):
                raise ValueError(f"video_levels {video_levels} must lie in [0, {levels})")
        self.width = width
        self.levels = levels
        self.in_channels = in_channels
        self.video_channels = tuple(video_channels) if video_channels is not None else None
        self.video_levels = tuple(video_levels)
        chans = [width * min(2 ** i, 8) for i in range(levels)]
        strides = [(1, 2) if i < FREQ_ONLY_LEVELS else (2, 2) for i in range(levels)]
        extra = [0] * levels  # video channels concatenated after each level
        if self.video_channels is not None:
            for lv, c in zip(self.video_levels, self.video_channels):
                extra[lv] += c
        skip = [c + e for c, e in zip(chans, extra)]
        self.encoder = nn.ModuleList(
            EncoderLevel(in_channels if i == 0 else skip[i - 1], chans[i], strides[i], bn_momentum)
            for i in range(levels))
        # decoder[i] mirrors encoder level i + 1 (i = 0 .. levels - 2) and outputs chans[i]
        self.decoder = nn.ModuleList(
            DecoderLevel(skip[i + 1] if i + 1 == levels - 1 else chans[i + 1] + skip[i + 1], chans[i],
                         strides[i + 1], bn_momentum)
            for i in range(levels - 1))
        self.on_head = DecoderLevel(chans[0] + skip[0], in_channels, strides[0], bn_momentum, bn=False)
        self.off_head = DecoderLevel(chans[0] + skip[0], in_channels, strides[0], bn_momentum, bn=False)

    @property
    def uses_video(self) -> bool:
        return self.video_channels is not None

    def check_size(self, time: int, freq: int) -> None:
        """Raise unless ``T`` is a multiple of ``2^(levels - 2)`` and ``F`` of ``2^levels``."""
        t_mult, f_mult = 2 ** (self.levels - FREQ_ONLY_LEVELS), 2 ** self.levels
        if time % t_mult or freq % f_mult:
            raise ValueError(f"a {self.levels}-level u-net needs time a multiple of {t_mult} and "
                             f"frequency a multiple of {f_mult}; got {time} × {freq}")

    def forward(self, spec: torch.Tensor, video: Video | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """``spec [B, 2, T, F]``, ``video`` three ``[B, C_i, T_i]`` or ``None`` -> ``(on, off)``, each ``[B, 2, T, F]``."""
        self.check_size(spec.shape[2], spec.shape[3])
        if self.uses_video and video is None:
            raise ValueError("this u-net was built with video_channels; pass the three video scales")
        if not self.uses_video and video is not None:
            raise ValueError("this u-net is audio-only (video_channels=None) but got video features")
        inject = dict(zip(self.video_levels, video)) if video is not None else {}
        x, skips = spec, []
        for i, level in enumerate(self.encoder):
            pre = level(x)  # [B, C_i, T_i, F_i], the skip (pre-activation)
            x = F.leaky_relu(pre, LEAK)
            if i in inject:
                x = torch.cat([x, self._tile(inject[i], pre.shape[2], pre.shape[3])], dim=1)
                pre = x  # the original's merge_level: the merged tensor replaces the skip
            skips.append(pre)
        for i in range(self.levels - 2, -1, -1):  # deepest first
            x = self.decoder[i](x if i == self.levels - 2 else torch.cat([x, skips[i + 1]], dim=1))
        x = torch.cat([x, skips[0]], dim=1)
        return torch.tanh(self.on_head(x)), torch.tanh(self.off_head(x))

    @staticmethod
    def _tile(v: torch.Tensor, time: int, freq: int) -> torch.Tensor:
        """``[B, C, T_v] -> [B, C, time, freq]``: linear resize in time, repeat over frequency."""
        if v.dim() != 3:
            raise ValueError(f"video features must be [B, C, T] (see pool_video_features), got {tuple(v.shape)}")
        if v.shape[-1] != time:
            v = F.interpolate(v, size=time, mode="linear", align_corners=False)
        return v[..., None].expand(-1, -1, -1, freq)
