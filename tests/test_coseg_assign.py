"""avscene.coseg.assign: channel -> category assignment and the sigmoid ->
softmax(x / τ) schedule, on hand-made examples with known answers (reference notes
§3.5)."""
from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest
import torch
from avscene.coseg import assign as A

# K = 4 channels x C = 3 categories. argmax: category 0 -> channel 1 (0.9),
# category 1 -> channel 1 (0.8, a collision), category 2 -> channel 3 (0.7).
# Hungarian by hand: with category 2 on channel 3, the best distinct pair for
# categories 0, 1 is (1, 2) = 0.9 + 0.6 (vs (0, 1) = 1.3, (0, 2) = 1.1, ...), total
# 2.2; moving category 2 elsewhere gives at most 1.5. So [1, 2, 3], uniquely.
M = np.array([[0.5, 0.1, 0.0],
              [0.9, 0.8, 0.2],
              [0.1, 0.6, 0.1],
              [0.2, 0.3, 0.7]])


def test_argmax_collides_and_hungarian_is_distinct() -> None:
    np.testing.assert_array_equal(A.assign_argmax(M), [1, 1, 3])
    hung = A.assign_hungarian(M)
    np.testing.assert_array_equal(hung, [1, 2, 3])
    assert hung.dtype == np.int64
    assert math.isclose(M[hung, np.arange(3)].sum(), 2.2)
    assert A.distinct_channels(A.assign_argmax(M)) == 1
    assert A.distinct_channels(hung) == 3


def test_hungarian_is_optimal_against_brute_force() -> None:
    rng = np.random.default_rng(0)
    for _ in range(5):
        m = rng.uniform(size=(5, 4))
        best = max(sum(m[k, c] for c, k in enumerate(perm))
                   for perm in itertools.permutations(range(5), 4))
        got = A.assign_hungarian(m)
        assert len(set(got.tolist())) == 4
        assert math.isclose(m[got, np.arange(4)].sum(), best)


def test_hungarian_square_and_too_few_channels() -> None:
    np.testing.assert_array_equal(A.assign_hungarian(np.eye(3)[:, ::-1]), [2, 1, 0])
    with pytest.raises(ValueError, match="K >= C"):
        A.assign_hungarian(np.ones((2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        A.assign_hungarian(np.array([[np.nan, 1.0], [0.0, 1.0]]))


def test_argmax_ties_go_to_the_lowest_channel() -> None:
    m = [[1.0, 0.0], [1.0, 2.0], [0.5, 2.0]]
    np.testing.assert_array_equal(A.assign_argmax(m), [0, 1])


def test_channel_activations_hand_example() -> None:
    # M = 4 clips, K = 2 channels
    acts = np.array([[1.0, 0.0], [3.0, 2.0], [0.0, 4.0], [5.0, 5.0]])
    labels = np.array([0, 0, 1, 2])
    expected = np.array([[2.0, 0.0, 5.0],   # channel 0: mean(1, 3), 0, 5
                         [1.0, 4.0, 5.0]])  # channel 1: mean(0, 2), 4, 5
    np.testing.assert_allclose(A.channel_activations(acts, labels, 3), expected)
    # torch tensors are accepted
    got = A.channel_activations(torch.tensor(acts, requires_grad=True),
                                torch.tensor(labels), 3)
    np.testing.assert_allclose(got, expected)


def test_channel_activations_errors() -> None:
    acts = np.ones((3, 2))
    with pytest.raises(ValueError, match="category 1 has no solo clip"):
        A.channel_activations(acts, np.array([0, 0, 2]), 3)
    with pytest.raises(ValueError, match="0..2"):
        A.channel_activations(acts, np.array([0, 1, 3]), 3)
    with pytest.raises(ValueError, match="labels must be"):
        A.channel_activations(acts, np.array([0, 1]), 3)
    with pytest.raises(ValueError, match="integers"):
        A.channel_activations(acts, np.array([0.0, 1.0, 2.0]), 3)


@pytest.mark.parametrize(("assignment", "expected"), [
    ([0, 0, 2], 1), ([0, 1, 2], 3), ([1, 1, 1], 0), ([3, 0, 3, 0], 0),
    ([5, 2, 5, 7, 9], 3), ([4], 1), ([], 0),
])
def test_distinct_channels(assignment, expected) -> None:
    assert A.distinct_channels(np.array(assignment, dtype=np.int64)) == expected


def test_schedule_tau() -> None:
    sched = A.ChannelActivation(switch_step=10, tau_start=1.0, tau_end=0.01,
                                anneal_steps=20)
    assert sched.tau(0) is None and sched.tau(9) is None
    assert sched.tau(10) == 1.0  # switch: tau_start
    assert math.isclose(sched.tau(20), math.sqrt(1.0 * 0.01))  # midpoint: geometric
    assert sched.tau(30) == 0.01 and sched.tau(1000) == 0.01  # tau_end, then held
    taus = [sched.tau(s) for s in range(10, 31)]
    ratios = np.array(taus[1:]) / np.array(taus[:-1])
    np.testing.assert_allclose(ratios, 0.01 ** (1 / 20))  # constant ratio: geometric
    # no annealing: tau_end from the switch on
    jump = A.ChannelActivation(switch_step=0, tau_start=2.0, tau_end=0.5,
                               anneal_steps=0)
    assert jump.tau(0) == 0.5


def test_schedule_activation() -> None:
    sched = A.ChannelActivation(switch_step=10, tau_start=1.0, tau_end=0.1,
                                anneal_steps=20)
    logits = torch.randn(2, 5, 3, 4, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(sched(logits, 9), torch.sigmoid(logits))
    for step in (10, 20, 30, 99):
        out = sched(logits, step)
        assert out.shape == logits.shape
        torch.testing.assert_close(out.sum(dim=1), torch.ones(2, 3, 4))
        torch.testing.assert_close(out, torch.softmax(logits / sched.tau(step), dim=1))
    # a smaller τ gives the winning channel a larger share, at every location
    warm, sharp = sched(logits, 10), sched(logits, 30)
    assert (sharp.max(dim=1).values > warm.max(dim=1).values).all()
    assert torch.equal(sharp.argmax(dim=1), warm.argmax(dim=1))
    # pooled visual vectors [B, K] work too
    torch.testing.assert_close(sched(logits[:, :, 0, 0], 30).sum(dim=1), torch.ones(2))
    with pytest.raises(ValueError, match=r"\[B, K"):
        sched(torch.zeros(5), 30)


def test_schedule_validation_and_frozen() -> None:
    for kwargs in ({"tau_start": 0.0}, {"tau_end": -1.0}, {"tau_end": float("nan")},
                   {"anneal_steps": -1}, {"switch_step": -1}):
        with pytest.raises(ValueError):
            A.ChannelActivation(**kwargs)
    sched = A.ChannelActivation()
    with pytest.raises(dataclasses.FrozenInstanceError):
        sched.tau_end = 0.5  # type: ignore[misc]
    assert sched.tau(sched.switch_step - 1) is None
    assert sched.tau(sched.switch_step) == sched.tau_start
