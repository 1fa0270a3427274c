"""TensorFlow layouts -> PyTorch layouts, tensor by tensor (step 14; reference notes §1.3, §1.7, §1.9).

The original (TF 1, slim) stores

* ``conv2d`` / ``convolution`` (3-D) kernels as ``[*kernel, in, out]`` (channels last); PyTorch's
  ``Conv1d/2d/3d`` as ``[out, in, *kernel]``. The sound branch's "2-D" convs have kernels ``[k, 1]`` over
  a ``[B, N, 1, C]`` tensor: here they are 1-D convs, so the width-1 axis is dropped;
* ``conv2d_transpose`` kernels as ``[kh, kw, out, in]``; PyTorch's ``ConvTranspose2d`` as
  ``[in, out, kh, kw]``. Both are the adjoint of a correlation with the same kernel (no flip);
* batch norm as ``beta`` (β), ``gamma`` (γ, only where ``scale=True``: the u-net, and the separation
  model's shift net, whose ``bn_scale`` is on), ``moving_mean`` and ``moving_variance`` -> ``bias``,
  ``weight``, ``running_mean``, ``running_var``.
"""
from __future__ import annotations

import numpy as np
import torch


def conv_kernel(w: np.ndarray, dims: int) -> torch.Tensor:
    """A TF conv kernel ``[*k, in, out]`` -> a PyTorch ``Conv{dims}d`` weight ``[out, in, *k]``.

    ``dims=1`` takes the original's ``[k, 1, in, out]`` sound-branch kernels (width 1 dropped).
    """
    w = np.asarray(w)
    if dims == 1:
        if w.ndim != 4 or w.shape[1] != 1:
            raise ValueError(f"a sound-branch kernel must be [k, 1, in, out], got {w.shape}")
        w = w[:, 0]
    if w.ndim != dims + 2:
        raise ValueError(f"a {dims}-D conv kernel must have {dims + 2} axes [*k, in, out], got {w.shape}")
    order = (dims + 1, dims) + tuple(range(dims))
    return torch.from_numpy(np.ascontiguousarray(np.transpose(w, order)).astype(np.float32))


def deconv_kernel(w: np.ndarray) -> torch.Tensor:
    """A TF ``conv2d_transpose`` kernel ``[kh, kw, out, in]`` -> a ``ConvTranspose2d`` weight ``[in, out, kh, kw]``."""
    w = np.asarray(w)
    if w.ndim != 4:
        raise ValueError(f"a transposed-conv kernel must be [kh, kw, out, in], got {w.shape}")
    return torch.from_numpy(np.ascontiguousarray(np.transpose(w, (3, 2, 0, 1))).astype(np.float32))


def vector(v: np.ndarray) -> torch.Tensor:
    """A bias or BN vector ``[C]`` (float32)."""
    v = np.asarray(v)
    if v.ndim != 1:
        raise ValueError(f"expected a vector, got shape {v.shape}")
    return torch.from_numpy(np.ascontiguousarray(v).astype(np.float32))


def to_tf_conv(w: torch.Tensor, dims: int) -> np.ndarray:
    """The inverse of :func:`conv_kernel` (for writing original-layout checkpoints in tests)."""
    a = w.detach().cpu().numpy()
    order = tuple(range(2, dims + 2)) + (1, 0)
    a = np.transpose(a, order)
    return np.ascontiguousarray(a[:, None] if dims == 1 else a)


def to_tf_deconv(w: torch.Tensor) -> np.ndarray:
    """The inverse of :func:`deconv_kernel`."""
    return np.ascontiguousarray(np.transpose(w.detach().cpu().numpy(), (2, 3, 1, 0)))
