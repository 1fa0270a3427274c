"""Retrieval scores for Objects-that-Sound embeddings: nDCG@k and Recall@k (notebook 07; Arandjelović &
Zisserman 2018, §4; reference notes §2.6).

* **Ranking** (:func:`rank`): the gallery sorted by Euclidean distance to each query, nearest first;
  ties are broken stably (the lower gallery index first). For unit vectors this is the order of
  decreasing cosine similarity. With ``exclude_self`` (query and gallery are the same set, e.g.
  image->image) the query's own item is removed from its ranking, which then has ``G - 1`` entries.
* **Relevance** (:func:`relevance`): a query and an item are relevant when their class sets intersect;
  the graded relevance is the **size of the intersection** (0, 1 or 2 for solo/duet scenes;
  ``graded=False`` gives 0/1).
* **nDCG@k** (:func:`ndcg_at_k`): ``DCG@k = Σ_{i=1..k} rel_i / log2(i + 1)`` over the top ``k`` of the
  ranking (linear gains, as ``sklearn.metrics.ndcg_score``), divided by ``IDCG@k``, the DCG@k of the
  same query's relevances in the ideal (decreasing) order over the same candidates (the query itself
  excluded where it is). A query with no relevant candidate scores 0 (as scikit-learn).
  Equal to ``sklearn.metrics.ndcg_score`` wherever no two scores tie (tested); with ties, scikit-learn
  averages the tied items' gains (``ignore_ties=False``) and here they are broken by gallery index, which
  works on rankings rather than scores and keeps ``exclude_self`` exact.
* **Recall@k** (:func:`recall_at_k`): 1 when at least one relevant item is among the top ``k``, else 0
  (the cross-modal retrieval "R@k", a hit rate), averaged over queries; :func:`precision_at_k` is the
  fraction of the top ``k`` that is relevant.
* :func:`evaluate` gives the means over queries; :func:`random_baseline` the same scores for random
  unit embeddings (the chance level the acceptance criterion compares against).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["dcg_at_k", "evaluate", "ndcg_at_k", "precision_at_k", "random_baseline", "random_embeddings", "rank",
           "ranked_relevance", "recall_at_k", "relevance", "squared_distances"]


def _np(x) -> np.ndarray:
    """A NumPy view of an array or a (possibly grad-carrying, device) torch tensor."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def squared_distances(query_emb, gallery_emb) -> np.ndarray:
    """``[Q, D]``, ``[G, D]`` -> ``[Q, G]`` squared Euclidean distances (float64, clipped at 0)."""
    q, g = _np(query_emb).astype(np.float64), _np(gallery_emb).astype(np.float64)
    d = (q * q).sum(1)[:, None] + (g * g).sum(1)[None, :] - 2.0 * q @ g.T
    return np.maximum(d, 0.0)


def rank(query_emb, gallery_emb, *, exclude_self: bool = False) -> np.ndarray:
    """Gallery indices by increasing Euclidean distance: ``[Q, D]``, ``[G, D]`` -> int64 ``[Q, G]``
    (``[Q, G - 1]`` with ``exclude_self``, which needs ``Q == G``: query ``q`` is item ``q``)."""
    d = squared_distances(query_emb, gallery_emb)
    order = np.argsort(d, axis=1, kind="stable")
    if not exclude_self:
        return order
    q, g = d.shape
    if q != g:
        raise ValueError(f"exclude_self needs the query set to be the gallery, got {q} queries and {g} items")
    keep = order != np.arange(q)[:, None]
    return order[keep].reshape(q, g - 1)


def relevance(query_sets, gallery_sets, *, graded: bool = True) -> np.ndarray:
    """``[Q, K]``, ``[G, K]`` multi-hot class sets -> ``[Q, G]`` float: the intersection size (``graded``)
    or 1.0 where the sets intersect."""
    inter = _np(query_sets).astype(np.int64) @ _np(gallery_sets).astype(np.int64).T
    return (inter if graded else inter > 0).astype(np.float64)


def ranked_relevance(ranking: np.ndarray, rel: np.ndarray) -> np.ndarray:
    """The relevances in ranked order: ``ranking [Q, G']``, ``rel [Q, G]`` -> ``[Q, G']``."""
    return np.take_along_axis(_np(rel).astype(np.float64), _np(ranking), axis=1)


def dcg_at_k(gains: np.ndarray, k: int) -> np.ndarray:
    """``Σ_{i=1..k} gains[:, i-1] / log2(i + 1)``: ``[Q, n]`` gains in ranked order -> ``[Q]``."""
    gains = np.atleast_2d(np.asarray(gains, dtype=np.float64))[:, :k]
    discount = 1.0 / np.log2(np.arange(gains.shape[1]) + 2.0)
    return gains @ discount


def ndcg_at_k(ranking: np.ndarray, rel: np.ndarray, k: int = 30) -> np.ndarray:
    """nDCG@k per query ``[Q]``: ``ranking [Q, G']`` (from :func:`rank`), ``rel [Q, G]`` (:func:`relevance`).

    IDCG@k sorts the relevances of the ranked candidates only (so an excluded query is not counted);
    0 where no candidate is relevant.
    """
    gains = ranked_relevance(ranking, rel)
    ideal = -np.sort(-gains, axis=1)
    dcg, idcg = dcg_at_k(gains, k), dcg_at_k(ideal, k)
    out = np.zeros_like(dcg)
    np.divide(dcg, idcg, out=out, where=idcg > 0)
    return out


def recall_at_k(ranking: np.ndarray, rel: np.ndarray, k: int = 1) -> np.ndarray:
    """Per query ``[Q]``: 1.0 when at least one of the top ``k`` is relevant (``rel > 0``), else 0.0."""
    return (ranked_relevance(ranking, rel)[:, :k] > 0).any(axis=1).astype(np.float64)


def precision_at_k(ranking: np.ndarray, rel: np.ndarray, k: int = 1) -> np.ndarray:
    """Per query ``[Q]``: the fraction of the top ``k`` that is relevant (``rel > 0``)."""
    top = ranked_relevance(ranking, rel)[:, :k] > 0
    return top.mean(axis=1)


def evaluate(query_emb, gallery_emb, query_sets, gallery_sets, *, k: int = 30, recall_ks: Sequence[int] = (1, 5, 10),
             same_set: bool = False, graded: bool = True) -> dict[str, float]:
    """Mean scores over queries: ``{"ndcg@k": .., "recall@1": .., ...}``. ``same_set``: the query set is the
    gallery (within-modality retrieval from one set), so each query's own item is excluded."""
    ranking = rank(query_emb, gallery_emb, exclude_self=same_set)
    rel = relevance(query_sets, gallery_sets, graded=graded)
    out = {f"ndcg@{k}": float(ndcg_at_k(ranking, rel, k).mean())}
    for r in recall_ks:
        out[f"recall@{r}"] = float(recall_at_k(ranking, rel, r).mean())
    return out


def random_embeddings(n: int, dim: int = 128, seed: int = 0) -> np.ndarray:
    """``[n, dim]`` unit vectors drawn uniformly on the sphere (normalised Gaussians)."""
    x = np.random.default_rng(seed).standard_normal((n, dim))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def random_baseline(query_sets, gallery_sets, *, k: int = 30, recall_ks: Sequence[int] = (1, 5, 10),
                    same_set: bool = False, graded: bool = True, dim: int = 128,
                    seeds: Sequence[int] = (0, 1, 2, 3, 4)) -> dict[str, float]:
    """:func:`evaluate` with random unit embeddings for queries and gallery (independent draws; the same
    draw for both when ``same_set``), averaged over ``seeds``: the chance level computed the same way."""
    nq, ng = len(_np(query_sets)), len(_np(gallery_sets))
    runs = []
    for s in seeds:
        g = random_embeddings(ng, dim, seed=2 * int(s))
        q = g if same_set else random_embeddings(nq, dim, seed=2 * int(s) + 1)
        runs.append(evaluate(q, g, query_sets, gallery_sets, k=k, recall_ks=recall_ks, same_set=same_set,
                             graded=graded))
    return {key: float(np.mean([r[key] for r in runs])) for key in runs[0]}
