"""The shift pretext task: its loss, its held-out evaluation, the controls and the offset sweep.

Owens & Efros §3.1, §3.3 (notebook 03). Every batch holds both examples of each video, the aligned one
(label 1) and the shifted one (label 0), which share their frames; the loss is sigmoid cross-entropy on
the network's single logit and accuracy is ``(logit > 0) == label`` (reference notes §1.3).

The controls show that a trained network uses synchrony and nothing else: with the audio zeroed, with
the frames frozen (the window's first frame repeated) or with the "aligned" audio taken from another
video, the aligned and shifted examples become indistinguishable to a sync detector and accuracy must
fall to chance. The offset sweep scores one frame window against audio windows offset by ``-k..k``
frames; a sync detector peaks at offset zero.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import sampling
from .config import Profile
from .datasets.shift import ShiftDataset, collate, to_device
from .datasets.sources import VideoSource

CONTROLS = ("audio_zeroed", "frames_frozen", "other_video_audio")


def pair_logits(model: nn.Module, frames: torch.Tensor, audio: torch.Tensor) -> torch.Tensor:
    """Logits ``[B, 2]`` (aligned, shifted) for frames ``[B, 3, T, H, W]`` and audio ``[B, 2, C, N]``."""
    b = frames.shape[0]
    logits = model(torch.cat([frames, frames]), torch.cat([audio[:, 0], audio[:, 1]]))
    return logits.view(2, b).t()


@dataclass
class ShiftTask:
    """``avscene.train`` task: both examples of each video, sigmoid cross-entropy, accuracy.

    ``lowfps_until``: for steps before it, frames are subsampled 4x in time (the original's
    low-frame-rate warm start, ``shift_lowfps``; reference notes §1.2), with the same audio.
    ``pair_weight``: weight of an added ranking term ``softplus(logit_shifted - logit_aligned)`` that
    compares each video's two examples directly (0 = the paper's loss alone).
    """

    lowfps_until: int = 0
    pair_weight: float = 0.0
    step: int = 0

    def on_step(self, step: int) -> None:
        self.step = step

    def loss(self, model: nn.Module, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, float]]:
        frames = batch["frames"]
        if self.step < self.lowfps_until:
            frames = frames[:, :, ::4]
        logits = pair_logits(model, frames, batch["audio"])
        labels = torch.zeros_like(logits)
        labels[:, 0] = 1.0
        loss = F.binary_cross_entropy_with_logits(logits.float(), labels)
        acc = ((logits > 0).float() == labels).float().mean()
        metrics = {"acc": float(acc), "pair_acc": float((logits[:, 0] > logits[:, 1]).float().mean())}
        if self.pair_weight:
            loss = loss + self.pair_weight * F.softplus(logits[:, 1] - logits[:, 0]).float().mean()
        return loss, metrics


@torch.no_grad()
def evaluate(model: nn.Module, dataset: ShiftDataset, n: int, *, batch_size: int = 16,
             controls: tuple[str, ...] = (), device: torch.device | None = None,
             return_logits: bool = False) -> dict[str, float] | tuple[dict[str, float], np.ndarray]:
    """Held-out pretext accuracy on items ``0..n-1`` of ``dataset`` (and each control's accuracy).

    Also returns ``pair_acc``: the share of videos whose aligned logit beats their shifted one; with
    ``return_logits``, also every item's (aligned, shifted) logits ``[n, 2]`` from the same pass.
    """
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    correct = {name: 0.0 for name in ("acc", "pair_acc", *controls)}
    count, all_logits = 0, []
    for first in range(0, n, batch_size):
        batch = to_device(collate([dataset[i] for i in range(first, min(n, first + batch_size))]), device)
        frames, audio = batch["frames"], batch["audio"]
        logits = pair_logits(model, frames, audio)
        all_logits.append(logits.float().cpu().numpy())
        correct["acc"] += float((logits[:, 0] > 0).sum() + (logits[:, 1] <= 0).sum()) / 2
        correct["pair_acc"] += float((logits[:, 0] > logits[:, 1]).sum())
        for name in controls:
            f, a = frames, audio
            if name == "audio_zeroed":
                a = torch.zeros_like(audio)
            elif name == "frames_frozen":
                f = frames[:, :, :1].expand_as(frames).contiguous()
            elif name == "other_video_audio":  # the 'aligned' audio comes from the next video of the batch
                a = torch.stack([audio.roll(1, dims=0)[:, 0], audio[:, 1]], dim=1)
            else:
                raise ValueError(f"unknown control {name!r}; choose from {CONTROLS}")
            lg = pair_logits(model, f, a)
            correct[name] += float((lg[:, 0] > 0).sum() + (lg[:, 1] <= 0).sum()) / 2
        count += frames.shape[0]
    model.train(was_training)
    scores = {k: v / count for k, v in correct.items()}
    return (scores, np.concatenate(all_logits)) if return_logits else scores


def baseline_scores(dataset: ShiftDataset, n: int, batch_size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """The motion-energy x audio-envelope baseline's scores on the same items ``evaluate`` uses:
    aligned ``[n]`` and shifted ``[n]`` (``avscene.sync_baseline.sync_score``)."""
    from .sync_baseline import sync_score

    pos, neg = [], []
    for first in range(0, n, batch_size):
        batch = collate([dataset[i] for i in range(first, min(n, first + batch_size))])
        frames = batch["frames"].numpy()  # [B, T, H, W, 3]
        audio = batch["audio"].numpy().astype(np.float32) / 32767  # [B, 2, C, N]
        pos.append(sync_score(frames, audio[:, 0]))
        neg.append(sync_score(frames, audio[:, 1]))
    return np.concatenate(pos), np.concatenate(neg)


@torch.no_grad()
def offset_sweep(model: nn.Module, source: VideoSource, cfg: Profile, offsets: np.ndarray, n_videos: int, *,
                 batch_size: int = 16, device: torch.device | None = None) -> np.ndarray:
    """Mean probability of "aligned" for audio offset by each of ``offsets`` (frames) ``-> [K]``.

    The frame window sits in the middle of each of the first ``n_videos`` videos (centre crop); the audio
    window starts ``offset`` frames later (negative: earlier). Offsets must keep the audio inside the video.
    """
    from .datasets.shift import AUDIO_SCALE

    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    m = cfg.media
    c = m.crop_size
    scores = np.zeros((n_videos, len(offsets)))
    for v in range(n_videos):
        frames, audio = source.read(v)
        start = (int(source.n_frames[v]) - m.clip_frames) // 2
        if start + offsets.min() < 0 or start + offsets.max() + m.clip_frames > source.n_frames[v]:
            raise ValueError(f"video {v}: offsets {offsets.min()}..{offsets.max()} leave the video")
        y, x = (frames.shape[1] - c) // 2, (frames.shape[2] - c) // 2
        clip = torch.from_numpy(np.ascontiguousarray(frames[start:start + m.clip_frames, y:y + c, x:x + c]))
        clip = clip.to(device).permute(3, 0, 1, 2).float().div_(127.5).sub_(1.0)
        j = sampling.audio_offset(start + offsets, m.fps, m.sample_rate)
        windows = np.stack([audio[:, k:k + m.clip_samples] for k in j])  # [K, C, N]
        wav = torch.from_numpy(windows).to(device).float().div_(AUDIO_SCALE)
        for first in range(0, len(offsets), batch_size):
            a = wav[first:first + batch_size]
            logits = model(clip.unsqueeze(0).expand(len(a), -1, -1, -1, -1).contiguous(), a)
            scores[v, first:first + len(a)] = torch.sigmoid(logits.float()).cpu().numpy()
    model.train(was_training)
    return scores.mean(axis=0)


# ---------------------------------------------------------------------------------------------------
# Pretraining on the synthetic world (notebook 03), reused by every notebook that needs the features.

@dataclass
class Pretrained:
    """A pretrained network, where its run lives, and its training log rows."""

    model: nn.Module
    run_dir: "Path"
    history: list[dict]


def default_run_dir(cfg: Profile, name: str = "pretrain") -> "Path":
    from .outputs import runs_root

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
    real videos come as ``CacheSource``s (``python -m avscene.train pretrain --data ...``). The held-out
    evaluation during training uses ``cfg.train.eval_clips`` items of ``eval_source``.
    ``retrain=True`` discards an existing run in ``run_dir`` (default ``runs/<profile>/pretrain``).
    ``init``: a state dict to start from (fine-tuning, e.g. the CAM model of notebook 04); a run that
    resumes from its own checkpoint ignores it.
    """
    import shutil
    from pathlib import Path

    from . import runtime
    from .datasets.sources import SyntheticSource
    from .models import ShiftNet
    from .train import LoaderSource, LoopSpec, StepPhases, Trainer, distributed, make_optimizer

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
