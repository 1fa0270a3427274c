"""The action-recognition loss and its test accuracy (reference notes §1.8; notebook 05).

Softmax cross-entropy on the head's logits with the original's optional label smoothing (``smoothing`` of
the uniform distribution mixed into the one-hot targets); a *view* (``avscene.action.data.view``) decides
what the network sees (all frames, one frame, no frames) and ``use_sound`` whether it hears.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .data import ActionDataset, collate, to_device, view


@dataclass
class ActionTask:
    """``avscene.train`` task: ``loss(model, batch)`` -> (cross-entropy, {"acc"})."""

    view: str = "full"
    use_sound: bool = True
    smoothing: float = 0.0

    def inputs(self, batch: dict[str, torch.Tensor], *, train: bool) -> tuple[torch.Tensor, torch.Tensor]:
        return view(batch["frames"], self.view, train=train), batch["audio"]

    def loss(self, model: nn.Module, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, float]]:
        frames, audio = self.inputs(batch, train=True)
        logits = model(frames, audio, use_sound=self.use_sound)
        loss = F.cross_entropy(logits.float(), batch["label"], label_smoothing=self.smoothing)
        return loss, {"acc": float((logits.argmax(1) == batch["label"]).float().mean())}


@torch.no_grad()
def predict(model: nn.Module, dataset: ActionDataset, task: ActionTask, *, batch_size: int = 32,
            device: torch.device | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Class probabilities ``[V, K]`` of every test video of ``dataset`` (its clips' softmax averaged) and
    the videos' labels ``[V]``."""
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    probs, labels = [], []
    for first in range(0, len(dataset), batch_size):
        batch = to_device(collate([dataset[i] for i in range(first, min(len(dataset), first + batch_size))]), device)
        frames, audio = task.inputs(batch, train=False)
        probs.append(model(frames, audio, use_sound=task.use_sound).float().softmax(1).cpu())
        labels.append(batch["label"].cpu())
    model.train(was_training)
    windows = dataset.windows
    p = torch.cat(probs).view(-1, windows, probs[0].shape[1]).mean(1)
    return p.numpy(), torch.cat(labels).view(-1, windows)[:, 0].numpy()


def accuracy(model: nn.Module, dataset: ActionDataset, task: ActionTask, **kw) -> dict[str, float]:
    """Test accuracy over videos: ``{"acc": fraction of videos whose averaged prediction is right}``."""
    probs, labels = predict(model, dataset, task, **kw)
    return {"acc": float((probs.argmax(1) == labels).mean())}
