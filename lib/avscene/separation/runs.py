"""The separation variants of notebook 06 as named runs (Owens & Efros §6; reference notes §1.7).

==============  ===========================================  ==============================
variant         video net                                    loss
==============  ===========================================  ==============================
full            the ``shift`` run (notebook 03)              on/off L1 (``full``)
single_frame    the ``shift`` run, one frame repeated        on/off L1
scratch         a fresh initialization                       on/off L1
pit             none (the audio-only u-net)                  permutation-invariant L1
==============  ===========================================  ==============================

With ``cfg.separation.frozen_video`` (the ``cpu`` profile) the video net does not train: ``scratch`` then
reads a *random* network's features, the control for what pretraining put into them. Each run is named
``separation/<variant>/seed<k>`` (on other data than the synthetic world ``separation-<data>/...``:
:func:`run_path`) and found, fetched or trained like every run (``avscene.course.hub``).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import torch

from .. import runtime
from ..config import Profile
from ..course import hub
from ..models import ShiftNet
from ..shift import pretraining
from ..train import LoaderSource, load_init
from ..train import finetune as train_finetune
from . import spectrogram as S
from .data import MixtureDataset, SoloSource, collate, synthetic, to_device
from .model import SeparationNet
from .task import SeparationTask, evaluate, layout, test_batches
from .unet import UNet


@dataclass(frozen=True)
class Variant:
    """Where a variant's video net starts (``"shift"``, ``None`` = fresh, or no video net at all), what it
    sees, and whether its loss is permutation-invariant."""

    name: str
    video: str | None  # "shift" | "fresh" | None (audio only)
    view: str = "full"
    pit: bool = False


VARIANTS: dict[str, Variant] = {v.name: v for v in (
    Variant("full", "shift"),
    Variant("single_frame", "shift", view="single_frame"),
    Variant("scratch", "fresh"),
    Variant("pit", None, pit=True),
)}


def build(cfg: Profile, variant: str) -> SeparationNet:
    """The untrained network of ``variant`` at the profile's sizes (the video net's weights not loaded)."""
    v, s = VARIANTS[variant], cfg.separation
    w = cfg.net.width
    spec = S.spec_spec(cfg.media.sample_rate)
    if v.video is None:
        return SeparationNet(UNet(width=s.width, levels=s.levels, bn_momentum=s.bn_momentum), spec, s.spec_frames)
    unet = UNet(width=s.width, levels=s.levels, video_channels=(w, 2 * w, 8 * w), bn_momentum=s.bn_momentum)
    return SeparationNet(unet, spec, s.spec_frames, ShiftNet.from_config(cfg), frozen_video=s.frozen_video,
                         view=v.view)


def shift_state(cfg: Profile) -> tuple[dict[str, torch.Tensor], str]:
    """The ``shift`` run's weights and fingerprint (:func:`avscene.shift.pretraining.pretrained_state`)."""
    return pretraining.pretrained_state(cfg)


@dataclass
class SeparationData:
    """Solo videos to mix: ``train`` and ``test`` (disjoint world seeds); ``name`` goes into run keys."""

    name: str
    train: SoloSource
    test: SoloSource


@lru_cache(maxsize=2)
def synthetic_data(cfg: Profile) -> SeparationData:
    """The profile's synthetic solo videos (``n_train`` training, enough test videos for its pairs)."""
    s = cfg.separation
    return SeparationData("synthetic", synthetic(cfg, "train", s.n_train),
                          synthetic(cfg, "test", max(2 * s.n_test_pairs, 8)))


def held_out(cfg: Profile, data: SeparationData) -> MixtureDataset:
    """The held-out mixtures every variant is scored on (fixed pairs, each seen with either video)."""
    s = cfg.separation
    return MixtureDataset(data.test, cfg, p_same_class=s.p_same_class, seed=cfg.seed, train=False,
                          n_test=s.n_test_pairs, clip_frames=s.clip_frames)


def run_path(variant: str, seed: int, data: str = "synthetic") -> str:
    """The run's name: ``separation/<variant>/seed<k>`` on the synthetic world, ``separation-<data>/...`` on
    other data (e.g. ``separation-voxceleb2-gender-<hash>/full/seed0``), so that runs of two datasets never
    share a folder."""
    prefix = "separation" if data == "synthetic" else f"separation-{data}"
    return f"{prefix}/{variant}/seed{seed}"


def settings(cfg: Profile, v: Variant, seed: int, data: str, base: str | None) -> dict[str, Any]:
    s = cfg.separation
    return {"data": data, "variant": dataclasses.asdict(v), "seed": seed, "base": base,
            "separation": {**dataclasses.asdict(s), "train": s.train.recipe()}, "media": dataclasses.asdict(cfg.media),
            "net": dataclasses.asdict(cfg.net), "world_seed": cfg.seed}


def train(cfg: Profile, variant: str, seed: int = 0, *, data: SeparationData | None = None,
          device: torch.device | None = None, retrain: bool = False) -> hub.Trained:
    """The run ``separation/<variant>/seed<k>``: ``.model`` is the trained ``SeparationNet`` in eval mode."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    v, s = VARIANTS[variant], cfg.separation
    data = data or synthetic_data(cfg)
    device = device or runtime.pick_device()
    state, base = shift_state(cfg) if v.video == "shift" else (None, None)

    def fit(into):
        runtime.seed_everything(seed)
        model = build(cfg, variant)
        if state is not None:
            load_init(model.video, state)
        items = MixtureDataset(data.train, cfg, p_same_class=s.p_same_class, seed=seed, clip_frames=s.clip_frames)
        batches = LoaderSource(items, s.train.batch, s.train.steps, num_workers=s.train.num_workers,
                               collate=collate, to_device=to_device)
        frozen = ("video",) if v.video is not None and s.frozen_video else ()
        return train_finetune(model, SeparationTask(pit=v.pit), batches, s.train, into, frozen=frozen,
                              device=device)

    name = hub.run_name(run_path(variant, seed, data.name), cfg)
    return hub.obtain(name, cfg, settings(cfg, v, seed, data.name, base), build=lambda: build(cfg, variant),
                      train=fit, retrain=retrain, device=device)


def scores(cfg: Profile, variant: str, seed: int = 0, *, data: SeparationData | None = None,
           phase: str = "mixture") -> dict[str, np.ndarray]:
    """Per test mixture (:func:`avscene.separation.task.evaluate`) for the run of ``variant`` and ``seed``."""
    data = data or synthetic_data(cfg)
    model = train(cfg, variant, seed, data=data).model
    task = SeparationTask(pit=VARIANTS[variant].pit, phase=phase)
    return evaluate(model, held_out(cfg, data), task)


def oracle_scores(cfg: Profile, *, data: SeparationData | None = None) -> dict[str, np.ndarray]:
    """The ideal ratio mask on the same test mixtures: ``sisdr``, ``sisdri``, ``assign``, ``same_class``,
    ``pair`` and ``view`` (as :func:`avscene.separation.task.evaluate`)."""
    from . import metrics
    from .model import ideal_ratio_mask

    data = data or synthetic_data(cfg)
    test = held_out(cfg, data)
    spec = S.spec_spec(cfg.media.sample_rate)
    n = spec.samples_for(cfg.separation.spec_frames)
    out: dict[str, list[np.ndarray]] = {k: [] for k in ("sisdr", "sisdri", "assign", "same_class", "pair", "view")}
    for index, b in test_batches(test):  # evaluate()'s batches: the same example order
        on, off = b["on"].mean(1)[:, :n], b["off"].mean(1)[:, :n]
        est_on, est_off = ideal_ratio_mask(on, off, spec, n)
        out["sisdr"].append(metrics.si_sdr(est_on, on).numpy())
        out["sisdri"].append(metrics.si_sdr_improvement(est_on, on, on + off).numpy())
        out["assign"].append(metrics.assignment_correct(est_on, est_off, on).numpy())
        out["same_class"].append(b["same_class"].numpy())
        for key, value in layout(index).items():
            out[key].append(value)
    return {k: np.concatenate(v) for k, v in out.items()}
