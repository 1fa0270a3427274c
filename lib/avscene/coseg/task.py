"""The Mix-and-Separate loss for ``avscene.train`` and the forward passes notebook 08 measures with (Zhao et al.,
ECCV 2018; reference notes §3.1-3.3, §3.5).

One training step, as the official ``NetWrapper.forward``: the batch's mixture and sources become spectrograms
(:func:`avscene.coseg.data.spectrograms`: warp, targets, log input), the image net sees each source's frames
(ImageNet-normalised), the visual activation turns its pooled ``[B, K]`` logits into ``v`` (a sigmoid; for
co-segmentation :class:`~avscene.coseg.assign.ChannelActivation`'s softmax over the K channels, whose
temperature follows the training step the loop passes to :meth:`MixSeparateTask.on_step`, on the pooled logits
or at every location before the max: ``CosegSpec.softmax_per_location``), the synthesizer
gives one mask per source, and the loss is the weighted BCE of the sigmoid masks against the binary targets
(``mask="binary"``, the original's) or the weighted L1 of ReLU masks against the ratio targets
(``mask="ratio"``). Everything runs on the batch's device; nothing here loops over examples.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from . import masks as masks_
from .assign import ChannelActivation
from .data import spectrograms
from .nets import SoundOfPixels

__all__ = ["IMAGENET_MEAN", "IMAGENET_STD", "MASKS", "MixSeparateTask", "image_inputs", "mask_probs"]

#: torchvision's ImageNet statistics (the official ``vision_net`` normalisation).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
MASKS = ("binary", "ratio")


def image_inputs(frames: torch.Tensor) -> torch.Tensor:
    """uint8 frames ``[..., T, H, W, 3]`` -> float32 ``[..., T, 3, H, W]``, ImageNet-normalised."""
    if frames.shape[-1] != 3:
        raise ValueError(f"expected frames [..., T, H, W, 3], got {tuple(frames.shape)}")
    x = frames.movedim(-1, -3).float().div_(255.0)
    mean = x.new_tensor(IMAGENET_MEAN)[:, None, None]
    std = x.new_tensor(IMAGENET_STD)[:, None, None]
    return (x - mean) / std


def mask_probs(logits: torch.Tensor, mask: str) -> torch.Tensor:
    """The output activation: ``sigmoid`` for binary masks, ``relu`` for ratio masks (the official
    ``output_activation``); any shape."""
    if mask == "binary":
        return torch.sigmoid(logits)
    if mask == "ratio":
        return torch.relu(logits)
    raise ValueError(f"unknown mask {mask!r}; choose one of {', '.join(MASKS)}")


@dataclass
class MixSeparateTask:
    """``loss(model, batch) -> (loss, {"loss_mask"})`` for ``avscene.train``.

    ``n_fft``, ``hop``, ``rows``: the spectrograms (``CosegSpec``); ``mask``: ``"binary"`` or ``"ratio"``;
    ``activation``: ``None`` (the sigmoid of Sound of Pixels) or the co-segmentation schedule, read at the step
    the training loop last passed to :meth:`on_step` (so a resumed run continues the schedule exactly);
    ``per_location``: the activation at every location before the max over locations, instead of on the pooled
    logits (the official ``img_activation`` order; the same for the elementwise sigmoid); ``oracle``: no image
    net, each source's visual vector the one-hot of its class (``batch["classes"]``): what the audio net and the
    synthesizer can do when the picture is understood perfectly (a control, not a method).
    """

    n_fft: int
    hop: int
    rows: int
    mask: str = "binary"
    activation: ChannelActivation | None = None
    per_location: bool = False
    oracle: bool = False
    step: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.mask not in MASKS:
            raise ValueError(f"unknown mask {self.mask!r}; choose one of {', '.join(MASKS)}")

    def on_step(self, step: int) -> None:
        self.step = int(step)

    def visual_activation(self, step: int | None = None) -> Callable[[torch.Tensor], torch.Tensor]:
        """``[B, K, ...]`` logits -> ``v``: the sigmoid, or the schedule at ``step`` (default the current one)."""
        if self.activation is None:
            return torch.sigmoid
        act, at = self.activation, self.step if step is None else int(step)
        return lambda x: act(x, at)

    def spectrograms(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """:func:`avscene.coseg.data.spectrograms` at this task's sizes."""
        return spectrograms(batch, n_fft=self.n_fft, hop=self.hop, rows=self.rows)

    def masks(self, model: SoundOfPixels, batch: dict[str, torch.Tensor],
              spec: dict[str, torch.Tensor] | None = None) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Predicted masks ``[B, N, rows, T]`` (after the output activation) and the spectrograms."""
        spec = spec if spec is not None else self.spectrograms(batch)
        if self.oracle:
            sound = model.audio(spec["log_mix"])  # [B, K, rows, T]
            onehot = torch.nn.functional.one_hot(batch["classes"], model.synth.channels).to(sound.dtype)  # [B, N, K]
            logits = torch.stack([model.synth(onehot[:, n], sound) for n in range(onehot.shape[1])], dim=1)
        else:
            logits = model(spec["log_mix"], image_inputs(batch["frames"]), self.visual_activation(),
                           per_location=self.per_location)
        return mask_probs(logits, self.mask), spec

    def loss(self, model: nn.Module, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, float]]:
        pred, spec = self.masks(model, batch)  # type: ignore[arg-type]
        # in float32 outside autocast: binary_cross_entropy refuses autocast (and fp16 logs lose the tails)
        with torch.autocast(pred.device.type, enabled=False):
            pred = pred.float()
            if self.mask == "binary":
                loss = masks_.weighted_bce(pred.clamp(1e-7, 1 - 1e-7), spec["binary"], spec["weight"])
            else:
                loss = masks_.weighted_l1(pred, spec["ratio"], spec["weight"])
        return loss, {"loss_mask": float(loss.detach())}
