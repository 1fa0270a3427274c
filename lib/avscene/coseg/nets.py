"""Sound of Pixels networks: audio u-net, dilated ResNet-18, synthesizer (notebook 08).

Zhao et al., *The Sound of Pixels*, ECCV 2018, as coded in the official
``hangzhaomit/Sound-of-Pixels`` (``models/audio_net.py``, ``vision_net.py``,
``synthesizer_net.py``, ``main.py``); reference notes §3.2 (§3.5 for the co-segmentation
softmax, §3.6 for the pitfalls). Every size is a constructor argument; the official ones
are ``AudioUNet(levels=7, ngf=64, out_channels=32)``, ``ImageNet(32, pretrained=True)``,
``Synthesizer(32)``.

* :class:`AudioUNet` (the official ``Unet``, ``unet7``): ``BatchNorm2d(1)`` on the log
  magnitude, then recursive blocks, one per level. Down: 4×4 conv, stride 2, padding 1,
  no bias; inner blocks LeakyReLU(0.2) -> conv -> BN, the innermost LeakyReLU -> conv
  (**no BN**, as the official code), the outermost the conv alone. Up: ReLU -> bilinear
  ×2 (``align_corners=True``) -> 3×3 conv (padding 1) -> BN; the outermost without BN
  and with a conv bias. Every block but the outermost returns ``concat(input, up)``.
  Down widths ``ngf · min(2^i, 8)`` (official: 1 -> 64 -> 128 -> 256 -> 512 -> 512 ->
  512 -> 512); output ``K`` channels, no activation.
* :class:`ImageNet` (the official ``ResnetDilated``, ``resnet18dilated``): torchvision
  ResNet-18 without avgpool/fc, layer4 at stride 1 and dilated (output stride 16:
  224 -> 14), then a 3×3 conv 512 -> K with a bias. Frames run independently and are
  max-pooled over T, H, W (logits: the caller applies the sigmoid, or the
  co-segmentation softmax over the K channels).
* :class:`Synthesizer` (the official ``InnerProd``): mask logits
  ``z = Σ_k α_k v_k s_k + β`` per time-frequency bin; :meth:`Synthesizer.pixelwise` at
  every visual location (the official ``forward_pixelwise``).
* :func:`init_official`: the official ``weights_init``. The original applied it to the
  audio net and the synthesizer only; the image net keeps ImageNet (or PyTorch-default)
  weights, its ``fc`` the PyTorch default.
* :class:`SoundOfPixels`: the official ``NetWrapper`` forward without the loss: the
  audio net once on the mixture, the image net per source video, the synthesizer per
  source -> mask logits ``[B, N, F, T]``.

Faithfulness notes (each checked in ``tests/test_coseg_nets.py``):

* The official ``downrelu`` is ``nn.LeakyReLU(0.2, inplace=True)``: it rewrites ``x``
  before ``torch.cat([x, self.model(x)], 1)`` reads it, so the official skip carries
  LeakyReLU(x). The concatenation's only consumer is the parent's up-path ReLU, and
  ReLU(LeakyReLU(x)) = ReLU(x), so the raw-input skip used here (out-of-place
  activations) gives the same outputs and gradients.
* The audio net's module layout (``bn0``, ``unet_block.model.<i>``, recursively) is the
  official one, so its state-dict keys are the official checkpoint's. The image net's
  backbone is ``backbone`` (the official ``features``; here that name is the per-frame
  :meth:`ImageNet.features` method); ``fc`` keeps its name. Official learning rates:
  ``backbone`` 1e-4, ``fc`` the sound lr 1e-3 (notes §3.3).
* The synthesizer's α and β are the official ``scale`` ``[K]`` and ``bias`` ``[1]`` (β a
  one-element tensor, as in the original's state dict).
* Inputs: spectrograms ``[B, 1, F, T]`` (frequency rows, time columns: the official
  256 × 256 log-frequency log magnitude); frames ``[B, T, 3, H, W]`` (time first; the
  original's ``forward_multiframe`` took ``[B, 3, T, H, W]``), ImageNet-normalised.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torchvision.models import ResNet18_Weights, resnet18
from torchvision.models.resnet import BasicBlock, conv1x1

from ..models.shift_net import count_parameters

__all__ = [
    "AudioUNet",
    "ImageNet",
    "SoundOfPixels",
    "Synthesizer",
    "UNetBlock",
    "count_parameters",
    "init_official",
    "nostride_dilate",
    "resnet18_backbone",
    "unet_widths",
]

LEAK = 0.2
#: The widest level, as a multiple of ``ngf`` (the official 8 · 64 = 512).
MAX_MULT = 8
#: The official ``weights_init`` (``models/__init__.py``): conv weights N(0, 0.001),
#: BN γ N(1, 0.02) and β 0, Linear weights N(0, 1e-4).
CONV_STD = 1e-3
BN_STD = 0.02
LINEAR_STD = 1e-4
#: ResNet-18's final width.
RESNET18_CHANNELS = 512
#: torchvision's ResNet-18 first-stage width (stages 64, 128, 256, 512).
RESNET18_WIDTH = 64


def unet_widths(levels: int, ngf: int) -> list[int]:
    """Down-path widths by depth, ``ngf · min(2^i, 8)``.

    Official unet7, ngf 64: 64, 128, 256, 512, 512, 512, 512.
    """
    return [ngf * min(2**i, MAX_MULT) for i in range(levels)]


class UNetBlock(nn.Module):
    """One u-net level (the official ``UnetBlock``).

    ``x [B, C_in, S, S'] -> [B, C_out, S, S']``: ``C_out`` is ``outer_nc`` for the
    outermost block and ``input_nc + outer_nc`` otherwise (the input concatenated before
    the up path's output). ``self.model`` holds the layers in the official order (down,
    submodule, up), so the state-dict keys match the official checkpoint's.

    Args:
        outer_nc: channels the up path returns (the parent's width; K, outermost).
        inner_nc: channels of this level's down conv (its width).
        input_nc: channels of ``x`` (default ``outer_nc``; 1 for the outermost).
        submodule: the next deeper block (``None`` for the innermost).
    """

    def __init__(
        self,
        outer_nc: int,
        inner_nc: int,
        input_nc: int | None = None,
        submodule: UNetBlock | None = None,
        *,
        outermost: bool = False,
    ) -> None:
        super().__init__()
        input_nc = outer_nc if input_nc is None else input_nc
        self.outermost = outermost
        self.innermost = submodule is None
        if self.outermost and self.innermost:
            raise ValueError("a u-net needs at least two levels (outer and innermost)")
        up_in = inner_nc if self.innermost else 2 * inner_nc  # the child's concat
        down_conv = nn.Conv2d(
            input_nc, inner_nc, kernel_size=4, stride=2, padding=1, bias=False
        )
        up = [
            nn.ReLU(),
            nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True),
            nn.Conv2d(up_in, outer_nc, kernel_size=3, padding=1, bias=outermost),
        ]
        if outermost:
            down: list[nn.Module] = [down_conv]
        elif self.innermost:
            down = [nn.LeakyReLU(LEAK), down_conv]
            up.append(nn.BatchNorm2d(outer_nc))
        else:
            down = [nn.LeakyReLU(LEAK), down_conv, nn.BatchNorm2d(inner_nc)]
            up.append(nn.BatchNorm2d(outer_nc))
        self.n_down = len(down)
        middle = [] if submodule is None else [submodule]
        self.model = nn.Sequential(*down, *middle, *up)

    def forward(
        self, x: torch.Tensor, trace: list[torch.Tensor] | None = None
    ) -> torch.Tensor:
        """``x [B, C_in, S, S'] -> [B, C_out, S, S']``.

        Appends each level's down-path output to ``trace`` (outermost first).
        """
        h = x
        for i in range(self.n_down):
            h = self.model[i](h)
        if trace is not None:
            trace.append(h)  # [B, inner_nc, S / 2, S' / 2]
        j = self.n_down
        if not self.innermost:
            h = self.model[j](h, trace)
            j += 1
        for layer in self.model[j:]:
            h = layer(h)
        if self.outermost:
            return h
        return torch.cat([x, h], dim=1)


class AudioUNet(nn.Module):
    """The official audio u-net: ``log_mag [B, 1, F, T] -> [B, K, F, T]`` (logits).

    Args:
        levels: down-sampling levels (official 7); ``F`` and ``T`` must be multiples of
            ``2^levels``.
        ngf: width of the first level (official 64); level ``i`` has
            ``ngf · min(2^i, 8)``.
        out_channels: ``K``, the audio components (official 32).

    PyTorch-default initialisation; call :func:`init_official` for the original's.
    """

    def __init__(self, levels: int = 7, ngf: int = 64, out_channels: int = 32) -> None:
        super().__init__()
        if levels < 2:
            raise ValueError(f"levels must be at least 2, got {levels}")
        self.levels, self.ngf, self.out_channels = levels, ngf, out_channels
        widths = unet_widths(levels, ngf)
        block: UNetBlock | None = None
        for i in range(levels - 1, 0, -1):  # innermost first, as the official code
            block = UNetBlock(widths[i - 1], widths[i], submodule=block)
        self.bn0 = nn.BatchNorm2d(1)
        self.unet_block = UNetBlock(
            out_channels, widths[0], input_nc=1, submodule=block, outermost=True
        )

    @property
    def widths(self) -> list[int]:
        return unet_widths(self.levels, self.ngf)

    def check_size(self, freq: int, time: int) -> None:
        """Raise unless ``F`` and ``T`` are multiples of ``2^levels``."""
        mult = 2**self.levels
        if freq % mult or time % mult:
            raise ValueError(
                f"a {self.levels}-level u-net needs F and T multiples of {mult}; "
                f"got F={freq}, T={time}"
            )

    def _run(
        self, log_mag: torch.Tensor, trace: list[torch.Tensor] | None
    ) -> torch.Tensor:
        if log_mag.dim() != 4 or log_mag.shape[1] != 1:
            raise ValueError(
                f"expected log magnitude [B, 1, F, T], got {tuple(log_mag.shape)}"
            )
        self.check_size(log_mag.shape[2], log_mag.shape[3])
        return self.unet_block(self.bn0(log_mag), trace)

    def forward(self, log_mag: torch.Tensor) -> torch.Tensor:
        """``log_mag [B, 1, F, T] -> [B, K, F, T]``."""
        return self._run(log_mag, None)

    def encoder_features(self, log_mag: torch.Tensor) -> list[torch.Tensor]:
        """The down path's outputs by depth ``i = 0 .. levels - 1``.

        Entry ``i`` is ``[B, widths[i], F / 2^(i+1), T / 2^(i+1)]``; the last is the
        bottleneck (official: 512 × 2 × 2). Runs the whole net, the decoder too.
        """
        trace: list[torch.Tensor] = []
        self._run(log_mag, trace)
        return trace


def nostride_dilate(module: nn.Module, dilate: int) -> None:
    """The official ``ResnetDilated._nostride_dilate``, for ``layer.apply``.

    A conv with stride 2 gets stride 1 (and, if 3×3, dilation and padding ``d // 2``);
    every other 3×3 conv gets dilation and padding ``d``; 1×1 convs keep dilation 1 (the
    downsample: stride 2 -> 1).
    """
    if isinstance(module, nn.Conv2d):
        if module.stride == (2, 2):
            module.stride = (1, 1)
            if module.kernel_size == (3, 3):
                module.dilation = module.padding = (dilate // 2, dilate // 2)
        elif module.kernel_size == (3, 3):
            module.dilation = module.padding = (dilate, dilate)


def resnet18_backbone(width: int) -> nn.Sequential:
    """ResNet-18's feature extractor at stage widths ``width · (1, 2, 4, 8)``: ``[B, 3, H, W] -> [B, 8·width,
    H/32, W/32]``. torchvision's own blocks (``BasicBlock``, ``conv1x1``) in torchvision's layout and child
    order (``conv1, bn1, relu, maxpool, layer1 .. layer4``, indices 0-7, as ``resnet18``'s children minus
    avgpool and fc) and its initialisation (Kaiming-normal convs, BN γ 1, β 0); ``width=64`` gives a network
    whose state dict loads into torchvision's."""
    if width < 1:
        raise ValueError(f"width must be >= 1, got {width}")

    def stage(inplanes: int, planes: int, stride: int) -> nn.Sequential:
        down = None
        if stride != 1 or inplanes != planes:
            down = nn.Sequential(conv1x1(inplanes, planes, stride), nn.BatchNorm2d(planes))
        return nn.Sequential(BasicBlock(inplanes, planes, stride, down), BasicBlock(planes, planes))

    w = width
    net = nn.Sequential(nn.Conv2d(3, w, kernel_size=7, stride=2, padding=3, bias=False), nn.BatchNorm2d(w),
                        nn.ReLU(inplace=True), nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
                        stage(w, w, 1), stage(w, 2 * w, 2), stage(2 * w, 4 * w, 2), stage(4 * w, 8 * w, 2))
    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
    return net


class ImageNet(nn.Module):
    """The official dilated ResNet-18: ``frames [B, T, 3, H, W] -> logits [B, K]``.

    Args:
        out_channels: ``K`` (official 32), the channels of the 3×3 ``fc`` conv (with
            bias, padding 1).
        width: the first stage's channels (official 64: torchvision's ResNet-18
            itself); another width builds the same topology narrower
            (:func:`resnet18_backbone`, the ``cpu`` profile's 16), from scratch.
        pretrained: torchvision's ``ResNet18_Weights.IMAGENET1K_V1`` (downloads them;
            only when asked).
        dilate: layer4 at stride 1, dilated (output stride 16, the official
            ``dilate_scale=16``); ``False`` keeps plain ResNet-18 (output stride 32).
    """

    def __init__(
        self, out_channels: int = 32, *, pretrained: bool = False, dilate: bool = True, width: int = 64
    ) -> None:
        super().__init__()
        if width != RESNET18_WIDTH and pretrained:
            raise ValueError(f"ImageNet weights exist for width {RESNET18_WIDTH} only, got width={width}")
        if width == RESNET18_WIDTH:
            net = resnet18(weights=ResNet18_Weights.IMAGENET1K_V1 if pretrained else None)
            # the official `features`: every child but avgpool and fc
            backbone = nn.Sequential(*list(net.children())[:-2])
        else:
            backbone = resnet18_backbone(width)
        if dilate:
            backbone[-1].apply(lambda m: nostride_dilate(m, 2))
        self.out_channels, self.width = out_channels, width
        self.stride = 16 if dilate else 32
        self.backbone = backbone
        self.fc = nn.Conv2d(8 * width, out_channels, kernel_size=3, padding=1)

    def features(self, frames: torch.Tensor) -> torch.Tensor:
        """``frames [B, 3, H, W] -> [B, K, H/16, W/16]`` (``/32`` undilated).

        The K-channel maps before pooling and activation (sizes round up).
        """
        return self.fc(self.backbone(frames))

    def _frame_maps(self, frames: torch.Tensor) -> torch.Tensor:
        """``[B, T, 3, H, W] -> [B, T, K, h, w]`` (all frames in one batch)."""
        if frames.dim() != 5 or frames.shape[2] != 3:
            raise ValueError(
                f"expected frames [B, T, 3, H, W], got {tuple(frames.shape)}"
            )
        b, t = frames.shape[:2]
        maps = self.features(frames.flatten(0, 1))
        return maps.view(b, t, *maps.shape[1:])

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        """``frames [B, T, 3, H, W] -> [B, K]``: max over T, H, W (logits)."""
        return self._frame_maps(frames).amax(dim=(1, 3, 4))

    def vectors(self, frames: torch.Tensor, activation: Callable[[torch.Tensor], torch.Tensor], *,
                per_location: bool = False) -> torch.Tensor:
        """``frames [B, T, 3, H, W] -> v [B, K]``: ``activation`` on the pooled logits (the official order;
        the same as pooling after an elementwise sigmoid), or, with ``per_location``, at every frame and
        location before the max (co-segmentation's softmax over the channels at each location, §3.5)."""
        if not per_location:
            return activation(self(frames))
        maps = self._frame_maps(frames)  # [B, T, K, h, w]
        return activation(maps.flatten(0, 1)).view_as(maps).amax(dim=(1, 3, 4))

    def pixel_maps(self, frames: torch.Tensor) -> torch.Tensor:
        """``frames [B, T, 3, H, W] -> [B, K, h, w]``: max over T only (logits)."""
        return self._frame_maps(frames).amax(dim=1)


class Synthesizer(nn.Module):
    """The official linear synthesizer (``InnerProd``): ``z = Σ_k α_k v_k s_k + β``.

    ``scale`` is α ``[K]`` (initialised to 1), ``bias`` is β ``[1]`` (initialised to 0).
    Outputs are mask logits; the official output activation, a sigmoid, is the caller's
    (or the loss's).
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.channels = channels
        self.scale = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(1))

    def _check(self, visual: torch.Tensor, audio: torch.Tensor, dims: int) -> None:
        k = self.channels
        if (
            visual.dim() != dims
            or visual.shape[1] != k
            or audio.dim() != 4
            or audio.shape[1] != k
            or visual.shape[0] != audio.shape[0]
        ):
            raise ValueError(
                f"expected visual [B, {k}{', h, w' if dims == 4 else ''}] and audio "
                f"[B, {k}, F, T], got {tuple(visual.shape)} and {tuple(audio.shape)}"
            )

    def forward(self, visual: torch.Tensor, audio: torch.Tensor) -> torch.Tensor:
        """``visual [B, K]``, ``audio [B, K, F, T]`` -> mask logits ``[B, F, T]``."""
        self._check(visual, audio, 2)
        return torch.einsum("bk,bkft->bft", visual * self.scale, audio) + self.bias

    def pixelwise(self, visual_maps: torch.Tensor, audio: torch.Tensor) -> torch.Tensor:
        """``visual_maps [B, K, h, w]``, ``audio [B, K, F, T]`` -> ``[B, h, w, F, T]``.

        Mask logits at every visual location (the official ``forward_pixelwise``).
        Memory: ``h·w·F·T`` values per item (official 14·14·256·256 ≈ 12.8 M floats,
        ≈ 51 MB in float32); chunk over locations for larger maps.
        """
        self._check(visual_maps, audio, 4)
        weighted = visual_maps * self.scale[:, None, None]
        return torch.einsum("bkhw,bkft->bhwft", weighted, audio) + self.bias


@torch.no_grad()
def init_official(module: nn.Module) -> nn.Module:
    """The official ``weights_init`` over ``module``'s tree; returns ``module``.

    Conv (and transposed conv) weights N(0, 0.001), biases untouched; BatchNorm γ
    N(1, 0.02), β 0; Linear weights N(0, 1e-4), biases untouched. The original applied
    it to the audio net and the synthesizer only (a no-op on the latter: α = 1, β = 0
    already); the image net keeps its ImageNet (or PyTorch-default) weights, its ``fc``
    the PyTorch default.
    """
    for m in module.modules():
        if isinstance(m, nn.modules.conv._ConvNd):
            m.weight.normal_(0.0, CONV_STD)
        elif isinstance(m, nn.modules.batchnorm._BatchNorm):
            if m.weight is not None:
                m.weight.normal_(1.0, BN_STD)
            if m.bias is not None:
                m.bias.zero_()
        elif isinstance(m, nn.Linear):
            m.weight.normal_(0.0, LINEAR_STD)
    return module


class SoundOfPixels(nn.Module):
    """Mix-and-Separate forward (the official ``NetWrapper`` without the loss).

    ``log_mix [B, 1, F, T]``, ``frames [B, N, T, 3, H, W]`` -> mask logits
    ``[B, N, F, T]``: the audio net once on the mixture's log magnitude, the image net
    on each source's frames (one call per source: BatchNorm sees the official batches),
    ``visual_activation`` on each ``[B, K]`` visual vector (official: sigmoid;
    co-segmentation: ``lambda v: torch.softmax(v / tau, dim=1)``), the synthesizer per
    source. The sound activation is the identity (official ``sound_activation='no'``);
    the output sigmoid is the caller's (or ``BCEWithLogitsLoss``'s).
    """

    def __init__(self, audio: AudioUNet, image: ImageNet, synth: Synthesizer) -> None:
        super().__init__()
        if not audio.out_channels == image.out_channels == synth.channels:
            raise ValueError(
                f"K differs: audio {audio.out_channels}, image {image.out_channels}, "
                f"synthesizer {synth.channels}"
            )
        self.audio, self.image, self.synth = audio, image, synth

    def forward(
        self,
        log_mix: torch.Tensor,
        frames: torch.Tensor,
        visual_activation: Callable[[torch.Tensor], torch.Tensor] = torch.sigmoid,
        per_location: bool = False,
    ) -> torch.Tensor:
        """``log_mix [B, 1, F, T]``, ``frames [B, N, T, 3, H, W]`` -> ``[B, N, F, T]``.

        ``visual_activation`` maps each source's ``[B, K]`` image logits to ``v``
        (with ``per_location``, the ``[B, K, h, w]`` logits before the max:
        :meth:`ImageNet.vectors`).
        """
        if frames.dim() != 6 or frames.shape[0] != log_mix.shape[0]:
            raise ValueError(
                f"expected frames [B, N, T, 3, H, W] with B={log_mix.shape[0]}, "
                f"got {tuple(frames.shape)}"
            )
        sound = self.audio(log_mix)  # [B, K, F, T]
        masks = [
            self.synth(self.image.vectors(frames[:, n], visual_activation, per_location=per_location),
                       sound)  # [B, F, T]
            for n in range(frames.shape[1])
        ]
        return torch.stack(masks, dim=1)
