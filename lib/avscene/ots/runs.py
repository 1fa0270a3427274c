"""The Objects-that-Sound networks of notebook 07 as named runs (Arandjelović & Zisserman, ECCV 2018;
reference notes §2).

The variants (``ave``, ``avol``, ``l3``, ``ave_shortcut``) are defined in :mod:`avscene.ots.variants`; each
trains at ``variants.profile(cfg, variant)`` (``cfg`` itself but for AVOL-Net's own world and steps,
``cfg.ots.avol``).

Every variant trains with ``cfg.ots.train`` on AVC pairs cut from ``cfg.ots.n_train`` synthetic
``SoloDuetSet`` videos (:func:`synthetic_data`) and is scored on held-out pairs of ``cfg.ots.n_test`` other
videos (a disjoint world seed): :func:`held_out` gives the *honest* pairs every variant is measured on (the
shortcut run's honest accuracy and its retrieval, :mod:`avscene.ots.embed`, are what show it learned
nothing), ``shortcut=True`` the same pairs with the shortcut negatives (where that run looks good).
Each run is named ``ots/<variant>/seed<k>`` and found, fetched or trained like every run
(``avscene.course.hub``); its training log holds ``eval_acc`` on the first ``train.eval_clips`` honest
held-out pairs at ``train.evals`` points (the training curves).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import torch
from torch import nn

from .. import runtime
from ..config import Profile
from ..course import hub
from ..synthetic.datasets import SoloDuetSet
from ..train import LoaderSource, distributed
from ..train import finetune as train_finetune
from .avc import AVCDataset, stack_clips
from .nets import AVENet, AVOLNet, L3Net
from .task import AVCTask, evaluate
from .variants import VARIANTS, Variant, net_kwargs
from .variants import get as get_variant
from .variants import profile as variant_profile

__all__ = ["NETWORKS", "VARIANTS", "Clips", "OtsData", "Variant", "avc_accuracy", "avc_scores", "build",
           "held_out", "run_path", "settings", "synthetic_data", "train", "train_pairs", "variant_profile",
           "videos"]

#: The network classes by name.
NETWORKS: dict[str, type[nn.Module]] = {"ave": AVENet, "avol": AVOLNet, "l3": L3Net}


def build(cfg: Profile, variant: str) -> nn.Module:
    """The untrained network of ``variant`` at its profile's sizes (``variants.profile(cfg, variant).ots``: AVOL-Net's
    pools and map as ``cfg.ots.avol`` says)."""
    cfg = variant_profile(cfg, variant)
    v, o = get_variant(variant), cfg.ots
    kw: dict[str, Any] = {"pools": o.pools, "audio_pools": o.audio_pools, "first_stride": o.first_stride,
                          "bn_momentum": o.bn_momentum}
    if v.net == "l3":
        return L3Net(o.width, o.hidden, **kw)
    return NETWORKS[v.net](o.width, o.dim, o.hidden, **kw, **net_kwargs(cfg, variant))


@dataclass
class Clips:
    """Videos in memory on one timeline: ``frames`` uint8 ``[V, T, H, W, 3]`` at ``fps``, mono ``audio``
    float32 ``[V, 1, N]`` at ``sample_rate``, ``class_sets`` bool ``[V, K]`` (the sounding classes)."""

    frames: np.ndarray
    audio: np.ndarray
    class_sets: np.ndarray
    fps: float
    sample_rate: int

    def __len__(self) -> int:
        return len(self.frames)


@dataclass
class OtsData:
    """Training and held-out videos (disjoint world seeds); ``name`` goes into run keys."""

    name: str
    train: Clips
    test: Clips


def _solo_duet(cfg: Profile, split: str, n: int) -> Clips:
    """``n`` ``SoloDuetSet`` clips of ``split`` (``cfg.ots``' world and share of silent objects), every
    ``frame_step``-th frame kept (at ``fps / frame_step``: frame ``k`` of the kept ones is frame
    ``k · frame_step`` of the video, at the same time) and the sound mixed to mono (what every AVC item hears;
    half the memory)."""
    o, m = cfg.ots, cfg.media
    frames, audio, sets = stack_clips(SoloDuetSet(m, n, p_duet=o.p_duet, p_silent=o.p_silent, difficulty=o.difficulty,
                                                  seed=cfg.seed, split=split))
    step = int(o.frame_step)
    frames = np.ascontiguousarray(frames[:, ::step])
    return Clips(frames, audio.mean(axis=1, keepdims=True, dtype=np.float32), sets, m.fps / step, m.sample_rate)


@lru_cache(maxsize=2)
def synthetic_data(cfg: Profile) -> OtsData:
    """The profile's synthetic videos, generated once per process: ``n_train`` ``SoloDuetSet`` clips of the
    ``train`` split and ``n_test`` of the ``test`` split (disjoint world seeds)."""
    o = cfg.ots
    return OtsData("synthetic", _solo_duet(cfg, "train", o.n_train), _solo_duet(cfg, "test", o.n_test))


def _pairs(cfg: Profile, clips: Clips, *, n: int, seed: int, crop: str, shortcut: bool) -> AVCDataset:
    o = cfg.ots
    return AVCDataset(clips.frames, clips.audio, clips.class_sets, fps=clips.fps, sample_rate=clips.sample_rate,
                      crop_size=cfg.media.crop_size, n=n, seed=seed, max_offset_seconds=o.max_offset_seconds,
                      crop=crop, negatives=o.negatives, shortcut=shortcut)


def train_pairs(cfg: Profile, data: OtsData, seed: int, *, shortcut: bool = False) -> AVCDataset:
    """The training pairs of run seed ``seed``: random crops, item ``i`` a function of ``(seed, i)``, as many
    as the run draws (``steps × batch × processes``); ``shortcut``: the cautionary tale's negatives."""
    t = cfg.ots.train
    n = max(t.steps * t.batch * distributed.world_size(), 2)
    return _pairs(cfg, data.train, n=n, seed=seed, crop="random", shortcut=shortcut)


def held_out(cfg: Profile, data: OtsData, *, shortcut: bool = False, n: int | None = None) -> AVCDataset:
    """The held-out pairs every variant is scored on: ``n`` (default ``cfg.ots.test_pairs``) pairs of the test
    videos, centre crops, drawn with ``cfg.seed`` (the same pairs for every run; the first ``n`` of them
    for any smaller ``n``). ``shortcut``: the same frames, windows and labels, the negatives' sound through
    the shortcut decoder."""
    n = cfg.ots.test_pairs if n is None else int(n)
    return _pairs(cfg, data.test, n=n, seed=cfg.seed, crop="center", shortcut=shortcut)


def run_path(variant: str, seed: int, data: str = "synthetic") -> str:
    """``ots/<variant>/seed<k>`` on the synthetic world, ``ots-<data>/<variant>/seed<k>`` on other data."""
    prefix = "ots" if data == "synthetic" else f"ots-{data}"
    return f"{prefix}/{variant}/seed{seed}"


def settings(cfg: Profile, v: Variant, seed: int, data: str) -> dict[str, Any]:
    """What shapes a run: the data, the variant, the seed, every ``cfg.ots`` size and the training recipe,
    the media (frame, crop and sound geometry) and the world seed. ``cfg`` is the variant's profile
    (:func:`avscene.ots.variants.profile`); ``cfg.ots.avol`` enters AVOL-Net's settings only (changing AVOL-Net's
    recipe leaves the other runs valid)."""
    o = cfg.ots
    ots = {**dataclasses.asdict(o), "train": o.train.recipe()}
    if v.net != "avol":
        ots.pop("avol")
    return {"data": data, "variant": dataclasses.asdict(v), "seed": seed, "ots": ots,
            "media": dataclasses.asdict(cfg.media), "world_seed": cfg.seed}


def videos(cfg: Profile, variant: str, data: OtsData | None = None) -> OtsData:
    """``data`` if given, else the synthetic videos of ``variant``'s profile (:func:`synthetic_data` of
    ``variants.profile(cfg, variant)``: AVOL-Net's own world)."""
    return data if data is not None else synthetic_data(variant_profile(cfg, variant))


def train(cfg: Profile, variant: str, seed: int = 0, *, data: OtsData | None = None,
          device: torch.device | None = None, retrain: bool = False) -> hub.Trained:
    """The run ``ots/<variant>/seed<k>`` at ``variants.profile(cfg, variant)``: ``.model`` is the trained network
    (eval mode), ``.history`` its log (``loss``, ``acc`` on the training batches; ``eval_acc`` on held-out honest
    pairs). ``data``: the videos (default :func:`videos`)."""
    v = get_variant(variant)
    cfg = variant_profile(cfg, variant)
    t = cfg.ots.train
    data = videos(cfg, variant, data)
    device = device or runtime.pick_device()

    def fit(into):
        runtime.seed_everything(seed)
        model = build(cfg, variant)
        items = train_pairs(cfg, data, seed, shortcut=v.shortcut)
        batches = LoaderSource(items, t.batch, t.steps, num_workers=t.num_workers, collate=items.collate)
        probe = held_out(cfg, data, n=min(t.eval_clips, cfg.ots.test_pairs))
        return train_finetune(model, AVCTask(), batches, t, into, device=device,
                              evaluate=lambda m: {"acc": evaluate(m, probe)["acc"]})

    name = hub.run_name(run_path(variant, seed, data.name), cfg)
    return hub.obtain(name, cfg, settings(cfg, v, seed, data.name), build=lambda: build(cfg, variant), train=fit,
                      retrain=retrain, device=device)


def avc_scores(cfg: Profile, variant: str, seed: int = 0, *, shortcut: bool = False,
               data: OtsData | None = None) -> dict[str, Any]:
    """:func:`avscene.ots.task.evaluate` of the run on its held-out pairs (:func:`held_out` of its videos,
    :func:`videos`; honest unless ``shortcut``): ``acc`` and per pair ``prob``, ``pred``, ``label``, ``correct``,
    ``same_class`` ...."""
    data = videos(cfg, variant, data)
    model = train(cfg, variant, seed, data=data).model
    return evaluate(model, held_out(variant_profile(cfg, variant), data, shortcut=shortcut))


def avc_accuracy(cfg: Profile, variant: str, seed: int = 0, *, shortcut: bool = False,
                 data: OtsData | None = None) -> float:
    """The run's AVC accuracy (a fraction) on the held-out pairs: the honest ones for every variant, or with
    ``shortcut`` the same pairs with the shortcut negatives."""
    return float(avc_scores(cfg, variant, seed, shortcut=shortcut, data=data)["acc"])
