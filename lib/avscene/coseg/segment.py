"""Channels to categories, and segmentation by a channel's pixel map (notebook 08; Rouditchenko et al., ICASSP
2019; reference notes §3.5).

* :func:`solo_clips`: a small labelled set, ``per_class`` solo *training* videos of each class (what a held-out
  item cuts of each: its frames around the middle).
* :func:`visual_vectors`: the pooled visual vector ``v`` of each clip after the visual activation (the sigmoid,
  or the co-segmentation softmax at its final temperature), so :func:`channel_matrix` is the K × C matrix of
  mean activations per category (:func:`avscene.coseg.assign.channel_activations`), assigned by argmax and by
  the Hungarian method (:mod:`avscene.coseg.assign`).
* :func:`seg_scenes`: held-out duet scenes of the synthetic world (two sounding objects of different classes)
  with each object's visible pixels at the middle frame: the segmentation ground truth.
* :func:`channel_maps`: each channel's activation per pixel (the image net's map before pooling, max over the
  frames, through the visual activation, bilinearly upsampled to the frame); :func:`iou` thresholds the map of
  the channel assigned to each object's class at 0.5 and scores it against that object's pixels.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..config import Profile
from ..synthetic.datasets import SoloDuetSet
from . import assign
from .data import MixSeparateDataset
from .nets import SoundOfPixels
from .task import image_inputs

__all__ = ["SegScenes", "channel_maps", "channel_matrix", "iou", "seg_scenes", "solo_clips", "visual_vectors"]

Activation = Callable[[torch.Tensor], torch.Tensor]
THRESHOLD = 0.5
BATCH = 64


def solo_clips(solo: MixSeparateDataset, classes: np.ndarray, n_classes: int, per_class: int,
               ) -> tuple[np.ndarray, np.ndarray]:
    """``per_class`` long-enough videos of each class from ``solo`` (a ``MixSeparateDataset`` over training
    videos): frames uint8 ``[M, T, H, W, 3]`` (their :meth:`~avscene.coseg.data.MixSeparateDataset.middle`) and
    labels int64 ``[M]``. ``ValueError`` naming a class without such a video."""
    classes = np.asarray(classes)
    frames, labels = [], []
    for c in range(n_classes):
        videos = np.intersect1d(np.flatnonzero(classes == c), solo.eligible)[:per_class]
        if len(videos) == 0:
            raise ValueError(f"class {c} has no solo video long enough for the labelled set")
        frames += [solo.middle(int(v))[0] for v in videos]
        labels += [c] * len(videos)
    return np.stack(frames), np.asarray(labels, dtype=np.int64)


@torch.no_grad()
def visual_vectors(model: SoundOfPixels, activation: Activation, frames: np.ndarray, *, per_location: bool = False,
                   batch_size: int = BATCH) -> np.ndarray:
    """``v`` float32 ``[M, K]`` of clips ``frames`` uint8 ``[M, T, H, W, 3]``, as training computes it
    (:meth:`~avscene.coseg.nets.ImageNet.vectors`)."""
    model.eval()
    dev = next(model.parameters()).device
    out = [model.image.vectors(image_inputs(torch.from_numpy(frames[i:i + batch_size])).to(dev), activation,
                               per_location=per_location).float().cpu()
           for i in range(0, len(frames), batch_size)]
    return torch.cat(out).numpy()


def channel_matrix(model: SoundOfPixels, activation: Activation, frames: np.ndarray, labels: np.ndarray,
                   n_classes: int, *, per_location: bool = False) -> np.ndarray:
    """Mean activation of each channel per category, float64 ``[K, C]`` (:func:`visual_vectors` of the labelled
    solo clips, :func:`avscene.coseg.assign.channel_activations`)."""
    return assign.channel_activations(visual_vectors(model, activation, frames, per_location=per_location), labels,
                                      n_classes)


@dataclass
class SegScenes:
    """Duet scenes: ``frames`` uint8 ``[S, T, H, W, 3]`` (the network's frames around the middle one),
    ``masks`` bool ``[S, 2, H, W]`` (each object's visible pixels at the middle frame) and ``classes`` int64
    ``[S, 2]``."""

    frames: np.ndarray
    masks: np.ndarray
    classes: np.ndarray

    def __len__(self) -> int:
        return len(self.frames)


def seg_scenes(cfg: Profile, media, n: int) -> SegScenes:
    """``n`` held-out duet scenes (``SoloDuetSet(p_duet=1)``, the ``test`` split of world seed ``cfg.seed``) at
    ``media`` (``avscene.coseg.runs.profile(cfg).media``), each cut as a held-out item is: ``cfg.coseg.frames``
    frames ``frame_spacing`` apart around the middle frame."""
    c = cfg.coseg
    clips = SoloDuetSet(media, n, p_duet=1.0, seed=cfg.seed, split="test")
    offsets = (np.arange(c.frames) - c.frames // 2) * c.frame_spacing
    frames, masks, classes = [], [], []
    for clip in clips:
        t = len(clip.frames) // 2
        idx = np.clip(t + offsets, 0, len(clip.frames) - 1)
        frames.append(clip.frames[idx])
        masks.append(clip.masks[:2, t])
        classes.append(clip.object_classes[:2])
    return SegScenes(np.stack(frames), np.stack(masks), np.asarray(classes, dtype=np.int64))


@torch.no_grad()
def channel_maps(model: SoundOfPixels, activation: Activation, frames: np.ndarray, *,
                 batch_size: int = BATCH) -> np.ndarray:
    """float32 ``[S, K, H, W]``: each channel's activation per pixel of ``frames`` uint8 ``[S, T, H, W, 3]``
    (the image net's ``pixel_maps``, max over T, through ``activation`` over the channel axis, bilinearly
    upsampled to ``H × W``, ``align_corners=False``)."""
    model.eval()
    dev = next(model.parameters()).device
    size = frames.shape[2:4]
    out = []
    for i in range(0, len(frames), batch_size):
        logits = model.image.pixel_maps(image_inputs(torch.from_numpy(frames[i:i + batch_size])).to(dev))
        out.append(F.interpolate(activation(logits).float(), size=size, mode="bilinear", align_corners=False).cpu())
    return torch.cat(out).numpy()


def iou(maps: np.ndarray, scenes: SegScenes, channel_of_class: np.ndarray, *,
        threshold: float = THRESHOLD) -> np.ndarray:
    """float64 ``[S, 2]``: IoU of ``maps[s, channel_of_class[class]] > threshold`` with each object's pixels
    (``maps`` from :func:`channel_maps`; 0 where both are empty is impossible: every object is visible)."""
    table = np.asarray(channel_of_class)
    chans = table[scenes.classes]  # [S, 2]
    pred = np.take_along_axis(maps, chans[:, :, None, None], axis=1) > threshold  # [S, 2, H, W]
    inter = (pred & scenes.masks).sum(axis=(2, 3))
    union = (pred | scenes.masks).sum(axis=(2, 3))
    return inter / np.maximum(union, 1)


def iou_per_class(ious: np.ndarray, scenes: SegScenes, n_classes: int) -> dict[int, float]:
    """``{class: mean IoU over its objects}`` (NaN for a class with no object in the scenes)."""
    return {c: float(ious[scenes.classes == c].mean()) if (scenes.classes == c).any() else float("nan")
            for c in range(n_classes)}
