"""Held-out retrieval with the Objects-that-Sound embeddings (Arandjelović & Zisserman 2018, §4; reference notes
§2.6; notebook 07).

**The retrieval set**: every held-out video (``cfg.ots.n_test``, :func:`avscene.ots.runs.synthetic_data`)
gives one image, its middle frame (kept frame ``T // 2``) centre-cropped, and one sound, the 1-s window
centred on that frame's time (``audio_offset(k) - win // 2``: the AVC pairs' window at offset 0). Each
item's relevance to another is the overlap of their sounding classes (:func:`avscene.ots.retrieval.relevance`,
graded).

**Embeddings** (:func:`embeddings`), all L2-normalised before ranking (Euclidean distance = cosine order):

* AVE-Net: its image and audio embeddings (already unit vectors, one aligned space);
* AVOL-Net: its audio embedding and, for the image, the **spatial mean of its location embeddings**
  (a choice: AVOL-Net's own score is the max over locations of a dot product, which is no distance;
  the mean keeps every location, and ``<mean_ij v_ij, a>`` is the mean of the map's dot products);
* L³-Net: the max-pooled conv4 features of each subnetwork (8w each). Nothing aligns the two spaces, so
  its image->audio and audio->image rows are computed the same way but **not comparable**
  (:func:`comparable` is False; the notebook shows them near the random baseline).

**Scores** (:func:`retrieval_table`): for each direction ``im2im``, ``im2aud``, ``aud2im``, ``aud2aud``, every
item queries the gallery of the other (or the same) modality, its own item excluded within a modality
(``same_set``), scored with :func:`avscene.ots.retrieval.evaluate`: ``ndcg30`` (nDCG@30), ``recall1``,
``recall5``, ``recall10``. :func:`random_table` gives the same for random unit embeddings
(:func:`avscene.ots.retrieval.random_baseline`), the chance level.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..config import Profile
from ..models.inputs import frames_to_net
from . import retrieval
from .avc import centred_sound
from .nets import AVENet, AVOLNet, L3Net
from .runs import VARIANTS, Clips, OtsData, synthetic_data, train, videos
from .spectrogram import log_spectrogram

__all__ = ["DIRECTIONS", "K", "RECALL_KS", "Embedded", "comparable", "embed_test", "embeddings", "inputs",
           "random_table", "retrieval_table", "rows", "table"]

#: (name, query modality, gallery modality)
DIRECTIONS: tuple[tuple[str, str, str], ...] = (("im2im", "image", "image"), ("im2aud", "image", "audio"),
                                                ("aud2im", "audio", "image"), ("aud2aud", "audio", "audio"))
K = 30  # nDCG@30, the paper's
RECALL_KS = (1, 5, 10)
CROSS_MODAL = ("im2aud", "aud2im")


def inputs(clips: Clips, crop_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The retrieval set of ``clips``: ``image [V, 3, c, c]`` in [-1, 1] (the middle frame, centre crop) and
    ``spec [V, 1, F, T]`` (the 1-s window centred on that frame's time, mono)."""
    _, t, h, w, _ = clips.frames.shape
    k = t // 2
    y0, x0 = (h - crop_size) // 2, (w - crop_size) // 2
    frame = torch.from_numpy(np.ascontiguousarray(clips.frames[:, k, y0:y0 + crop_size, x0:x0 + crop_size]))
    image = frames_to_net(frame[:, None])[:, :, 0]
    sound = centred_sound(clips.audio, k, clips.fps, clips.sample_rate)
    return image, log_spectrogram(sound, clips.sample_rate)


@torch.no_grad()
def embeddings(model: nn.Module, image: torch.Tensor, spec: torch.Tensor, *, batch_size: int = 64,
               ) -> tuple[np.ndarray, np.ndarray]:
    """``image [N, 3, H, W]``, ``spec [N, 1, F, T]`` -> L2-normalised ``(image [N, D], audio [N, D])`` float32.

    AVE-Net: its embeddings (``D = dim``); AVOL-Net: the spatial mean of its location embeddings and its
    audio embedding (``D = dim``); L³-Net: the max-pooled conv4 features (``D = 8w``, not a shared space).
    The model is left in its training mode.
    """
    if isinstance(model, AVENet):
        f_img, f_aud = model.embed_image, model.embed_audio
    elif isinstance(model, AVOLNet):
        f_img, f_aud = (lambda x: model.embed_locations(x).mean(dim=(2, 3))), model.embed_audio
    elif isinstance(model, L3Net):
        f_img, f_aud = model.features_image, model.features_audio
    else:
        raise TypeError(f"no embeddings for {type(model).__name__}: AVENet, AVOLNet or L3Net")
    device = next(model.parameters()).device
    was = model.training
    model.eval()
    img, aud = [], []
    for first in range(0, len(image), batch_size):
        sl = slice(first, first + batch_size)
        img.append(F.normalize(f_img(image[sl].to(device)).float(), dim=1).cpu())
        aud.append(F.normalize(f_aud(spec[sl].to(device)).float(), dim=1).cpu())
    model.train(was)
    return torch.cat(img).numpy(), torch.cat(aud).numpy()


@dataclass
class Embedded:
    """A run's embeddings of the retrieval set: ``image`` and ``audio`` ``[V, D]`` (unit rows), ``class_sets``
    bool ``[V, K]``."""

    image: np.ndarray
    audio: np.ndarray
    class_sets: np.ndarray


def embed_test(cfg: Profile, variant: str, seed: int = 0, *, data: OtsData | None = None) -> Embedded:
    """The run's (:func:`avscene.ots.runs.train`) embeddings of the held-out retrieval set (for the table,
    the query gallery and the t-SNE figure): of its own videos (``ots.runs.videos``: AVOL-Net's world for it)."""
    data = videos(cfg, variant, data)
    model = train(cfg, variant, seed, data=data).model
    image, spec = inputs(data.test, cfg.media.crop_size)
    img, aud = embeddings(model, image, spec)
    return Embedded(img, aud, data.test.class_sets)


def _rename(scores: dict[str, float]) -> dict[str, float]:
    """``ndcg@30`` -> ``ndcg30``, ``recall@1`` -> ``recall1``."""
    return {k.replace("@", ""): v for k, v in scores.items()}


def table(image: np.ndarray, audio: np.ndarray, class_sets: np.ndarray) -> dict[str, dict[str, float]]:
    """The four directions' scores for embeddings ``image``, ``audio`` ``[V, D]`` of one set of items with
    ``class_sets`` ``[V, K]``: ``{"im2im": {"ndcg30", "recall1", "recall5", "recall10"}, ...}``."""
    emb = {"image": image, "audio": audio}
    return {name: _rename(retrieval.evaluate(emb[q], emb[g], class_sets, class_sets, k=K, recall_ks=RECALL_KS,
                                             same_set=q == g))
            for name, q, g in DIRECTIONS}


def retrieval_table(cfg: Profile, variant: str, seed: int = 0, *,
                    data: OtsData | None = None) -> dict[str, dict[str, float]]:
    """The run's held-out retrieval scores: ``{"im2im", "im2aud", "aud2im", "aud2aud"}`` ->
    ``{"ndcg30", "recall1", "recall5", "recall10"}`` (each in [0, 1]). For L³-Net the cross-modal rows are
    not comparable (:func:`comparable`)."""
    e = embed_test(cfg, variant, seed, data=data)
    return table(e.image, e.audio, e.class_sets)


def random_table(cfg: Profile, *, dim: int | None = None, data: OtsData | None = None,
                 ) -> dict[str, dict[str, float]]:
    """The same four directions for random unit embeddings of ``dim`` (default ``cfg.ots.dim``) on the same
    items: :func:`avscene.ots.retrieval.random_baseline` (mean over its seeds), the chance level."""
    sets = (data or synthetic_data(cfg)).test.class_sets
    dim = cfg.ots.dim if dim is None else int(dim)
    return {name: _rename(retrieval.random_baseline(sets, sets, k=K, recall_ks=RECALL_KS, same_set=q == g, dim=dim))
            for name, q, g in DIRECTIONS}


def comparable(variant: str, direction: str) -> bool:
    """Whether ``direction`` of ``variant`` compares points of one space: False only for L³-Net's cross-modal
    rows (its image and audio features are never aligned)."""
    if direction not in {d for d, _, _ in DIRECTIONS}:
        raise ValueError(f"unknown direction {direction!r}; choose one of {', '.join(d for d, _, _ in DIRECTIONS)}")
    return not (VARIANTS[variant].net == "l3" and direction in CROSS_MODAL)


def rows(cfg: Profile, variant: str, seed: int = 0, *, data: OtsData | None = None) -> list[dict[str, Any]]:
    """The run's table as rows for a data frame: ``variant``, ``seed``, ``direction``, ``metric``, ``value``,
    ``random`` (the baseline's value) and ``comparable``."""
    scores = retrieval_table(cfg, variant, seed, data=data)
    chance = random_table(cfg, data=videos(cfg, variant, data))
    return [{"variant": variant, "seed": seed, "direction": d, "metric": m, "value": v, "random": chance[d][m],
             "comparable": comparable(variant, d)}
            for d, per in scores.items() for m, v in per.items()]
