"""avscene.coseg.masks: targets, loss weights, losses and masking against hand-made answers (notes §3.1, §3.4)."""
from __future__ import annotations

import cmath
import math

import pytest
import torch
import torch.nn.functional as F
from avscene.coseg import masks as M


def _bfnt(values: list[list[float]]) -> torch.Tensor:
    """Per-source rows of values -> ``[1, N, 1, T]``."""
    return torch.tensor(values).unsqueeze(0).unsqueeze(2)


def _bft(values: list[float]) -> torch.Tensor:
    """One row of values -> ``[1, 1, T]``."""
    return torch.tensor(values).view(1, 1, -1)


# --------------------------------------------------------------------------------------- targets
def test_binary_masks_by_hand() -> None:
    # Complex STFT values of two sources at five time-frequency points. The mixture is their sum,
    # so |mix| <= |s0| + |s1| and the cases are physically consistent:
    #   t0: source 0 dominates, in phase           |mix| 1.0 -> [1, 0]
    #   t1: source 1 dominates, in phase           |mix| 0.9 -> [0, 1]
    #   t2: 120 degrees apart, equal (0.6 each)    |mix| 0.6 -> both > 0.3 -> [1, 1]
    #   t3: opposite phase, destructive (0.8, 0.7) |mix| 0.1 -> both > 0.05 -> [1, 1]
    #   t4: equal and in phase, a tie at exactly half       -> [0, 0]
    # With N = 2, "neither source above half" needs such a tie (or silence, below): if both were
    # <= |mix|/2, then |s0| + |s1| <= |mix| <= |s0| + |s1|.
    s0 = torch.tensor([0.9, 0.2, 0.6, 0.8, 0.5], dtype=torch.complex128)
    s1 = torch.tensor([0.1, 0.7, cmath.rect(0.6, 2 * math.pi / 3), -0.7, 0.5], dtype=torch.complex128)
    src = torch.stack([s0.abs(), s1.abs()]).view(1, 2, 1, 5).float()
    mix = (s0 + s1).abs().view(1, 1, 5).float()
    torch.testing.assert_close(mix.view(-1), torch.tensor([1.0, 0.9, 0.6, 0.1, 1.0]))
    got = M.binary_masks(src, mix)
    assert got.shape == (1, 2, 1, 5) and got.dtype == torch.float32
    torch.testing.assert_close(got, _bfnt([[1.0, 0.0, 1.0, 1.0, 0.0], [0.0, 1.0, 1.0, 1.0, 0.0]]))
    # silence: sources 0 and the official 1e-10 mixture floor -> neither
    torch.testing.assert_close(M.binary_masks(torch.zeros(1, 2, 1, 1), torch.full((1, 1, 1), 1e-10)),
                               torch.zeros(1, 2, 1, 1))
    # with N = 3, "neither" is ordinary: three equal in-phase sources, each a third of the mixture
    torch.testing.assert_close(M.binary_masks(torch.full((1, 3, 1, 1), 1 / 3), torch.ones(1, 1, 1)),
                               torch.zeros(1, 3, 1, 1))


def test_ratio_masks_clamp_and_zero_mixture() -> None:
    src = _bfnt([[0.5, 3.0, 1.0, 0.0, 2.0],
                 [0.25, 0.0, 0.0, 1.0, 1e-3]])
    mix = _bft([1.0, 0.5, 0.0, 0.0, 1e-10])
    # 0.5/1, 3/0.5 = 6 -> 5, mix 0 -> 0, mix 0 -> 0, 2/1e-10 -> 5
    # 0.25/1, 0/0.5, mix 0 -> 0, mix 0 -> 0, 1e-3/1e-10 -> 5
    got = M.ratio_masks(src, mix)
    torch.testing.assert_close(got, _bfnt([[0.5, 5.0, 0.0, 0.0, 5.0], [0.25, 0.0, 0.0, 0.0, 5.0]]))
    assert torch.isfinite(got).all()
    torch.testing.assert_close(M.ratio_masks(src, mix, clamp=2.0)[0, 0, 0, 1], torch.tensor(2.0))


def test_loss_weights_known_values() -> None:
    mix = torch.tensor([[[0.0, math.e - 1, 1e6, 1e-4]]])  # [B=1, F=1, T=4]
    got = M.loss_weights(mix)
    assert got.shape == (1, 1, 1, 4)
    # log1p(0) = 0 -> 1e-3; log1p(e - 1) = 1; log1p(1e6) ≈ 13.8 -> 10; log1p(1e-4) ≈ 1e-4 -> 1e-3
    torch.testing.assert_close(got.view(-1), torch.tensor([1e-3, 1.0, 10.0, 1e-3]))


# ---------------------------------------------------------------------------------------- losses
def test_weighted_bce_matches_hand_computation() -> None:
    pred = _bfnt([[0.8, 0.3]])  # [1, N=1, 1, 2]
    target = _bfnt([[1.0, 0.0]])
    weight = torch.tensor([2.0, 0.5]).view(1, 1, 1, 2)
    expected = (2.0 * -math.log(0.8) + 0.5 * -math.log(1 - 0.3)) / 2
    torch.testing.assert_close(M.weighted_bce(pred, target, weight), torch.tensor(expected))
    # no weight: the plain mean
    expected = (-math.log(0.8) - math.log(0.7)) / 2
    torch.testing.assert_close(M.weighted_bce(pred, target), torch.tensor(expected))


def test_weighted_bce_averages_over_sources_and_elements() -> None:
    g = torch.Generator().manual_seed(0)
    pred = torch.rand(2, 3, 4, 5, generator=g).clamp(0.01, 0.99)
    target = (torch.rand(2, 3, 4, 5, generator=g) > 0.5).float()
    weight = torch.rand(2, 1, 4, 5, generator=g)
    per_source = [F.binary_cross_entropy(pred[:, n:n + 1], target[:, n:n + 1], weight=weight) for n in range(3)]
    got = M.weighted_bce(pred, target, weight)
    torch.testing.assert_close(got, torch.stack(per_source).mean())
    # equal counts per source, so it is also one mean over all B·N·F·T elements
    torch.testing.assert_close(got, F.binary_cross_entropy(pred, target, weight=weight.expand_as(pred)))


def test_zero_weight_drops_the_element_from_the_sum_but_not_the_count() -> None:
    pred = _bfnt([[0.8, 0.01]])
    target = _bfnt([[1.0, 1.0]])  # second element would cost -log(0.01) = 4.6
    both = M.weighted_bce(pred, target, torch.tensor([1.0, 0.0]).view(1, 1, 1, 2))
    first = M.weighted_bce(pred[..., :1], target[..., :1], torch.ones(1, 1, 1, 1))
    # the official mean divides by the element count (2), not the weight sum (1)
    torch.testing.assert_close(both, first / 2)
    torch.testing.assert_close(first, torch.tensor(-math.log(0.8)))


def test_weighted_l1_by_hand() -> None:
    pred = _bfnt([[1.0, 2.0], [0.0, 0.5]])  # [1, N=2, 1, 2]
    target = _bfnt([[1.5, 2.0], [1.0, 0.0]])
    weight = torch.tensor([2.0, 4.0]).view(1, 1, 1, 2)
    # source 0: (2·0.5 + 4·0)/2 = 0.5; source 1: (2·1 + 4·0.5)/2 = 2; mean = 1.25
    torch.testing.assert_close(M.weighted_l1(pred, target, weight), torch.tensor(1.25))
    torch.testing.assert_close(M.weighted_l1(pred, target), torch.tensor((0.5 + 0 + 1 + 0.5) / 4))


def test_losses_backpropagate() -> None:
    pred = torch.full((1, 2, 3, 3), 0.4, requires_grad=True)
    target = torch.ones(1, 2, 3, 3)
    M.weighted_bce(pred, target, torch.ones(1, 1, 3, 3)).backward()
    assert pred.grad is not None and (pred.grad < 0).all()


# --------------------------------------------------------------------------------- apply_masks
def test_apply_masks_thresholds_binary_and_scales_ratio() -> None:
    masks = _bfnt([[0.6, 0.5, 0.2], [0.4, 0.51, 1.5]])
    mix = _bft([2.0, 4.0, 10.0])
    binary = M.apply_masks(masks, mix, binary=True)
    torch.testing.assert_close(binary, _bfnt([[2.0, 0.0, 0.0], [0.0, 4.0, 10.0]]))
    ratio = M.apply_masks(masks, mix, binary=False)
    torch.testing.assert_close(ratio, _bfnt([[1.2, 2.0, 2.0], [0.8, 2.04, 15.0]]))
    assert M.apply_masks(masks, mix, binary=True, threshold=0.55).sum().item() == pytest.approx(2.0 + 10.0)
