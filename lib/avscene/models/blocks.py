"""The original shift network's building blocks: TF-"SAME" convolutions, β-only batch norm, and the
residual blocks ``block2`` (audio, 1-D here) and ``block3`` (video, 3-D).

Reference notes §1.3-1.4 (Owens & Efros 2018, ``shift_net.py``):

* every convolution pads like TensorFlow's ``SAME``: output ``ceil(n / s)``, total padding
  ``max((ceil(n/s) - 1) * s + k - n, 0)``, the odd extra element on the right;
* batch norm has eps 1e-3, decay 0.9997 (PyTorch momentum 3e-4), a learned β and **no γ**;
* a residual block is ``conv(k, s) -> BN -> ReLU -> conv(k, 1) + bias``, added to a shortcut
  (identity; strided subsampling when only the stride changes; 1×1 conv + BN when channels change),
  then **BN -> ReLU after the sum**.

Deviation (documented): the original's post-sum BN is batch *renormalization* (``renorm=True``).
``BatchRenorm`` implements it (unclipped r, d as in the original); ``renorm=False`` (the default
here) uses plain BN, which is what the original does everywhere else.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

#: The original's batch-norm settings (reference notes §1.2).
BN_EPS = 1e-3
BN_MOMENTUM = 3e-4  # TF decay 0.9997


def same_padding(size: Sequence[int], kernel: Sequence[int], stride: Sequence[int]) -> list[tuple[int, int]]:
    """TF ``SAME`` padding per dimension: ``(left, right)`` with the extra element on the right."""
    pads = []
    for n, k, s in zip(size, kernel, stride):
        total = max((math.ceil(n / s) - 1) * s + k - n, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def _flat_pad(pads: list[tuple[int, int]]) -> list[int]:
    """``F.pad`` order: last dimension first."""
    return [p for pair in reversed(pads) for p in pair]


class SameConv(nn.Module):
    """A convolution (1-D or 3-D) with TF ``SAME`` padding, He fan-in init, optional BN and ReLU.

    ``x [B, C_in, *S] -> [B, C_out, *ceil(S / stride)]``. With ``bn`` the conv has no bias (slim's
    ``normalizer_fn``); without it, a bias (the original's ``conv(..., normalizer_fn=None)``).
    """

    def __init__(self, dims: int, c_in: int, c_out: int, kernel: int | Sequence[int],
                 stride: int | Sequence[int] = 1, *, bn: bool = True, relu: bool = True,
                 bn_momentum: float = BN_MOMENTUM, bn_scale: bool = False) -> None:
        super().__init__()
        self.dims = dims
        self.kernel = _tuple(kernel, dims)
        self.stride = _tuple(stride, dims)
        conv_cls = {1: nn.Conv1d, 3: nn.Conv3d}[dims]
        self.conv = conv_cls(c_in, c_out, self.kernel, self.stride, bias=not bn)
        init_he(self.conv)
        self.bn = BatchNorm(c_out, momentum=bn_momentum, scale=bn_scale) if bn else None
        self.relu = relu

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = same_padding(x.shape[2:], self.kernel, self.stride)
        if all(a == b for a, b in pads):  # symmetric: let the convolution pad (no copy)
            y = F.conv1d if self.dims == 1 else F.conv3d
            x = y(x, self.conv.weight, self.conv.bias, self.stride, tuple(a for a, _ in pads))
        else:
            x = self.conv(F.pad(x, _flat_pad(pads)))
        if self.bn is not None:
            x = self.bn(x)
        return F.relu(x) if self.relu else x


class SameMaxPool(nn.Module):
    """Max-pool with TF ``SAME`` (padding never wins the max) or ``VALID`` padding; 1-D or 3-D."""

    def __init__(self, dims: int, kernel: int | Sequence[int], stride: int | Sequence[int],
                 padding: str = "same") -> None:
        super().__init__()
        self.dims, self.kernel, self.stride = dims, _tuple(kernel, dims), _tuple(stride, dims)
        self.padding = padding

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pool = F.max_pool1d if self.dims == 1 else F.max_pool3d
        if self.padding != "same":
            return pool(x, self.kernel, self.stride)
        pads = same_padding(x.shape[2:], self.kernel, self.stride)
        want = [math.ceil(n / s) for n, s in zip(x.shape[2:], self.stride)]
        if all(left == 0 for left, _ in pads):  # pad on the right only: a ceil-mode pool, no copy
            y = pool(x, self.kernel, self.stride, ceil_mode=True)
        elif all(left == right for left, right in pads):
            y = pool(x, self.kernel, self.stride, padding=tuple(left for left, _ in pads))
        else:
            y = None
        if y is not None and list(y.shape[2:]) == want:
            return y
        return pool(F.pad(x, _flat_pad(pads), value=float("-inf")), self.kernel, self.stride)

    def extra_repr(self) -> str:
        return f"kernel={self.kernel}, stride={self.stride}, padding={self.padding!r}"


class BatchNorm(nn.modules.batchnorm._BatchNorm):
    """Batch norm over ``[B, C, ...]`` with β and, as in the shift net (``scale=False``), no γ.

    eps 1e-3 and momentum 3e-4 are the original's (TF decay 0.9997); ``momentum`` is an option because
    short, small-batch runs need running statistics that converge within their few thousand steps.
    """

    def __init__(self, num_features: int, *, momentum: float = BN_MOMENTUM, eps: float = BN_EPS,
                 scale: bool = False) -> None:
        super().__init__(num_features, eps=eps, momentum=momentum, affine=True)
        if not scale:
            del self.weight
            self.register_parameter("weight", None)

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.weight is not None:
            nn.init.ones_(self.weight)
        nn.init.zeros_(self.bias)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"scale={self.weight is not None}")

    def _check_input_dim(self, x: torch.Tensor) -> None:
        if x.dim() < 2:
            raise ValueError(f"BatchNorm expects [B, C, ...], got shape {tuple(x.shape)}")


class BatchRenorm(BatchNorm):
    """Batch renormalization (Ioffe 2017) as the original's post-residual BN (``renorm=True``, no
    clipping), following TF's ``_renorm_correction_and_moments``: in training
    ``y = (x - μ_B) / σ_B · r + d + β`` with ``r = σ_B / σ̃`` and ``d = (μ_B - μ̃) / σ̃`` held constant
    in the gradient, where ``μ̃ = m + (1 - w) μ_B`` and ``σ̃ = s + (1 - w) σ_B`` mix the zero-initialised
    moving averages ``m, s`` (momentum 0.01, TF's ``renorm_momentum`` 0.99) with the batch by the
    averages' weight ``w`` (0 at start, so the first step is plain BN). Evaluation uses the running
    statistics, like BN.
    """

    def __init__(self, num_features: int, *, momentum: float = BN_MOMENTUM, eps: float = BN_EPS,
                 renorm_momentum: float = 0.01, scale: bool = False) -> None:
        super().__init__(num_features, momentum=momentum, eps=eps, scale=scale)
        self.renorm_momentum = renorm_momentum
        self.register_buffer("renorm_mean", torch.zeros(num_features))
        self.register_buffer("renorm_std", torch.zeros(num_features))
        self.register_buffer("renorm_weight", torch.zeros(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return super().forward(x)
        dims = [0] + list(range(2, x.dim()))
        shape = [1, -1] + [1] * (x.dim() - 2)
        var, mean = torch.var_mean(x, dim=dims, unbiased=False)
        std = torch.sqrt(var + self.eps)
        with torch.no_grad():
            mixed_mean = self.renorm_mean + (1 - self.renorm_weight) * mean
            mixed_std = self.renorm_std + (1 - self.renorm_weight) * std
            r = std / mixed_std
            d = (mean - mixed_mean) / mixed_std
            n = x.numel() / x.shape[1]
            self.running_mean.lerp_(mean, self.momentum)
            self.running_var.lerp_(var * n / max(n - 1, 1), self.momentum)
            self.renorm_mean.lerp_(mean, self.renorm_momentum)
            self.renorm_std.lerp_(std, self.renorm_momentum)
            self.renorm_weight.lerp_(torch.ones_like(self.renorm_weight), self.renorm_momentum)
            self.num_batches_tracked += 1
        y = (x - mean.view(shape)) * (r / std).view(shape) + d.view(shape)
        if self.weight is not None:
            y = y * self.weight.view(shape)
        return y + self.bias.view(shape)


class ResBlock(nn.Module):
    """``block2`` (``dims=1``, audio) / ``block3`` (``dims=3``, video) of the original (notes §1.4).

    ``x [B, C_in, *S] -> [B, C_out, *ceil(S / stride)]``.
    """

    def __init__(self, dims: int, c_in: int, c_out: int, kernel: int | Sequence[int],
                 stride: int | Sequence[int] = 1, *, bn_momentum: float = BN_MOMENTUM,
                 renorm: bool = False, bn_scale: bool = False) -> None:
        super().__init__()
        self.stride = _tuple(stride, dims)
        strided = any(s > 1 for s in self.stride)
        if c_in == c_out:
            self.shortcut = None  # identity, or strided subsampling (a 1×1 max-pool) if strided
        else:
            self.shortcut = SameConv(dims, c_in, c_out, 1, stride, relu=False, bn_momentum=bn_momentum,
                                     bn_scale=bn_scale)
        self.strided = strided
        self.conv1 = SameConv(dims, c_in, c_out, kernel, stride, bn_momentum=bn_momentum, bn_scale=bn_scale)
        self.conv2 = SameConv(dims, c_out, c_out, kernel, 1, bn=False, relu=False)
        norm = BatchRenorm if renorm else BatchNorm
        self.bn = norm(c_out, momentum=bn_momentum, scale=bn_scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.shortcut is not None:
            short = self.shortcut(x)
        elif self.strided:
            short = x[(slice(None), slice(None)) + tuple(slice(None, None, s) for s in self.stride)]
        else:
            short = x
        return F.relu(self.bn(self.conv2(self.conv1(x)) + short))


def init_he(conv: nn.Module) -> None:
    """He fan-in init as the original's variance scaling (truncated normal, std corrected for the
    truncation at 2σ as TF's ``truncated_normal`` initializer does); zero bias."""
    fan_in = conv.weight[0].numel()
    std = math.sqrt(2.0 / fan_in) / 0.87962566103423978
    nn.init.trunc_normal_(conv.weight, 0.0, std, -2 * std, 2 * std)
    if conv.bias is not None:
        nn.init.zeros_(conv.bias)


def _tuple(v: int | Sequence[int], dims: int) -> tuple[int, ...]:
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * dims
