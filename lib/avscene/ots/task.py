"""The AVC loss for ``avscene.train`` and the held-out AVC accuracy (Objects that Sound, §3-§5; reference notes
§2.3-§2.5; notebook 07).

Training (:class:`AVCTask`): AVE-Net and L³-Net give logits ``[B, 2]`` over (mismatch, match): softmax
cross-entropy (:func:`avscene.ots.nets.avc_loss`); AVOL-Net's correspondence is the spatial max of its
calibrated similarity map: binary cross-entropy on it (:func:`avscene.ots.nets.avol_loss`), computed from
the max *logit* (``sigmoid(max) == max(sigmoid)``) so that it stays exact under bf16/fp16 autocast, where a
probability saturates at 1 within a few units of logit. Metric ``acc``: the batch's correspondence accuracy.

Evaluation (:func:`evaluate`): every pair of a held-out :class:`avscene.ots.avc.AVCDataset` (centre crops),
per pair the match probability, the prediction and the bookkeeping to slice by (the negatives whose
other video shares a class with the frame are label noise, notes §2.8.2).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from .avc import AVCDataset
from .nets import MATCH, AVOLNet, avc_loss, avol_loss

__all__ = ["AVCTask", "evaluate", "match_logit", "unwrap"]


def unwrap(model: nn.Module) -> nn.Module:
    """The network inside ``DistributedDataParallel`` (``.module``), else ``model``."""
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model


def match_logit(model: nn.Module, image: torch.Tensor, spec: torch.Tensor) -> torch.Tensor:
    """The log-odds of "this frame goes with this sound" ``[B]`` (float32) for any of the three networks:
    ``image [B, 3, H, W]``, ``spec [B, 1, F, T]``.

    AVE-Net / L³-Net: ``logit_match - logit_mismatch`` (its sigmoid is the softmax's match probability);
    AVOL-Net: the max over locations of ``scale · <v_ij, a> + bias`` (:meth:`AVOLNet.logits`). AVOL-Net is
    called through ``logits``, not ``forward``, so it cannot train inside DDP (``NotImplementedError``).
    """
    net = unwrap(model)
    if isinstance(net, AVOLNet):
        if net is not model:
            raise NotImplementedError("AVOL-Net trains on its max logit (AVOLNet.logits), which DDP does not "
                                      "wrap: train it in one process")
        return net.logits(image, spec)[0].float()
    logits = model(image, spec).float()
    return logits[:, MATCH] - logits[:, 1 - MATCH]


@dataclass
class AVCTask:
    """``loss(model, batch) -> (loss, {"acc"})`` for ``avscene.train``; ``batch`` as
    :func:`avscene.ots.avc.collate`: ``image [B, 3, c, c]``, ``spec [B, 1, F, T]``, ``label [B]`` (1 = match)."""

    def loss(self, model: nn.Module, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, float]]:
        label = batch["label"]
        if isinstance(unwrap(model), AVOLNet):
            logit = match_logit(model, batch["image"], batch["spec"])
            loss = avol_loss(logit, label, from_logits=True)
            pred = logit > 0
        else:
            logits = model(batch["image"], batch["spec"]).float()
            loss = avc_loss(logits, label)
            pred = logits.argmax(dim=1) == MATCH
        return loss, {"acc": float((pred == label.bool()).float().mean())}


@torch.no_grad()
def evaluate(model: nn.Module, dataset: AVCDataset, *, batch_size: int = 64,
             device: torch.device | None = None) -> dict[str, Any]:
    """Every pair of ``dataset`` in order: ``{"acc": float}`` and per pair ``[N]``: ``prob`` (match
    probability), ``pred`` and ``label`` (bool / int64), ``correct`` (bool), ``video`` (the frame's),
    ``audio_video`` (the sound's) and ``same_class`` (bool: a negative whose sound's video shares a class with
    the frame's: label noise; False for positives). The model is left in its training mode."""
    device = device or next(model.parameters()).device
    was = model.training
    model.eval()
    out: dict[str, list[np.ndarray]] = {k: [] for k in ("prob", "label", "video", "audio_video")}
    for first in range(0, len(dataset), batch_size):
        batch = dataset.collate([dataset[i] for i in range(first, min(len(dataset), first + batch_size))])
        logit = match_logit(model, batch["image"].to(device), batch["spec"].to(device))
        out["prob"].append(torch.sigmoid(logit).cpu().numpy())
        for key in ("label", "video", "audio_video"):
            out[key].append(batch[key].numpy())
    model.train(was)
    res: dict[str, Any] = {k: np.concatenate(v) for k, v in out.items()}
    res["pred"] = res["prob"] > 0.5
    res["correct"] = res["pred"] == res["label"].astype(bool)
    sets = dataset.class_sets
    shares = (sets[res["video"]] & sets[res["audio_video"]]).any(axis=1)
    res["same_class"] = shares & (res["label"] == 0)
    res["acc"] = float(res["correct"].mean())
    return res
