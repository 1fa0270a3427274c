"""Every original variable name and the parameter of ours it fills (step 14; reference notes §1.3-1.7).

Names as the original's ``shift_net.py`` and ``sourcesep.py`` create them with slim:

* a conv with BN (``normalizer_fn=slim.batch_norm``): ``<scope>/weights`` and
  ``<scope>/BatchNorm/{beta,gamma,moving_mean,moving_variance}`` (``gamma`` only with ``scale=True``);
  a conv without BN: ``<scope>/weights`` and ``<scope>/biases``;
* a residual block ``block2``/``block3`` named ``S``: ``S_short`` (the 1×1 conv shortcut, when channels
  change), ``S_1`` (conv + BN + ReLU), ``S_2`` (conv + bias), ``S_bn/{beta,gamma,moving_*}`` (the BN after
  the sum, called directly, hence no ``BatchNorm`` level);
* the fusion: ``im/merge1``, ``im/merge2``, ``im/merge_block_bn``; the logit: ``joint/logits``;
* the u-net: ``gen/conv1..9`` (conv + BN with γ), ``gen/deconv1..8`` (transposed conv + BN, deepest first),
  ``gen/fg`` and ``gen/bg`` (transposed conv + bias).

A :class:`Slot` pairs one original name with one key of our ``state_dict`` and how its tensor is laid out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from torch import nn

from ..models import ShiftNet
from ..models.blocks import ResBlock, SameConv
from ..models.shift_net import Merge
from ..separation.model import SeparationNet
from ..separation.unet import DecoderLevel, EncoderLevel, UNet

#: How a tensor is laid out: a 1-D (sound branch), 2-D (u-net) or 3-D (video) conv kernel, a transposed-conv
#: kernel, or a vector (bias, BN statistics).
KINDS = ("conv1", "conv2", "conv3", "deconv", "vector")


@dataclass(frozen=True)
class Slot:
    """One original variable (``tf_name``) and the ``state_dict`` key it fills (``key``), laid out as ``kind``."""

    tf_name: str
    key: str
    kind: str


def _bn(tf_scope: str, key: str, bn: nn.Module) -> list[Slot]:
    slots = [Slot(f"{tf_scope}/beta", f"{key}.bias", "vector"),
             Slot(f"{tf_scope}/moving_mean", f"{key}.running_mean", "vector"),
             Slot(f"{tf_scope}/moving_variance", f"{key}.running_var", "vector")]
    if getattr(bn, "weight", None) is not None:
        slots.append(Slot(f"{tf_scope}/gamma", f"{key}.weight", "vector"))
    return slots


def _same_conv(tf_scope: str, key: str, conv: SameConv) -> list[Slot]:
    slots = [Slot(f"{tf_scope}/weights", f"{key}.conv.weight", f"conv{conv.dims}")]
    if conv.bn is not None:
        return slots + _bn(f"{tf_scope}/BatchNorm", f"{key}.bn", conv.bn)
    return slots + [Slot(f"{tf_scope}/biases", f"{key}.conv.bias", "vector")]


def _block(tf_scope: str, key: str, block: ResBlock) -> list[Slot]:
    slots = []
    if block.shortcut is not None:
        slots += _same_conv(f"{tf_scope}_short", f"{key}.shortcut", block.shortcut)
    slots += _same_conv(f"{tf_scope}_1", f"{key}.conv1", block.conv1)
    slots += _same_conv(f"{tf_scope}_2", f"{key}.conv2", block.conv2)
    return slots + _bn(f"{tf_scope}_bn", f"{key}.bn", block.bn)


def shift_net_slots(net: ShiftNet, prefix: str = "") -> list[Slot]:
    """The slots of a :class:`~avscene.models.ShiftNet` (any width; ``prefix`` is prepended to our keys)."""
    p = prefix
    slots = _same_conv("sf/conv1_1", f"{p}sf.conv1_1", net.sf.conv1_1)
    for name in ("conv2_1", "conv3_1", "conv4_1"):
        slots += _block(f"sf/{name}", f"{p}sf.{name}", getattr(net.sf, name))
    slots += _same_conv("sf/conv5_1", f"{p}sf.conv5_1", net.sf.conv5_1)
    for name, module in net.im.items():
        if isinstance(module, SameConv):
            slots += _same_conv(f"im/{name}", f"{p}im.{name}", module)
        elif isinstance(module, ResBlock):
            slots += _block(f"im/{name}", f"{p}im.{name}", module)
        elif isinstance(module, Merge):
            slots += _same_conv("im/merge1", f"{p}im.merge.merge1", module.merge1)
            slots += _same_conv("im/merge2", f"{p}im.merge.merge2", module.merge2)
            slots += _bn("im/merge_block_bn", f"{p}im.merge.bn", module.bn)
    slots += [Slot("joint/logits/weights", f"{p}logits.weight", "conv3"),
              Slot("joint/logits/biases", f"{p}logits.bias", "vector")]
    return slots


def unet_slots(unet: UNet, prefix: str = "unet.") -> list[Slot]:
    """The slots of a :class:`~avscene.separation.unet.UNet`: ``gen/conv{i+1}`` is encoder level ``i``,
    ``gen/deconv{j}`` is decoder level ``levels - 1 - j`` (the original counts from the deepest)."""
    slots: list[Slot] = []
    for i, level in enumerate(unet.encoder):
        assert isinstance(level, EncoderLevel)
        slots += [Slot(f"gen/conv{i + 1}/weights", f"{prefix}encoder.{i}.conv.weight", "conv2")]
        slots += _bn(f"gen/conv{i + 1}/BatchNorm", f"{prefix}encoder.{i}.bn", level.bn)
    for i, level in enumerate(unet.decoder):
        assert isinstance(level, DecoderLevel)
        scope = f"gen/deconv{unet.levels - 1 - i}"
        slots += [Slot(f"{scope}/weights", f"{prefix}decoder.{i}.conv.weight", "deconv")]
        slots += _bn(f"{scope}/BatchNorm", f"{prefix}decoder.{i}.bn", level.bn)
    for scope, head in (("gen/fg", "on_head"), ("gen/bg", "off_head")):
        slots += [Slot(f"{scope}/weights", f"{prefix}{head}.conv.weight", "deconv"),
                  Slot(f"{scope}/biases", f"{prefix}{head}.conv.bias", "vector")]
    return slots


def slots_for(model: nn.Module) -> list[Slot]:
    """Every slot of a ``ShiftNet`` or a ``SeparationNet`` (its u-net, and its video net when it has one)."""
    if isinstance(model, ShiftNet):
        return shift_net_slots(model)
    if isinstance(model, SeparationNet):
        slots = unet_slots(model.unet)
        return slots + (shift_net_slots(model.video, "video.") if model.video is not None else [])
    raise TypeError(f"no original names for a {type(model).__name__}")


#: Original variables that have no counterpart here, and why (the converter lists each one it skips).
IGNORED: tuple[tuple[str, str], ...] = (
    (r"(^|/)global_step$", "the training step (kept as the converted file's 'step')"),
    (r"/(Momentum|Adam|Adam_1|RMSProp|RMSProp_1)$", "an optimizer slot"),
    (r"^beta[12]_power(_\d+)?$", "Adam's running powers"),
    (r"/renorm_(mean|stddev)(_weight)?$",
     "batch renormalization's training-time statistics; inference uses moving_mean/moving_variance, and "
     "our post-sum batch norm is plain BN by default (notebook 02)"),
)


def ignored_reason(tf_name: str) -> str | None:
    """Why ``tf_name`` is skipped, or ``None`` when it must fill a parameter."""
    for pattern, reason in IGNORED:
        if re.search(pattern, tf_name):
            return reason
    return None
