"""Separation losses (reference notes §1.7; the original ``sourcesep.add_pred_losses``).

All spectrograms are the network's units ``[B, 2, T, F]`` (channel 0 log magnitude, channel 1 phase,
both in ``[-1, 1]``; :mod:`.spectrogram`). Per head and example the loss is

    L1(log magnitude) + 0.01 · L1(phase)

with both L1 terms means over ``T × F`` of the normalised values and the phase compared **as is**
(``angle / π``, no wrap-around), exactly as the original. The ``full`` (on/off-screen) loss adds the
on-screen head against the on-screen source and the off-screen head against the off-screen source;
the PIT loss (the audio-only ``unet_pit`` baseline) takes, per example, the smaller of the two
assignments, then averages over the batch. The original's 1e-5 L2 on the u-net's weights
(``tf.nn.l2_loss``, gradient ``1e-5 · w``) is the optimizer's weight decay on convolution and
transposed-convolution weights (``TrainSpec.weight_decay``, ``avscene.train.optim.param_groups``): the
same gradient, so no loss term here.
"""
from __future__ import annotations

import torch

#: ``sep_params``: ``l1_weight``, ``phase_weight``.
SPEC_WEIGHT = 1.0
PHASE_WEIGHT = 0.01


def head_loss(pred: torch.Tensor, target: torch.Tensor, *, phase_weight: float = PHASE_WEIGHT) -> torch.Tensor:
    """One head's loss per example: ``[B, 2, T, F]`` twice -> ``[B]`` (L1 log-mag + ``phase_weight`` · L1 phase)."""
    l1 = (pred - target).abs().mean(dim=(2, 3))  # [B, 2]
    return SPEC_WEIGHT * l1[:, 0] + phase_weight * l1[:, 1]


def pair_loss(on: torch.Tensor, off: torch.Tensor, on_target: torch.Tensor, off_target: torch.Tensor,
              *, phase_weight: float = PHASE_WEIGHT) -> torch.Tensor:
    """The ``full`` loss per example: on-screen head vs ``on_target`` + off-screen head vs ``off_target``, ``[B]``."""
    return (head_loss(on, on_target, phase_weight=phase_weight)
            + head_loss(off, off_target, phase_weight=phase_weight))


def full_loss(on: torch.Tensor, off: torch.Tensor, on_target: torch.Tensor, off_target: torch.Tensor,
              *, phase_weight: float = PHASE_WEIGHT) -> torch.Tensor:
    """The original's ``full`` (``fg-bg``) loss, a scalar: :func:`pair_loss` averaged over the batch."""
    return pair_loss(on, off, on_target, off_target, phase_weight=phase_weight).mean()


def pit_pair_loss(out0: torch.Tensor, out1: torch.Tensor, source0: torch.Tensor, source1: torch.Tensor,
                  *, phase_weight: float = PHASE_WEIGHT) -> tuple[torch.Tensor, torch.Tensor]:
    """Permutation-invariant loss per example: ``(loss [B], swapped [B] bool)``, the smaller of
    :func:`pair_loss` for ``(out0, out1) -> (source0, source1)`` and for the swapped assignment (ties keep
    the given order); ``swapped[b]`` is True where ``out0`` was matched with ``source1``. Inputs ``[B, 2, T, F]``."""
    kept = pair_loss(out0, out1, source0, source1, phase_weight=phase_weight)
    crossed = pair_loss(out0, out1, source1, source0, phase_weight=phase_weight)
    best, which = torch.stack([kept, crossed], dim=1).min(dim=1)  # [B]
    return best, which.bool()


def pit_loss(out0: torch.Tensor, out1: torch.Tensor, source0: torch.Tensor, source1: torch.Tensor,
             *, phase_weight: float = PHASE_WEIGHT) -> tuple[torch.Tensor, torch.Tensor]:
    """Permutation-invariant loss: ``(scalar, swapped [B] bool)``, :func:`pit_pair_loss` averaged over the batch."""
    best, swapped = pit_pair_loss(out0, out1, source0, source1, phase_weight=phase_weight)
    return best.mean(), swapped
