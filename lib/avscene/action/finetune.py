"""One fine-tuning run for action recognition, by *variant*: the rows of the paper's table and the probes
(Owens & Efros §5; reference notes §1.8; notebook 05).

Every variant is the same ``ActionNet`` trained with the same recipe (``cfg.action.finetune``) on the same
labelled clips; they differ only in where the weights start and what the network sees:

==================  ==========================================  ==================================
variant             starts from                                 sees / trains
==================  ==========================================  ==================================
pretrained          the ``shift`` run (notebook 03)             frames and sound, everything
scratch             a fresh initialization                      frames and sound, everything
audio_zeroed        the ``shift`` run                           frames only (sound branch off)
random_negatives    ``shift_other_video`` (negatives: audio      frames and sound, everything
                    from random other videos)
linear_probe        the ``shift`` run                           frames and sound, the head only
single_frame        a fresh initialization                      one frame repeated, no sound
audio_only          a fresh initialization                      sound and a blank video
==================  ==========================================  ==================================

Each run is named ``action/<variant>/<labels per class>/seed<k>`` (under ``seed<j>/`` for another
pretraining seed) and published, found and resumed like every run (``avscene.course.hub``); its test
accuracy is its last log row's ``eval_acc``.
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
from ..shift import pretraining
from ..train import LoaderSource
from ..train import finetune as train_finetune
from .data import ActionDataset, ArraySource, collate, synthetic, to_device
from .model import ActionNet, restore
from .task import ActionTask, accuracy


@dataclass(frozen=True)
class Variant:
    """How a row differs from the others: its initial weights (the pretext negatives of its shift run, or
    ``None`` for scratch), its view, whether it hears, and whether only the head trains."""

    name: str
    init: str | None
    view: str = "full"
    use_sound: bool = True
    head_only: bool = False


VARIANTS: dict[str, Variant] = {v.name: v for v in (
    Variant("pretrained", "same_video"),
    Variant("scratch", None),
    Variant("audio_zeroed", "same_video", use_sound=False),
    Variant("random_negatives", "other_video"),
    Variant("linear_probe", "same_video", head_only=True),
    Variant("single_frame", None, view="single_frame", use_sound=False),
    Variant("audio_only", None, view="audio_only"),
)}


@dataclass
class ActionData:
    """Labelled training and test videos (``avscene.action.data``): ``name`` goes into run names and keys."""

    name: str
    train: Any  # labelled source
    test: Any  # labelled source
    class_names: tuple[str, ...]

    @property
    def classes(self) -> int:
        return len(self.class_names)

    def labelled(self, per_class: int | None) -> np.ndarray:
        """Training videos with labels: the first ``per_class`` of each class (``None``: all of them)."""
        labels = np.asarray(self.train.labels)
        picks = [np.flatnonzero(labels == c)[:per_class] for c in range(self.classes)]
        short = [self.class_names[c] for c, p in enumerate(picks) if per_class and len(p) < per_class]
        if short:
            raise ValueError(f"{per_class} labels per class asked, fewer videos for {', '.join(short[:5])}")
        return np.sort(np.concatenate(picks))


@lru_cache(maxsize=2)
def synthetic_data(cfg: Profile) -> ActionData:
    """The profile's synthetic action set: ``train_per_class`` training and ``test_per_class`` test videos of
    each action (disjoint world seeds), generated once per process."""
    a = cfg.action
    train, test = synthetic(cfg, "train", a.train_per_class), synthetic(cfg, "test", a.test_per_class)
    return ActionData("synthetic", train, test, train.class_names)


def base_state(cfg: Profile, negatives: str) -> tuple[dict[str, torch.Tensor], str]:
    """The weights of the profile's shift run pretrained with ``negatives`` (``same_video``: notebook 03's
    ``shift``; ``other_video``: ``shift_other_video``) and their fingerprint
    (:func:`avscene.shift.pretraining.pretrained_state`, once per process)."""
    return pretraining.pretrained_state(cfg.replace(**{"shift.negatives": negatives}))


def run_name(cfg: Profile, variant: str, per_class: int | None, seed: int, data: str = "synthetic") -> str:
    """``action/<variant>/<labels per class or all>/seed<k>`` (``action-<data>/...`` for real data)."""
    root = "action" if data == "synthetic" else f"action-{data}"
    return hub.run_name(f"{root}/{variant}/{per_class or 'all'}/seed{seed}", cfg)


def settings(cfg: Profile, variant: Variant, per_class: int | None, seed: int, data: str,
             base: str | None) -> dict[str, Any]:
    """What shapes a fine-tuned network: the data, the variant, the labels, the recipe and sizes, the seeds
    and the fingerprint of the weights it started from."""
    action = {**dataclasses.asdict(cfg.action), "finetune": cfg.action.finetune.recipe()}
    return {"data": data, "variant": dataclasses.asdict(variant), "per_class": per_class, "seed": seed,
            "base": base, "action": action, "media": dataclasses.asdict(cfg.media), "net": dataclasses.asdict(cfg.net),
            "world_seed": cfg.seed}


def finetune(cfg: Profile, variant: str, per_class: int | None, seed: int = 0, *, data: ActionData | None = None,
             steps: int | None = None, device: torch.device | None = None, retrain: bool = False) -> hub.Trained:
    """The run of ``variant`` (``VARIANTS``) fine-tuned on ``per_class`` labelled videos per class (``None``:
    all) of ``data`` (default: the synthetic action set) with fine-tuning seed ``seed``; ``.model`` is the
    ``ActionNet`` in eval mode, its test accuracy :func:`test_accuracy`. ``steps`` other than the recipe's
    (the action set's check, ``cfg.action.probe_steps``) trains longer under its own run name
    (``action/<variant>-<steps>steps/...``), every other setting the recipe's."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    v = VARIANTS[variant]
    name = variant
    if steps is not None and steps != cfg.action.finetune.steps:
        cfg = cfg.replace(**{"action.finetune": dataclasses.replace(cfg.action.finetune, steps=int(steps))})
        name = f"{variant}-{int(steps)}steps"
    data = data or synthetic_data(cfg)
    device = device or runtime.pick_device()
    state, base = base_state(cfg, v.init) if v.init else (None, None)
    spec = cfg.action.finetune
    task = ActionTask(v.view, v.use_sound, cfg.action.label_smoothing)

    def build() -> ActionNet:
        return ActionNet.from_config(cfg, data.classes)

    def train(into):
        runtime.seed_everything(seed)
        model = build()
        if state is not None:
            restore(model, state)
        items = ActionDataset(data.train, data.labelled(per_class), cfg, seed=seed, train=True)
        test = ActionDataset(data.test, np.arange(len(data.test)), cfg, train=False)
        batches = LoaderSource(items, spec.batch, spec.steps, num_workers=spec.num_workers, collate=collate,
                               to_device=to_device)
        return train_finetune(model, task, batches, spec, into, frozen=("sf", "im") if v.head_only else (),
                              evaluate=lambda m: accuracy(m, test, task), device=device)

    key = settings(cfg, v, per_class, seed, data.name, base)
    return hub.obtain(run_name(cfg, name, per_class, seed, data.name), cfg, key, build=build, train=train,
                      retrain=retrain, device=device)


def test_accuracy(trained: hub.Trained) -> float:
    """A finished run's test accuracy (its last evaluation)."""
    rows = [r for r in trained.history if "eval_acc" in r]
    if not rows:
        raise ValueError(f"run {trained.run_dir} has no test evaluation in its log")
    return float(rows[-1]["eval_acc"])


__all__ = [
    "VARIANTS",
    "ActionData",
    "ArraySource",
    "Variant",
    "base_state",
    "finetune",
    "run_name",
    "settings",
    "synthetic_data",
    "test_accuracy",
]
