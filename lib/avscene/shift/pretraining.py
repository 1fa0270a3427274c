"""Pretraining the shift network (Owens & Efros §3.3; notebook 03), reused by every later notebook.

``pretrain(cfg)`` returns the run named ``shift`` of the profile (``avscene.course.hub``): a finished
local run, else published weights, else it trains one now with the course's one recipe
(``avscene.train.finetune``, from scratch). Training data defaults to the synthetic world with the
profile's curriculum (``cfg.synth.curriculum``); real videos come as ``CacheSource``s
(``python -m avscene.shift pretrain --data ...``). Every held-out evaluation during training scores the
set of :func:`avscene.shift.evaluate.heldout`.
"""
from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import Dataset

from .. import runtime
from ..config import Profile
from ..course import hub
from ..datasets.sources import SyntheticSource, VideoSource
from ..models import ShiftNet
from ..train import LoaderSource, StepPhases, distributed, finetune
from .dataset import ShiftDataset, collate, to_device
from .evaluate import evaluate, heldout
from .task import ShiftTask

NAME = "shift"


def run_label(cfg: Profile) -> str:
    """The run's name: ``shift`` for the paper's same-video negatives, ``shift_<negatives>`` for an ablation
    (``shift_other_video``: audio from random other videos; notebook 05)."""
    return NAME if cfg.shift.negatives == "same_video" else f"{NAME}_{cfg.shift.negatives}"


def curriculum(cfg: Profile) -> list[tuple[str, int]]:
    """The profile's pretraining phases: ``[(difficulty, until_step), ..., (cfg.synth.difficulty, steps)]``."""
    return [*cfg.synth.curriculum, (cfg.synth.difficulty, cfg.train.steps)]


def curriculum_boundaries(cfg: Profile) -> list[int]:
    """Steps at which the curriculum changes world."""
    return [until for _, until in cfg.synth.curriculum]


def settings(cfg: Profile, data: str = "synthetic") -> dict[str, Any]:
    """What shapes the pretrained weights (the run's settings key): clip sizes, the shift law, the network,
    the world and its curriculum, the recipe, the seed and the training data."""
    synth = {k: v for k, v in dataclasses.asdict(cfg.synth).items() if k != "n_eval"}
    return {"media": dataclasses.asdict(cfg.media), "shift": dataclasses.asdict(cfg.shift),
            "net": dataclasses.asdict(cfg.net), "synth": synth, "train": cfg.train.recipe(), "seed": cfg.seed,
            "data": data}


def training_set(cfg: Profile, source: VideoSource | None = None) -> Dataset:
    """Training items: ``source``'s, or the synthetic world's through the curriculum's phases."""
    if source is not None:
        return ShiftDataset(source, cfg, seed=cfg.seed, train=True)
    phases = [(d, until) for d, until in curriculum(cfg) if until > 0]
    sets = [ShiftDataset(SyntheticSource.pretext(cfg, "train", d), cfg, seed=cfg.seed, train=True) for d, _ in phases]
    if len(sets) == 1:
        return sets[0]
    return StepPhases(sets, [u for _, u in phases[:-1]], cfg.train.batch * distributed.world_size())


def train_on_task(cfg: Profile, run_dir: Path, *, device: torch.device, init: dict[str, torch.Tensor] | None = None,
                  train_source: VideoSource | None = None, eval_source: VideoSource | None = None,
                  task: ShiftTask | None = None):
    """Train (or resume) ``ShiftNet.from_config(cfg)`` on the shift task in ``run_dir`` with the course's
    recipe: from scratch, or from ``init`` weights (the CAM model); held-out evaluations on
    :func:`heldout`. Returns the fitted ``avscene.train.Trainer``."""
    t = cfg.train
    runtime.seed_everything(cfg.seed)
    items = training_set(cfg, train_source)
    eval_set, n_eval = heldout(cfg, eval_source)
    model = ShiftNet.from_config(cfg)
    batches = LoaderSource(items, t.batch, t.steps, num_workers=t.num_workers, collate=collate, to_device=to_device)
    return finetune(model, task or ShiftTask(), batches, t, run_dir, init=init, device=device,
                    evaluate=lambda m: evaluate(m, eval_set, n_eval, batch_size=2 * t.batch))


def pretrain(cfg: Profile, *, train_source: VideoSource | None = None, eval_source: VideoSource | None = None,
             data: str = "synthetic", run_dir: Path | None = None, retrain: bool = False,
             steps: int | None = None, device: torch.device | None = None,
             task: ShiftTask | None = None) -> hub.Trained:
    """The shift network of ``cfg``, in eval mode (``.model``), and its run (``.run``, ``.history``).

    ``data`` names the training videos in the run's settings key (``"synthetic"``, or what
    ``train_source`` holds); ``steps`` overrides ``cfg.train.steps``; ``retrain=True`` discards a finished
    or partial run; ``run_dir`` defaults to ``runs/<profile>/<run_label(cfg)>`` (``shift``; under ``seed<k>/`` for
    ``cfg.seed = k > 0``); ``task`` replaces the loss (benchmarks).
    """
    if steps is not None:
        cfg = cfg.replace(**{"train.steps": steps})
    device = device or runtime.pick_device()

    def train(into: Path):
        return train_on_task(cfg, into, device=device, train_source=train_source, eval_source=eval_source,
                             task=task)

    return hub.obtain(hub.run_name(run_label(cfg), cfg), cfg, settings(cfg, data), build=lambda: ShiftNet.from_config(cfg), train=train,
                      run_dir=run_dir, retrain=retrain, device=device)


@lru_cache(maxsize=4)
def pretrained_state(cfg: Profile) -> tuple[dict[str, torch.Tensor], str]:
    """The weights (on the CPU) of the profile's shift run (``shift``, or ``shift_other_video`` with
    ``shift.negatives = "other_video"``), obtained as :func:`pretrain` does (found, fetched or trained), and
    their fingerprint: once per process, however many downstream runs start from them (notebooks 05-06)."""
    state = {k: v.detach().cpu() for k, v in pretrain(cfg).model.state_dict().items()}
    return state, hub.fingerprint(state)
