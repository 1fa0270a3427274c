"""``ActionNet``: the shift network with the original's action-recognition head (reference notes §1.8;
notebook 05).

The original ``videocls.py`` takes the shift network's ``last_conv``, applies dropout, averages over time
and space and maps to the classes with a 1x1x1 convolution (scope ``lb/logits``); it restores every
pretrained weight but the head (``ul_only``). "Audio zeroed" is the same network with its sound branch off
(``use_sound=False``): the tiled audio is replaced by zeros at the fusion.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from ..models import ShiftNet
from ..models.blocks import init_he
from ..train import load_init

if TYPE_CHECKING:
    from avscene.config import Profile

HEAD = "head"  # the new layer's name: everything else comes from the shift network
PRETEXT_HEAD = "logits"  # the shift network's own head (aligned or not), left behind


class ActionNet(ShiftNet):
    """``forward(frames [B, 3, T, H, W], audio [B, C, N]) -> class logits [B, classes]``.

    The layers of ``ShiftNet`` (same names, so a shift run's weights load as they are) without its logit,
    plus ``head``: dropout (``dropout``) on ``last_conv`` -> mean over T, H, W -> 1x1x1 conv to ``classes``.
    """

    def __init__(self, classes: int, width: int = 64, *, dropout: float = 0.0, **kw: Any) -> None:
        super().__init__(width, **kw)
        if classes < 2:
            raise ValueError(f"an action head needs at least 2 classes, got {classes}")
        del self.logits
        self.classes = classes
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.head = nn.Conv3d(8 * self.width, classes, 1)
        init_he(self.head)

    @classmethod
    def from_config(cls, cfg: Profile, classes: int, **overrides: Any) -> ActionNet:  # type: ignore[override]
        """The network of a profile (``ShiftNet.from_config``'s sizes, with ``cfg.action.dropout``)."""
        return super().from_config(cfg, classes=classes, **{"dropout": cfg.action.dropout, **overrides})

    def forward(self, frames: torch.Tensor, audio: torch.Tensor | None,
                use_sound: bool | None = None) -> torch.Tensor:
        last = self.features(frames, audio, use_sound).scale2  # [B, 8w, T', H', W']
        pooled = self.dropout(last).mean(dim=(2, 3, 4), keepdim=True)
        return self.head(pooled).flatten(1)

    def cam(self, *args: Any, **kwargs: Any) -> torch.Tensor:
        raise NotImplementedError("an ActionNet has no alignment logit, hence no CAM; use ShiftNet")


def restore(model: ActionNet, state: Mapping[str, torch.Tensor]) -> list[str]:
    """Load a shift run's ``state`` into ``model`` but the head (the original's ``ul_only`` restore): the shift
    network's own logit is dropped, every other tensor must fit exactly (``avscene.train.load_init``);
    returns the names left at their fresh initialization (the head's)."""
    body = {k: v for k, v in state.items() if not (k == PRETEXT_HEAD or k.startswith(PRETEXT_HEAD + "."))}
    return load_init(model, body, new=(HEAD,))
