"""Class activation maps of the shift network (Owens & Efros 2018, §4, Fig. 4; notebook 04).

As coded in the original (reference notes §1.6): the **same** 1×1×1 logit convolution, bias included,
applied to every cell of ``last_conv`` before the global pooling, so ``mean(cam) == logit``; the map
shown is ``abs(cam)`` averaged over time (or linearly interpolated per frame), upsampled to the frame.

Finer maps. At small profiles the native map is tiny (2×2 for 64-px crops: the net strides by 32).
The original trained a second model without conv5_1's spatial stride (``cam_v1``, 2× finer; here
:mod:`.cam_model`). :func:`maps` can also evaluate *trained weights* densely (``dense_levels``): the last
``dense_levels`` spatially strided residual blocks (conv5_1, then conv4_1) run with spatial stride 1
and every later convolution is dilated to match (the "à trous" algorithm). This computes exactly the
network's own map plus the values at the positions in between: ``dense[..., o::D, o::D]`` equals the
native CAM (``CamGeometry.native``; tested), so nothing is invented, only sampled more finely.
``mean(cam) == logit`` holds for the native map only.

Geometry. Under TF ``SAME`` padding a stride-2 layer's output ``q`` is centred on input ``2q + c``
(``c`` = 1 for the even sizes used here), so the map cells are *not* centred on the usual
``(j + 0.5) × stride`` grid: :class:`CamGeometry` records where each cell's receptive field is centred,
and :func:`upsample` interpolates the cells at those centres.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..models.blocks import ResBlock, SameConv, same_padding
from ..models.inputs import audio_to_net, frames_to_net

#: blocks after the fusion that may stride in space, in order; the tail ``conv4_1 .. conv5_2``
_TAIL = ("conv4_1", "conv4_2", "conv5_1", "conv5_2")


@dataclass(frozen=True)
class CamGeometry:
    """Where the cells of a (dense) CAM sit on the network's input frame, along each spatial axis.

    Cell ``j`` is centred on continuous pixel coordinate ``first_center + j * stride`` (pixel ``y``
    covers ``[y, y + 1)``). ``native_step``/``native_offset``: the original CAM is
    ``dense[..., native_offset::native_step, native_offset::native_step]``.
    """

    stride: float
    first_center: float
    native_step: int = 1
    native_offset: int = 0


@dataclass
class CamResult:
    """CAMs of a batch of clips: ``maps`` float32 ``[N, T', h, w]`` (signed, raw logit units),
    ``logits`` float32 ``[N]`` (the network's alignment logit), and the map ``geometry``.

    ``mirrored``: the CAMs of the same clips mirrored left-right, in the mirrored frame's coordinates
    (``cam_clips(..., mirror=True)``); :func:`to_frames` averages the two views on the frame.
    """

    maps: torch.Tensor
    logits: torch.Tensor
    geometry: CamGeometry
    mirrored: "CamResult | None" = None

    @property
    def native(self) -> torch.Tensor:
        """The original (non-dense) CAM ``[N, T', H', W']``; its mean over cells is the logit."""
        g = self.geometry
        return self.maps[..., g.native_offset::g.native_step, g.native_offset::g.native_step]


# ------------------------------------------------------------------------------------------------
# dense evaluation of the tail


def _stride_center(n: int, k: int, s: int) -> int:
    """For a SAME conv of kernel ``k``, stride ``s`` on ``n`` positions: output ``q`` is centred on
    input ``s*q + c``; returns ``c``."""
    (left, _), = same_padding([n], [k], [s])
    return (k - 1) // 2 - left


def _dense_conv(layer: SameConv, x: torch.Tensor, dil: int, stride_t: int) -> torch.Tensor:
    """``layer`` on ``x [B, C, T, h, w]`` with spatial stride 1 and spatial dilation ``dil``; time as native."""
    kt, kh, kw = layer.kernel
    (tl, tr), = same_padding([x.shape[2]], [kt], [stride_t])
    ph, pw = dil * (kh - 1) // 2, dil * (kw - 1) // 2
    if kh % 2 == 0 or kw % 2 == 0:
        raise ValueError(f"dense CAM needs odd spatial kernels, got {layer.kernel}")
    x = F.pad(x, (pw, pw, ph, ph, tl, tr))
    y = F.conv3d(x, layer.conv.weight, layer.conv.bias, (stride_t, 1, 1), 0, (1, dil, dil))
    if layer.bn is not None:
        y = layer.bn(y)
    return F.relu(y) if layer.relu else y


def _shift(x: torch.Tensor, by: int) -> torch.Tensor:
    """``y[..., i, j] = x[..., i - by, j - by]`` (edge-replicated where ``i - by < 0``)."""
    if by == 0:
        return x
    x = F.pad(x, (by, 0, by, 0, 0, 0), mode="replicate")
    return x[..., : x.shape[-2] - by, : x.shape[-1] - by]


def _dense_block(block: ResBlock, x: torch.Tensor, dil: int, densify: bool) -> tuple[torch.Tensor, int, int]:
    """One residual block on a dense input of dilation ``dil``.

    Returns ``(y, new_dil, offset_added)``: if ``densify`` and the block strides in space, its stride
    becomes 1 and later layers see dilation ``2 * dil``; output ``q`` of the native block then sits at
    dense position ``2*dil*q + dil*c + offset`` (``c``: see :func:`_stride_center`).
    """
    st, sh, sw = block.stride
    if sh != sw:
        raise ValueError(f"dense CAM needs equal spatial strides, got {block.stride}")
    if sh == 1 or not densify:
        if dil == 1:
            return block(x), 1, 0
        if sh != 1:
            raise ValueError("a strided block after a densified one must be densified too")
    strided = sh == 2 and densify
    if sh not in (1, 2):
        raise ValueError(f"dense CAM supports spatial strides 1 and 2, got {sh}")
    c = 0
    if strided:
        # native input size at this level, to find the centre offset of the stride-2 conv
        c = _stride_center(math.ceil(x.shape[-1] / dil), block.conv1.kernel[1], 2)
    h = _dense_conv(block.conv1, x, dil, st)
    new_dil = 2 * dil if strided else dil
    h = _dense_conv(block.conv2, h, new_dil, 1)
    if block.shortcut is not None:
        short = _dense_conv(block.shortcut, x, dil, st)
    elif any(s > 1 for s in block.stride):
        short = x[:, :, ::st]
    else:
        short = x
    short = _shift(short, dil * c) if strided else short
    return F.relu(block.bn(h + short)), new_dil, dil * c


def _head(model: nn.Module, frames: torch.Tensor, audio: torch.Tensor | None, use_sound: bool) -> torch.Tensor:
    """``ShiftNet`` up to and including conv3_2 (after the fusion): ``[B, 2w, T/4, H/8, W/8]``."""
    im = model.im
    x = im["conv2_2"](im["conv2_1"](im["pool"](im["conv1"](frames))))
    sound = model.sf(audio, x.shape[2]) if use_sound else None
    return im["conv3_2"](im["conv3_1"](im["merge"](x, sound)))


def geometry(model: nn.Module, crop: int, dense_levels: int = 0) -> CamGeometry:
    """The :class:`CamGeometry` of ``model``'s CAM for ``crop``-pixel square inputs."""
    strided = _strided_tail(model)
    if dense_levels > len(strided):
        raise ValueError(f"dense_levels={dense_levels} but the model has only {len(strided)} spatially "
                         f"strided blocks after the fusion ({', '.join(strided) or 'none'})")
    dense = set(strided[len(strided) - dense_levels:])
    # walk every spatial stage: (name, kernel, stride); affine map position -> pixel: pixel = a*p + b
    stages = [(model.im["conv1"].kernel[1], model.im["conv1"].stride[1]),
              (model.im["pool"].kernel[1], model.im["pool"].stride[1]),
              (model.im["conv2_2"].conv1.kernel[1], model.im["conv2_2"].stride[1])]
    tail = [(name, model.im[name].conv1.kernel[1], model.im[name].stride[1]) for name in _TAIL]
    n, a, b = crop, 1.0, 0.0  # pixel index = a * p + b for position p at the current level
    for k, s in stages:
        if s > 1:
            c = _stride_center(n, k, s)
            a, b, n = a * s, a * c + b, math.ceil(n / s)
    step, offset = 1, 0  # native position q at the current native level <-> dense index step*q + offset
    for name, k, s in tail:
        if s > 1:
            c = _stride_center(n, k, s)
            if name in dense:
                offset, step = step * c + offset, 2 * step
            else:
                a, b = a * s, a * c + b
            n = math.ceil(n / s)
    # a dense index j sits at pixel a * j + b (the dense map keeps the resolution of the level where
    # densifying began); pixel index -> continuous centre + 0.5
    return CamGeometry(stride=a, first_center=b + 0.5, native_step=step, native_offset=offset)


def _strided_tail(model: nn.Module) -> list[str]:
    return [name for name in _TAIL if model.im[name].stride[1] > 1]


def dense_levels_available(model: nn.Module) -> int:
    """The most ``dense_levels`` :func:`maps` accepts for ``model``: its spatially strided blocks after
    the fusion (2 for the shift model, 1 for ``cam_levels=1``, 0 for ``cam_levels=2``)."""
    return len(_strided_tail(model))


@torch.no_grad()
def maps(model: nn.Module, frames: torch.Tensor, audio: torch.Tensor | None, *, dense_levels: int = 0,
         use_sound: bool | None = None) -> CamResult:
    """CAMs of ``ShiftNet`` for ``frames [B, 3, T, H, W]`` and ``audio [B, C, N]``, both in [-1, 1].

    ``maps [B, T', h, w]``: with ``dense_levels=0`` exactly ``model.cam(...)`` (``h = H / 32``, or
    ``H / 16`` with ``cam_levels=1``); each dense level doubles ``h`` and ``w`` (see module doc).
    Runs in the model's current mode (call ``model.eval()`` first, as for any evaluation).
    """
    use_sound = model.use_sound if use_sound is None else use_sound
    model._check(frames, audio, use_sound)
    strided = _strided_tail(model)
    geo = geometry(model, frames.shape[-1], dense_levels)
    if frames.shape[-1] != frames.shape[-2]:
        raise ValueError(f"CAM geometry assumes square frames, got {tuple(frames.shape[-2:])}")
    dense = set(strided[len(strided) - dense_levels:])
    x = _head(model, frames, audio, use_sound)
    dil = 1
    for name in _TAIL:
        x, dil, _ = _dense_block(model.im[name], x, dil, name in dense)
    cells = model.logits(x)[:, 0]
    g = geo
    native = cells[..., g.native_offset::g.native_step, g.native_offset::g.native_step]
    logits = native.mean(dim=(1, 2, 3))
    return CamResult(cells.float(), logits.float(), geo)


@torch.no_grad()
def cam_clips(model: nn.Module, frames: np.ndarray, audio: np.ndarray, *, dense_levels: int = 0,
              batch_size: int = 8, device: torch.device | None = None, use_sound: bool | None = None,
              mirror: bool = False) -> CamResult:
    """CAMs for clips as the benchmark stores them: ``frames`` uint8 ``[N, T, H, W, 3]``, ``audio`` float
    ``[N, C, S]`` in [-1, 1] or int16 PCM (both made the network's inputs by ``avscene.models.inputs``).

    ``mirror=True`` also maps the clips mirrored left-right (audio unchanged, as the training's flip
    augmentation shows them) into ``result.mirrored``. The network saw both views equally in training,
    yet nothing makes its learned filters symmetric (and TF ``SAME`` padding is lopsided on even sizes:
    the extra pixel goes right and down), so one view's map can lean to one side; :func:`to_frames`
    averages the two views, which cancels a sideways lean.
    """
    if frames.ndim != 5 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"frames must be uint8 [N, T, H, W, 3], got {frames.dtype} {frames.shape}")
    if audio.ndim != 3 or len(audio) != len(frames):
        raise ValueError(f"audio must be [N, C, S] with N = {len(frames)}, got {audio.shape}")
    device = device or next(model.parameters()).device
    views = (False, True) if mirror else (False,)
    cells: dict[bool, list[torch.Tensor]] = {v: [] for v in views}
    logits: dict[bool, list[torch.Tensor]] = {v: [] for v in views}
    geo = None
    for first in range(0, len(frames), batch_size):
        f = frames_to_net(torch.from_numpy(np.ascontiguousarray(frames[first:first + batch_size])).to(device))
        a = audio_to_net(torch.from_numpy(np.ascontiguousarray(audio[first:first + batch_size])).to(device))
        for flipped in views:
            r = maps(model, f.flip(-1) if flipped else f, a, dense_levels=dense_levels, use_sound=use_sound)
            cells[flipped].append(r.maps.cpu())
            logits[flipped].append(r.logits.cpu())
            geo = r.geometry  # square frames: the mirrored view has the same geometry
    other = CamResult(torch.cat(cells[True]), torch.cat(logits[True]), geo) if mirror else None
    return CamResult(torch.cat(cells[False]), torch.cat(logits[False]), geo, other)


@torch.no_grad()
def consistency(model: nn.Module, result: CamResult, frames: np.ndarray, audio: np.ndarray) -> tuple[float, float]:
    """How exactly ``result`` (:func:`cam_clips` of clips whose first ``len(frames)`` are ``frames``
    uint8 ``[N, T, S, S, 3]`` and ``audio [N, C, L]``) holds ``model``'s own CAM: the relative gaps
    (its native sub-grid against ``model.cam``, the mean of ``model.cam`` against ``model``'s logit).
    Both are float rounding (about 1e-7) when the dense evaluation is exact (notebook 04's self-check)."""
    device = next(model.parameters()).device
    f = frames_to_net(torch.from_numpy(np.ascontiguousarray(frames)).to(device))
    a = audio_to_net(torch.from_numpy(np.ascontiguousarray(audio)).to(device))
    native, logits = model.cam(f, a).cpu(), model(f, a).cpu()
    cells = math.ceil(frames.shape[-2] / result.geometry.stride)
    if result.maps.shape[-1] != cells:
        raise AssertionError(f"{result.maps.shape[-1]} map cells across, geometry says {cells}")
    scale = 1.0 + float(native.abs().max())  # float32 sums in another order: relative to the map's size
    return (float((result.native[:len(native)] - native).abs().max()) / scale,
            float((native.mean(dim=(1, 2, 3)) - logits).abs().max()) / scale)


# ------------------------------------------------------------------------------------------------
# from cells to pixels


def upsample(maps: torch.Tensor, geo: CamGeometry, size: int) -> torch.Tensor:
    """Bilinear interpolation of ``maps [..., h, w]`` at the pixel centres of a ``size × size`` frame,
    with cell ``j`` centred where ``geo`` says (edge cells extend to the border) ``-> [..., size, size]``."""
    lead, (h, w) = maps.shape[:-2], maps.shape[-2:]
    x = maps.reshape(-1, 1, h, w).float()
    u = (torch.arange(size, dtype=torch.float32) + 0.5 - geo.first_center) / geo.stride  # cell coordinate

    def norm(v: torch.Tensor, n: int) -> torch.Tensor:
        return torch.zeros_like(v) if n == 1 else 2 * v / (n - 1) - 1

    gy, gx = torch.meshgrid(norm(u, h), norm(u, w), indexing="ij")
    grid = torch.stack([gx, gy], dim=-1).expand(x.shape[0], size, size, 2).to(x.device)
    y = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=True)
    return y.reshape(*lead, size, size)


def to_frames(result: CamResult, size: int, *, signed: bool = False, per_frame: int | None = None,
              mirror: bool = True) -> torch.Tensor:
    """Heat maps on the frame, as the original shows them.

    ``abs(cam)`` (``signed=False``, the original's choice) or the signed map; averaged over the map's
    time steps ``-> [N, size, size]``, or, with ``per_frame=T``, linearly interpolated along time to the
    ``T`` input frames as ``sep_video.heatmap`` does (frame ``i`` takes map time ``T' i / T``, between
    steps ``floor`` and ``floor + 1``) ``-> [N, T, size, size]``. When ``result.mirrored`` is present
    (and ``mirror``), the mirrored view's map, mirrored back, is averaged in on the frame.
    """
    if mirror and result.mirrored is not None:
        one = to_frames(result, size, signed=signed, per_frame=per_frame, mirror=False)
        other = to_frames(result.mirrored, size, signed=signed, per_frame=per_frame, mirror=False).flip(-1)
        return (one + other) / 2
    m = result.maps if signed else result.maps.abs()
    if per_frame is None:
        return upsample(m.mean(dim=1), result.geometry, size)
    t = m.shape[1]
    u = torch.arange(per_frame, dtype=torch.float64) * t / per_frame  # as sep_video.heatmap: f = T' i / T
    lo = u.floor().long()
    hi = (lo + 1).clamp_max(t - 1)
    p = (u - lo).to(m.dtype)[None, :, None, None]
    m = (1 - p) * m[:, lo] + p * m[:, hi]
    return upsample(m, result.geometry, size)
