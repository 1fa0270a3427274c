"""Held-out evaluation of the shift task: accuracy, the controls, the baseline and the offset sweep.

Owens & Efros §3.3 (notebook 03). The controls show that a trained network uses synchrony and nothing
else: with the audio zeroed, with the frames frozen (the window's first frame repeated) or with the
"aligned" audio taken from another video, the aligned and shifted examples become indistinguishable to a
sync detector and accuracy must fall to chance. The offset sweep scores one frame window against audio
windows offset by ``-k..k`` frames; a sync detector peaks at offset zero.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .. import sampling
from ..config import Profile
from ..datasets.sources import SyntheticSource, VideoSource
from ..io.pcm import from_pcm16
from ..models.inputs import audio_to_net, frames_to_net
from .dataset import ShiftDataset, collate, crop, to_device
from .task import pair_logits

CONTROLS = ("audio_zeroed", "frames_frozen", "other_video_audio")


def heldout(cfg: Profile, source: VideoSource | None = None) -> tuple[ShiftDataset, int]:
    """The held-out set every measured pretext accuracy uses (training's evaluations and notebook 03's):
    ``source`` (default: the profile's held-out synthetic videos) as held-out items (centre crop, no flip,
    their own seed), and how many of them are scored (``cfg.train.eval_clips`` at most)."""
    dataset = ShiftDataset(source or SyntheticSource.pretext(cfg, "eval"), cfg, seed=cfg.seed + 1, train=False)
    return dataset, min(cfg.train.eval_clips, len(dataset))


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
    from ..sync_baseline import sync_score

    pos, neg = [], []
    for first in range(0, n, batch_size):
        batch = collate([dataset[i] for i in range(first, min(n, first + batch_size))])
        frames = batch["frames"].numpy()  # [B, T, H, W, 3]
        audio = from_pcm16(batch["audio"].numpy())  # [B, 2, C, N]
        pos.append(sync_score(frames, audio[:, 0]))
        neg.append(sync_score(frames, audio[:, 1]))
    return np.concatenate(pos), np.concatenate(neg)


def offset_windows(source: VideoSource, cfg: Profile, video: int, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The offset sweep's inputs for one video: its middle window of frames ``[T, S, S, 3]`` (centre crop)
    and the audio windows starting ``offsets`` frames later ``[K, C, N]`` (negative: earlier; int16 PCM
    or float, as the source stores it). Offsets must keep the audio inside the video."""
    m = cfg.media
    offsets = np.asarray(offsets)
    frames, audio = source.read(video)
    start = (int(source.n_frames[video]) - m.clip_frames) // 2
    if start + offsets.min() < 0 or start + offsets.max() + m.clip_frames > source.n_frames[video]:
        raise ValueError(f"video {video}: offsets {offsets.min()}..{offsets.max()} leave the video")
    window = crop(frames[start:start + m.clip_frames], m.crop_size)  # the held-out centre crop
    j = sampling.audio_offset(start + offsets, m.fps, m.sample_rate)
    return window, np.stack([audio[:, k:k + m.clip_samples] for k in j])


@torch.no_grad()
def clip_offset_scores(model: nn.Module, source: VideoSource, cfg: Profile, offsets: np.ndarray, video: int, *,
                       batch_size: int = 16, device: torch.device | None = None) -> np.ndarray:
    """Probability of "aligned" for one video's middle window against its audio offset by each of
    ``offsets`` (frames) ``-> [K]`` (see :func:`offset_windows`); notebook 03's offset slider."""
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    window, windows = offset_windows(source, cfg, video, offsets)
    clip = frames_to_net(torch.from_numpy(np.ascontiguousarray(window[None])).to(device))  # [1, 3, T, S, S]
    wav = audio_to_net(torch.from_numpy(windows).to(device))
    scores = np.zeros(len(windows))
    for first in range(0, len(windows), batch_size):
        a = wav[first:first + batch_size]
        logits = model(clip.expand(len(a), -1, -1, -1, -1).contiguous(), a)
        scores[first:first + len(a)] = torch.sigmoid(logits.float()).cpu().numpy()
    model.train(was_training)
    return scores


def offset_sweep(model: nn.Module, source: VideoSource, cfg: Profile, offsets: np.ndarray, n_videos: int, *,
                 batch_size: int = 16, device: torch.device | None = None) -> np.ndarray:
    """Mean probability of "aligned" for audio offset by each of ``offsets`` (frames) ``-> [K]``.

    The frame window sits in the middle of each of the first ``n_videos`` videos (centre crop); the audio
    window starts ``offset`` frames later (negative: earlier). Offsets must keep the audio inside the video.
    """
    return np.mean([clip_offset_scores(model, source, cfg, offsets, v, batch_size=batch_size, device=device)
                    for v in range(n_videos)], axis=0)
