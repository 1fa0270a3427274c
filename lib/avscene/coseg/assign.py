"""Channel -> category assignment and the visual activation schedule of audio-visual
co-segmentation (notebook 08; Rouditchenko et al., ICASSP 2019, on top of Zhao et al.,
The Sound of Pixels, ECCV 2018; reference notes §3.5).

* **Activation matrix** (:func:`channel_activations`): on labelled **solo** clips (one
  category each, no masks), the mean activation of each of the ``K`` visual channels
  over the clips of each of the ``C`` categories, a ``[K, C]`` matrix.
* **Assignment** (one channel index per category, ``[C]``):

  - :func:`assign_argmax`: per category, the channel with the highest mean activation
    (ties: the lowest channel index). Several categories may get the same channel.
  - :func:`assign_hungarian`: one *distinct* channel per category maximising the total
    mean activation (``scipy.optimize.linear_sum_assignment`` on the negated matrix);
    needs ``K >= C``.
  - :func:`distinct_channels`: how many categories got a channel of their own.

* **Activation schedule** (:class:`ChannelActivation`): SoP's per-channel sigmoid
  lets several channels fire together; co-segmentation switches, after a sigmoid
  warm-up, to a softmax over the channel dimension, ``softmax(x / τ)``, with the
  temperature ``τ`` annealed so that each pixel / source is explained by few channels.

The paper's exact switch point, temperatures and annealing shape are **to verify**
(reference notes §3.5 and §6 item 4; the official co-seg code was not found). The
defaults of :class:`ChannelActivation` and the geometric annealing are our choice.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

__all__ = ["ChannelActivation", "assign_argmax", "assign_hungarian",
           "channel_activations", "distinct_channels"]


def _np(x) -> np.ndarray:
    """A NumPy view of an array or a (possibly grad-carrying, device) torch tensor."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def _matrix(matrix) -> np.ndarray:
    """A finite float64 ``[K, C]`` matrix (ValueError otherwise)."""
    m = _np(matrix).astype(np.float64)
    if m.ndim != 2 or 0 in m.shape:
        raise ValueError(f"expected a non-empty [K, C] matrix, got shape {m.shape}")
    if not np.isfinite(m).all():
        raise ValueError("the activation matrix has NaN or infinite entries")
    return m


def channel_activations(acts, labels, n_classes: int) -> np.ndarray:
    """Mean activation of each channel per category: ``acts [M, K]`` (one row per solo
    clip, e.g. the pooled visual vector), ``labels [M]`` int in ``0..n_classes-1`` ->
    float64 ``[K, C]`` with ``out[k, c]`` the mean of ``acts[labels == c, k]``.

    ValueError when a category has no clip (it names the category), or on a bad shape
    or label.
    """
    a = _np(acts).astype(np.float64)
    y = _np(labels)
    if a.ndim != 2:
        raise ValueError(f"acts must be [M, K], got shape {a.shape}")
    if y.shape != (a.shape[0],):
        raise ValueError(f"labels must be [M] = [{a.shape[0]}], got shape {y.shape}")
    if n_classes < 1:
        raise ValueError(f"n_classes must be >= 1, got {n_classes}")
    if y.size and not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"labels must be integers, got dtype {y.dtype}")
    y = y.astype(np.int64)
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"labels must lie in 0..{n_classes - 1}, "
                         f"got {y.min()}..{y.max()}")
    out = np.empty((a.shape[1], n_classes), dtype=np.float64)
    for c in range(n_classes):
        rows = y == c
        if not rows.any():
            raise ValueError(f"category {c} has no solo clip: "
                             "cannot average its activations")
        out[:, c] = a[rows].mean(axis=0)
    return out


def assign_argmax(matrix) -> np.ndarray:
    """Per category, the channel with the highest mean activation: ``[K, C]`` -> int64
    ``[C]``. Ties go to the lowest channel index; channels may repeat."""
    return np.argmax(_matrix(matrix), axis=0).astype(np.int64)


def assign_hungarian(matrix) -> np.ndarray:
    """One distinct channel per category maximising the summed mean activation:
    ``[K, C]`` -> int64 ``[C]`` (``linear_sum_assignment`` on the negated ``[C, K]``
    matrix). ValueError when ``K < C`` (not enough channels to go round)."""
    m = _matrix(matrix)
    k, c = m.shape
    if k < c:
        raise ValueError(f"one channel per category needs K >= C, got K={k} "
                         f"channels for C={c} categories")
    rows, cols = linear_sum_assignment(-m.T)
    out = np.empty(c, dtype=np.int64)
    out[rows] = cols
    return out


def distinct_channels(assignment) -> int:
    """The number of categories whose channel is assigned to **no other** category.

    A channel shared by ``n >= 2`` categories counts for none of them, so
    ``[0, 0, 2]`` -> 1 (only category 2 owns its channel), ``[0, 1, 2]`` -> 3 and
    ``[1, 1, 1]`` -> 0. It is the number of channel values that occur exactly once in
    ``assignment``; it equals ``C`` exactly when the assignment is one-to-one (always
    so for :func:`assign_hungarian`).
    """
    a = _np(assignment).reshape(-1)
    if a.size == 0:
        return 0
    _, counts = np.unique(a, return_counts=True)
    return int((counts == 1).sum())


@dataclass(frozen=True)
class ChannelActivation:
    """The visual activation schedule of co-segmentation.

    * ``step < switch_step``: ``sigmoid(x)`` elementwise (SoP's ``img_activation``).
    * ``step >= switch_step``: ``softmax(x / τ)`` over the channel dimension (dim 1),
      with ``τ`` annealed **geometrically** from ``tau_start`` (at ``switch_step``) to
      ``tau_end`` (at ``switch_step + anneal_steps``), then held at ``tau_end``::

          t = min(step - switch_step, anneal_steps)
          τ(step) = tau_start * (tau_end / tau_start) ** (t / anneal_steps)

      so halfway through, ``τ = sqrt(tau_start · tau_end)``. ``anneal_steps = 0`` uses
      ``tau_end`` from the switch on. A smaller ``τ`` sharpens the competition between
      channels (the winning channel's share grows towards 1).

    ``step`` is whatever counter the training loop passes (iterations or epochs), in the
    same unit as ``switch_step`` and ``anneal_steps``.

    The paper's switch point, τ values and annealing shape are **to verify** (reference
    notes §3.5); the defaults here (sigmoid for 2000 steps, then τ from 1 to 0.1 over
    2000 steps) are our choice.
    """

    switch_step: int = 2000
    tau_start: float = 1.0
    tau_end: float = 0.1
    anneal_steps: int = 2000

    def __post_init__(self) -> None:
        if self.switch_step < 0:
            raise ValueError(f"switch_step must be >= 0, got {self.switch_step}")
        for name in ("tau_start", "tau_end"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a finite number > 0, got {value}")
        if self.anneal_steps < 0:
            raise ValueError(f"anneal_steps must be >= 0, got {self.anneal_steps}")

    def uses_softmax(self, step: int) -> bool:
        """True from ``switch_step`` on."""
        return step >= self.switch_step

    def tau(self, step: int) -> float | None:
        """The softmax temperature at ``step``; ``None`` before the switch (sigmoid)."""
        if not self.uses_softmax(step):
            return None
        t = step - self.switch_step
        if t >= self.anneal_steps:
            return float(self.tau_end)
        ratio = self.tau_end / self.tau_start
        return float(self.tau_start * ratio ** (t / self.anneal_steps))

    def __call__(self, logits: torch.Tensor, step: int) -> torch.Tensor:
        """``logits [B, K, ...]`` -> activations of the same shape: elementwise sigmoid
        before the switch, ``softmax(logits / τ(step), dim=1)`` (summing to 1 over the
        ``K`` channels at each location) after it."""
        if logits.dim() < 2:
            raise ValueError("logits must be [B, K, ...], "
                             f"got shape {tuple(logits.shape)}")
        tau = self.tau(step)
        if tau is None:
            return torch.sigmoid(logits)
        return torch.softmax(logits / tau, dim=1)
