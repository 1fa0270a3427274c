"""avscene.ots.retrieval: nDCG@k and Recall@k on hand-made rankings with known values (reference notes §2.6)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from avscene.ots import retrieval as R


def _ranking_from_scores(scores: np.ndarray) -> np.ndarray:
    """Highest score first, ties by index (what scikit-learn's ``ignore_ties=True`` also does for distinct scores)."""
    return np.argsort(-np.asarray(scores, dtype=np.float64), axis=1, kind="stable")


def test_dcg_and_ndcg_wikipedia_example() -> None:
    """The Wikipedia worked example: ranked relevances 3, 2, 3, 0, 1, 2 -> DCG6 = 6.861, IDCG6 = 7.141 (order
    3, 3, 2, 2, 1, 0), nDCG6 = 0.961."""
    gains = np.array([[3, 2, 3, 0, 1, 2]], dtype=float)
    dcg = 3 + 2 / math.log2(3) + 3 / 2 + 0 + 1 / math.log2(6) + 2 / math.log2(7)
    idcg = 3 + 3 / math.log2(3) + 2 / 2 + 2 / math.log2(5) + 1 / math.log2(6)
    np.testing.assert_allclose(R.dcg_at_k(gains, 6), [dcg])
    assert round(dcg, 3) == 6.861 and round(idcg, 3) == 7.141
    ranking = np.arange(6)[None]
    np.testing.assert_allclose(R.ndcg_at_k(ranking, gains, 6), [dcg / idcg])
    assert round(float(R.ndcg_at_k(ranking, gains, 6)[0]), 3) == 0.961
    # the top 3 only: 3 + 2/log2(3) + 3/2 over 3 + 3/log2(3) + 2/2
    np.testing.assert_allclose(R.ndcg_at_k(ranking, gains, 3),
                               [(3 + 2 / math.log2(3) + 1.5) / (3 + 3 / math.log2(3) + 1)])


def test_ndcg_matches_the_scikit_learn_documentation_examples() -> None:
    """``sklearn.metrics.ndcg_score``'s docstring examples (linear gains, 1 / log2(i + 1) discounts):
    0.69..., 0.49..., 0.35... (k=4); worked out by hand here (scikit-learn is not installed)."""
    rel = np.array([[10, 0, 0, 1, 5]], dtype=float)
    idcg = 10 + 5 / math.log2(3) + 1 / 2
    r1 = R.ndcg_at_k(_ranking_from_scores([[0.1, 0.2, 0.3, 4, 70]]), rel, k=5)[0]
    np.testing.assert_allclose(r1, (5 + 1 / math.log2(3) + 10 / math.log2(6)) / idcg)
    assert f"{r1:.2f}" == "0.70" and str(r1).startswith("0.69")
    scores = np.array([[0.05, 1.1, 1.0, 0.5, 0.0]])
    r2 = R.ndcg_at_k(_ranking_from_scores(scores), rel, k=5)[0]
    np.testing.assert_allclose(r2, (1 / 2 + 10 / math.log2(5) + 5 / math.log2(6)) / idcg)
    assert str(r2).startswith("0.49")
    r3 = R.ndcg_at_k(_ranking_from_scores(scores), rel, k=4)[0]
    np.testing.assert_allclose(r3, (1 / 2 + 10 / math.log2(5)) / idcg)
    assert str(r3).startswith("0.35")
    assert R.ndcg_at_k(_ranking_from_scores(rel), rel, k=4)[0] == pytest.approx(1.0)
    # ties: scikit-learn averages tied items (0.75 at k=1 for scores 1, 0, 0, 0, 1); here the stable order
    # puts item 0 (relevance 10) first
    assert R.ndcg_at_k(_ranking_from_scores([[1, 0, 0, 0, 1]]), rel, k=1)[0] == pytest.approx(1.0)


def test_ndcg_edge_cases() -> None:
    rel = np.array([[0, 0, 0], [0, 1, 0], [1, 1, 1]], dtype=float)
    ranking = np.tile(np.arange(3), (3, 1))
    np.testing.assert_allclose(R.ndcg_at_k(ranking, rel, 2), [0.0, 1 / math.log2(3), 1.0])  # no relevant item: 0
    # k beyond the list: all of it
    np.testing.assert_allclose(R.ndcg_at_k(ranking, rel, 30), R.ndcg_at_k(ranking, rel, 3))


def test_rank_is_by_euclidean_distance_with_stable_ties_and_excludes_self() -> None:
    gallery = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [-1.0, 0.0]])
    query = np.array([[1.0, 0.0], [0.6, 0.8]])
    order = R.rank(query, gallery)
    assert order.tolist() == [[0, 2, 1, 3], [1, 0, 2, 3]]  # the tie 0 / 2 kept in index order
    assert R.rank(torch.tensor(query), torch.tensor(gallery)).tolist() == order.tolist()  # tensors work too
    own = R.rank(gallery, gallery, exclude_self=True)
    assert own.shape == (4, 3)
    assert own.tolist() == [[2, 1, 3], [0, 2, 3], [0, 1, 3], [1, 0, 2]]
    with pytest.raises(ValueError):
        R.rank(query, gallery, exclude_self=True)


def test_relevance_recall_and_precision() -> None:
    sets = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1]], dtype=bool)
    rel = R.relevance(sets, sets)
    np.testing.assert_array_equal(rel, [[1, 1, 0, 0], [1, 2, 1, 0], [0, 1, 1, 0], [0, 0, 0, 1]])
    np.testing.assert_array_equal(R.relevance(sets, sets, graded=False), rel > 0)
    # hand-made rankings, each query's own item left out (as exclude_self does)
    ranking = np.array([[3, 2, 1], [3, 0, 2], [0, 3, 1], [0, 1, 2]])
    np.testing.assert_array_equal(R.recall_at_k(ranking, rel, 1), [0, 0, 0, 0])
    np.testing.assert_array_equal(R.recall_at_k(ranking, rel, 2), [0, 1, 0, 0])
    np.testing.assert_array_equal(R.recall_at_k(ranking, rel, 3), [1, 1, 1, 0])
    np.testing.assert_allclose(R.precision_at_k(ranking, rel, 3), [1 / 3, 2 / 3, 1 / 3, 0])
    # graded nDCG: query 1 sees gains 0, 1, 1 against the ideal 1, 1, 0 (its own item, gain 2, is not a candidate)
    np.testing.assert_allclose(R.ndcg_at_k(ranking, rel, 3)[1],
                               (1 / math.log2(3) + 1 / 2) / (1 + 1 / math.log2(3)))


def test_evaluate_perfect_and_random_embeddings() -> None:
    classes = np.repeat(np.arange(6), 50)  # 300 solo items, 6 classes
    sets = np.eye(6, dtype=bool)[classes]
    rng = np.random.default_rng(0)
    perfect = np.eye(8)[classes] + 1e-3 * rng.standard_normal((300, 8))
    perfect /= np.linalg.norm(perfect, axis=1, keepdims=True)
    scores = R.evaluate(perfect, perfect, sets, sets, k=30, same_set=True)
    assert scores == pytest.approx({"ndcg@30": 1.0, "recall@1": 1.0, "recall@5": 1.0, "recall@10": 1.0})
    # a random ranking's nDCG@k is about the share of relevant items when there are at least k of them
    base = R.random_baseline(sets, sets, k=30, same_set=True, seeds=(0, 1, 2))
    assert base["ndcg@30"] == pytest.approx(49 / 299, abs=0.03)
    assert base["recall@1"] == pytest.approx(49 / 299, abs=0.05)
    cross = R.random_baseline(sets[:100], sets, k=30, seeds=(0,))
    assert cross["ndcg@30"] == pytest.approx(50 / 300, abs=0.05)
    emb = R.random_embeddings(5, 16, seed=1)
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0)
    np.testing.assert_array_equal(emb, R.random_embeddings(5, 16, seed=1))


def test_ndcg_matches_scikit_learn_on_untied_scores():
    """The same figure as ``sklearn.metrics.ndcg_score`` (linear gains, top k) wherever no two scores tie."""
    from sklearn.metrics import ndcg_score

    rng = np.random.default_rng(7)
    q, g, k = 12, 40, 10
    query, gallery = rng.normal(size=(q, 16)), rng.normal(size=(g, 16))
    rel = rng.integers(0, 3, size=(q, g)).astype(float)
    ours = R.ndcg_at_k(R.rank(query, gallery), rel, k=k)
    scores = -R.squared_distances(query, gallery)  # nearer = higher; continuous, so no ties
    theirs = [ndcg_score(rel[i:i + 1], scores[i:i + 1], k=k) for i in range(q)]
    assert np.allclose(ours, theirs)
