"""Sound of Pixels' mask targets, loss weights and losses for notebook 08.

Reference notes §3.1 (targets, weighting, loss), §3.4 step 2 (thresholding at evaluation) and
§3.6 pitfall 3 (the binary target compares each source with half the mixture).

Shapes follow the official code with the per-source lists stacked on dim 1. Source magnitudes are
``[B, N, F, T]``, the mixture ``[B, F, T]``, and weights ``[B, 1, F, T]``, which broadcast over the
``N`` sources.

The official ``NetWrapper.forward`` adds 1e-10 to the mixture magnitude **before** warping and
computes every target **after** the log-frequency warp (:func:`avscene.coseg.spectrogram.warp`).
Callers here do the same; these functions neither add the floor nor warp.
"""
from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

#: Threshold of the binary target (``mags[n] > 0.5 * mag_mix``) and of binary predictions at
#: evaluation (``args.mask_thres`` = 0.5).
MASK_THRESHOLD = 0.5
#: Upper clamp of the ratio target (``gt_masks[n].clamp_(0., 5.)``).
RATIO_CLAMP = 5.0
#: Loss-weight clamp (``torch.clamp(torch.log1p(mag_mix), 1e-3, 10)``).
WEIGHT_MIN = 1e-3
WEIGHT_MAX = 10.0
#: Denominator floor of :func:`ratio_masks`. It sits below the official 1e-10 mixture floor, so it
#: changes nothing for a mixture that carries that floor. Its only job is to keep the division finite.
RATIO_EPS = 1e-12


def binary_masks(source_mags: torch.Tensor, mix_mag: torch.Tensor) -> torch.Tensor:
    """The official binary target: ``source_mags [B, N, F, T]``, ``mix_mag [B, F, T]`` -> float ``[B, N, F, T]``.

    The result is 1 where a source's magnitude exceeds half the mixture's, 0 elsewhere. The
    official code computes it on **warped** magnitudes. Mixture magnitudes are not sums of source
    magnitudes (phase interference), so at one point both sources, or neither, can pass the test.
    """
    return (source_mags > MASK_THRESHOLD * mix_mag.unsqueeze(1)).to(source_mags.dtype)


def ratio_masks(source_mags: torch.Tensor, mix_mag: torch.Tensor, clamp: float = RATIO_CLAMP,
                ) -> torch.Tensor:
    """Ratio target ``source / mixture`` in ``[0, clamp]``: ``[B, N, F, T]``, ``[B, F, T]`` -> ``[B, N, F, T]``.

    Where the mixture is exactly 0 the mask is 0. The division uses ``max(mix, RATIO_EPS)``, so it
    stays finite. The official code instead divides by a mixture carrying its 1e-10 floor, where an
    exact 0 cannot occur. With that floor added, the two give the same answer.
    """
    mix = mix_mag.unsqueeze(1)
    ratio = source_mags / mix.clamp_min(RATIO_EPS)
    return torch.where(mix > 0, ratio, torch.zeros_like(ratio)).clamp(0.0, clamp)


def loss_weights(mix_mag: torch.Tensor) -> torch.Tensor:
    """Per-bin loss weight ``clamp(log1p(mix), 1e-3, 10)``: ``mix_mag [B, F, T]`` -> ``[B, 1, F, T]``."""
    return torch.log1p(mix_mag).clamp(WEIGHT_MIN, WEIGHT_MAX).unsqueeze(1)


def _per_source_mean(loss: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor],
                     pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None) -> torch.Tensor:
    """The official ``BaseLoss.forward`` on a list: ``loss(pred_n, target_n, weight)`` per source, then the mean."""
    if weight is None:
        weight = pred.new_ones(1)
    errs = [loss(pred[:, n:n + 1], target[:, n:n + 1], weight) for n in range(pred.shape[1])]
    return torch.stack(errs).mean()


def weighted_bce(pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None = None,
                 ) -> torch.Tensor:
    """The official ``BCELoss``: ``pred``, ``target [B, N, F, T]``, ``weight [B, 1, F, T]`` -> scalar.

    ``pred`` holds probabilities in ``(0, 1)`` (after the sigmoid). For each source ``n`` this is
    ``F.binary_cross_entropy(pred_n, target_n, weight=weight)`` with its default mean reduction,
    and the result is the mean over the ``N`` sources. Every source has the same element count, so
    this equals ``mean(w · bce)`` over all ``B·N·F·T`` elements. The mean divides by the element
    count, not by the sum of the weights. A zero-weight element therefore adds nothing to the sum
    but still counts in the denominator. ``torch`` clamps each log at -100.
    """
    return _per_source_mean(lambda p, t, w: F.binary_cross_entropy(p, t, weight=w.expand_as(p)),
                            pred, target, weight)


def weighted_l1(pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None = None,
                ) -> torch.Tensor:
    """The official ``L1Loss`` (ratio masks): ``mean(weight · |pred - target|)`` per source, then over sources.

    Shapes: ``pred``, ``target [B, N, F, T]``, ``weight [B, 1, F, T]`` -> scalar. Averaging works as
    in :func:`weighted_bce`: over all elements, not normalised by the weights.
    """
    return _per_source_mean(lambda p, t, w: torch.mean(w * torch.abs(p - t)), pred, target, weight)


def apply_masks(masks: torch.Tensor, mix_mag: torch.Tensor, *, binary: bool,
                threshold: float = MASK_THRESHOLD) -> torch.Tensor:
    """Estimated source magnitudes: ``masks [B, N, F, T]``, ``mix_mag [B, F, T]`` -> ``[B, N, F, T]``.

    With ``binary=True`` the masks are first thresholded (``mask > threshold``, §3.4 step 2), as
    evaluation does for binary models. Ratio masks are used as they are. The result is the mask
    times the mixture magnitude. Masks and mixture must be on the same (linear-frequency) grid,
    i.e. un-warp the predicted masks first.
    """
    if binary:
        masks = (masks > threshold).to(mix_mag.dtype)
    return masks * mix_mag.unsqueeze(1)
