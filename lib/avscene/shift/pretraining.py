"""Pretraining the shift network on the synthetic world or on real videos (notebook 03).

Reused by every notebook that needs the features (04 onwards).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from ..config import Profile
from ..datasets.sources import VideoSource
from .dataset import ShiftDataset, collate, to_device
from .evaluate import evaluate
from .task import ShiftTask


@dataclass
class Pretrained:
    """A pretrained network, where its run lives, and its training log rows."""

    model: nn.Module
    run_dir: Path
    history: list[dict]


def default_run_dir(cfg: Profile, name: str = "pretrain") -> Path:
    from ..course.outputs import runs_root

    return runs_root(cfg) / name


def curriculum(cfg: Profile) -> list[tuple[str, int]]:
    """The profile's pretraining phases: ``[(difficulty, until_step), ..., (cfg.synth.difficulty, steps)]``."""
    return [*cfg.synth.curriculum, (cfg.synth.difficulty, cfg.train.steps)]


def curriculum_boundaries(cfg: Profile) -> list[int]:
    """Steps at which the curriculum changes world."""
    return [until for _, until in cfg.synth.curriculum]


def pretrain(cfg: Profile, *, train_source: VideoSource | None = None, eval_source: VideoSource | None = None,
             run_dir: "Path | None" = None, retrain: bool = False, steps: int | None = None,
             eval_every: int | None = None, device: torch.device | None = None, task: ShiftTask | None = None,
             init: "dict[str, torch.Tensor] | None" = None, **net_overrides) -> Pretrained:
    """Train (or resume, or load when finished) the shift network under ``cfg``; returns it in eval mode.

    Sources default to the synthetic world, with the profile's curriculum (``cfg.synth.curriculum``);
    real videos come as ``CacheSource``s (``python -m avscene.shift pretrain --data ...``). The held-out
    evaluation during training uses ``cfg.train.eval_clips`` items of ``eval_source``.
    ``retrain=True`` discards an existing run in ``run_dir`` (default ``runs/<profile>/pretrain``).
    ``init``: a state dict to start from (fine-tuning, e.g. the CAM model of notebook 04); a run that
    resumes from its own checkpoint ignores it.
    """
    import shutil

    from .. import runtime
    from ..datasets.sources import SyntheticSource
    from ..models import ShiftNet
    from ..train import LoaderSource, LoopSpec, StepPhases, Trainer, distributed, make_optimizer

    run_dir = Path(run_dir) if run_dir is not None else default_run_dir(cfg)
    if retrain and run_dir.exists() and distributed.rank() == 0:
        shutil.rmtree(run_dir)
    device = device or runtime.pick_device()
    runtime.seed_everything(cfg.seed)
    t = cfg.train
    steps = steps or t.steps
    if train_source is None:
        phases = [(d, until) for d, until in curriculum(cfg) if until > 0]
        datasets = [ShiftDataset(SyntheticSource.pretext(cfg, "train", d), cfg, seed=cfg.seed, train=True)
                    for d, _ in phases]
        train_ds = (datasets[0] if len(datasets) == 1 else
                    StepPhases(datasets, [u for _, u in phases[:-1]], t.batch_videos * distributed.world_size()))
    else:
        train_ds = ShiftDataset(train_source, cfg, seed=cfg.seed, train=True)
    eval_source = eval_source or SyntheticSource.pretext(cfg, "eval")
    eval_ds = ShiftDataset(eval_source, cfg, seed=cfg.seed + 1, train=False)
    model = ShiftNet.from_config(cfg, **net_overrides)
    if init is not None:
        model.load_state_dict(init)
    source = LoaderSource(train_ds, t.batch_videos, steps, num_workers=t.num_workers, collate=collate,
                          to_device=to_device)
    spec = LoopSpec(steps=steps, lr=t.lr, optimizer=t.optimizer, checkpoint_every=t.checkpoint_every,
                    eval_every=eval_every or max(steps // 10, 1), log_every=max(min(50, steps // 20), 1))
    n_eval = min(t.eval_clips, len(eval_ds))
    optimizer = make_optimizer(model.to(device), t.optimizer, t.lr)
    drop = int(t.lr_drop_at * steps) if t.lr_drop_at < 1 else steps + 1  # 1.0: constant (the paper's)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0 if step < drop else 0.1)
    trainer = Trainer(model, task or ShiftTask(), source, spec, run_dir, device=device, optimizer=optimizer,
                      scheduler=scheduler,
                      evaluate=lambda m: evaluate(m, eval_ds, n_eval, batch_size=2 * t.batch_videos))
    history = trainer.fit()
    model.eval()
    return Pretrained(model, run_dir, history)
