"""Convert one of the authors' released TF 1 checkpoints into our networks (step 14; reference notes §1.9).

``convert(prefix, model)`` reads the checkpoint (pure Python, :mod:`.tf_checkpoint`), builds the network the
``model`` names at the checkpoint's own widths, fills **every** tensor of its ``state_dict`` from the original
variable of :mod:`.names` (kernels transposed by :mod:`.layout`), and refuses (``ConversionError``) unless
every one of our tensors is filled with the right shape and every original variable is used or listed as
ignored (optimizer slots, the global step, batch renormalization's training statistics).

The released models (``multisensory-nets.zip``):

============  ======================  ===========================================================
``model``     checkpoint              our network
============  ======================  ===========================================================
``shift``     ``shift/net.tf-650000``  ``ShiftNet(64)``
``cam``       ``cam/net.tf-675000``    ``ShiftNet(64, cam_levels=1)`` (conv5_1's spatial stride removed)
``sep_full``  ``sep/full/net.tf-160000``   ``SeparationNet``: u-net + ``ShiftNet(64, bn_scale=True)``
``sep_pit``   ``sep/unet-pit/net.tf-160000``  ``SeparationNet``: the audio-only u-net
============  ======================  ===========================================================

What still differs from the original at inference (documented in notebook 09): the audio-to-video pooling
at the fusion (the release's seeded ``fractional_max_pool``; here a deterministic adaptive max-pool) and the
u-net's time resizing of video features (TF 1's legacy bilinear corners; here half-pixel linear).
"""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ..course.hub import sha256_file
from ..models import ShiftNet
from ..separation import spectrogram as S
from ..separation.model import SeparationNet
from ..separation.unet import UNet
from . import layout
from .names import Slot, ignored_reason, slots_for
from .tf_checkpoint import CheckpointReader, write_checkpoint

MODELS = ("shift", "cam", "sep_full", "sep_pit")
FORMAT = "avscene.original/1"

#: The media the released models were trained on (reference notes §1.1, §1.7): 29.97 fps, 21 kHz stereo,
#: 224-pixel frames; the shift and CAM models see 125 frames (4.2 s), the separation models 63 (2.135 s).
ORIGINAL_MEDIA: dict[str, Any] = {"fps": 29.97, "sample_rate": 21000, "channels": 2, "frame_size": 224}
CLIP_FRAMES = {"shift": 125, "cam": 125, "sep_full": 63, "sep_pit": 63}
SPEC_FRAMES = 128  # the u-net's 128 spectrogram frames (``spec_len``)


def original_media(name: str) -> dict[str, Any]:
    """What model ``name`` was trained to see: ``fps``, ``sample_rate``, ``channels``, ``frame_size`` (frames are
    resized to it, as the original's ``predict_cam_resize``), ``clip_frames`` (its window) and ``max_offset``
    (the sync search's range: ±15 frames, half a second, as the ``gpu`` profile's)."""
    return {**ORIGINAL_MEDIA, "clip_frames": CLIP_FRAMES[name], "max_offset": 15}


class ConversionError(ValueError):
    """A checkpoint that does not fill our network exactly; the message names the file and every problem."""


@dataclass
class Converted:
    """A converted network and where its weights came from."""

    model: nn.Module
    name: str
    config: dict[str, Any]
    step: int | None
    ignored: dict[str, str] = field(default_factory=dict)
    source: dict[str, Any] = field(default_factory=dict)
    media: dict[str, Any] = field(default_factory=dict)  # default: the original's (:func:`original_media`)

    def __post_init__(self) -> None:
        self.media = self.media or original_media(self.name)

    def payload(self) -> dict[str, Any]:
        """What :func:`save` writes."""
        return {"format": FORMAT, "model": self.name, "config": self.config,
                "media": self.media,
                "state_dict": {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()},
                "step": self.step, "ignored": self.ignored, "source": self.source}


def build(name: str, config: dict[str, Any]) -> nn.Module:
    """The network ``name`` at ``config``'s sizes (untrained): what a converted file is loaded into."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
    c = config
    if name in ("shift", "cam"):
        return ShiftNet(c["width"], audio_channels=c["audio_channels"], cam_levels=1 if name == "cam" else 0,
                        bn_scale=c.get("bn_scale", False))
    spec = S.spec_spec(ORIGINAL_MEDIA["sample_rate"])
    if name == "sep_pit":
        return SeparationNet(UNet(width=c["unet_width"], levels=c["levels"]), spec, SPEC_FRAMES)
    w = c["width"]
    video = ShiftNet(w, audio_channels=c["audio_channels"], bn_scale=c.get("bn_scale", True))
    unet = UNet(width=c["unet_width"], levels=c["levels"], video_channels=(w, 2 * w, 8 * w))
    return SeparationNet(unet, spec, SPEC_FRAMES, video)


def infer_config(name: str, shapes: dict[str, tuple[int, ...]], path: str) -> dict[str, Any]:
    """The sizes of ``name``'s network read off the checkpoint's variable shapes (``path`` for errors)."""
    def need(var: str) -> tuple[int, ...]:
        if var not in shapes:
            raise ConversionError(f"{path}: has no variable {var!r}, so it is not a {name!r} checkpoint "
                                  f"(variables start with: {', '.join(sorted(shapes)[:5])} ...)")
        return shapes[var]

    config: dict[str, Any] = {}
    if name != "sep_pit":
        conv1 = need("im/conv1/weights")  # [5, 7, 7, 3, w]
        config.update(width=int(conv1[-1]), audio_channels=int(need("sf/conv1_1/weights")[2]),
                      bn_scale="im/conv1/BatchNorm/gamma" in shapes)
    if name.startswith("sep"):
        levels = 0
        while f"gen/conv{levels + 1}/weights" in shapes:
            levels += 1
        config.update(unet_width=int(need("gen/conv1/weights")[-1]), levels=levels)
        if levels < 3:
            raise ConversionError(f"{path}: {levels} u-net levels (gen/conv1..): not a separation checkpoint")
    elif any(k.startswith("gen/") for k in shapes):
        raise ConversionError(f"{path}: holds a separation u-net (gen/...): convert it with --model sep_full")
    return config


def _tensor(slot: Slot, value: np.ndarray) -> torch.Tensor:
    if slot.kind == "vector":
        return layout.vector(value)
    if slot.kind == "deconv":
        return layout.deconv_kernel(value)
    return layout.conv_kernel(value, int(slot.kind[-1]))


def convert(prefix: str | Path, name: str, *, ignore: tuple[str, ...] = ()) -> Converted:
    """Read the checkpoint at ``prefix`` (``.../net.tf-650000``) as model ``name`` and fill our network.

    ``ignore``: regular expressions of further original variables to skip (each is listed as ignored).
    Raises ``ConversionError`` listing every unfilled tensor, shape mismatch and unused original variable.
    """
    if name not in MODELS:
        raise ConversionError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
    reader = CheckpointReader(prefix)
    where = str(reader.prefix)
    infos = reader.variables()
    config = infer_config(name, {k: tuple(v.shape) for k, v in infos.items()}, where)
    model = build(name, config)
    state = model.state_dict()
    slots = slots_for(model)
    problems: list[str] = []
    filled: dict[str, torch.Tensor] = {}
    used: set[str] = set()
    for slot in slots:
        if slot.tf_name not in infos:
            problems.append(f"missing {slot.tf_name} (for {slot.key})")
            continue
        used.add(slot.tf_name)
        try:
            tensor = _tensor(slot, reader[slot.tf_name])
        except ValueError as exc:
            problems.append(f"{slot.tf_name}: {exc}")
            continue
        if tuple(tensor.shape) != tuple(state[slot.key].shape):
            problems.append(f"{slot.tf_name} {tuple(infos[slot.tf_name].shape)} does not fit {slot.key} "
                            f"{tuple(state[slot.key].shape)}")
            continue
        filled[slot.key] = tensor
    step = int(reader["global_step"]) if "global_step" in infos else None
    for key, value in state.items():
        if key.endswith("num_batches_tracked"):  # bookkeeping, no original counterpart: the training step
            filled[key] = torch.tensor(step or 0, dtype=value.dtype)
    missing = sorted(set(state) - set(filled))
    problems += [f"nothing fills our {k}" for k in missing if not any(p.endswith(f"(for {k})") for p in problems)]
    ignored = {n: why for n in infos if n not in used and (why := ignored_reason(n)) is not None}
    ignored.update({n: "--ignore " + p for p in ignore for n in infos
                    if n not in used and n not in ignored and re.search(p, n)})
    unused = sorted(set(infos) - used - set(ignored))
    problems += [f"original variable {n} {tuple(infos[n].shape)} is used by nothing" for n in unused]
    if problems:
        shown = "\n  ".join(problems[:40]) + (f"\n  ... and {len(problems) - 40} more" if len(problems) > 40 else "")
        raise ConversionError(f"{where}: cannot convert as {name!r} ({len(problems)} problems); nothing written:"
                              f"\n  {shown}")
    model.load_state_dict(filled, strict=True)
    files = [reader.index_path, *reader.data_paths]
    source = {"checkpoint": reader.prefix.name, "files": {p.name: sha256_file(p) for p in files}}
    return Converted(model.eval(), name, config, step, ignored, source)


def save(converted: Converted, out: str | Path) -> Path:
    """Write ``converted`` to ``out`` atomically (a temporary file renamed; never a partial file)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(fd)
    try:
        torch.save(converted.payload(), tmp)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out


def load(path: str | Path, map_location: str | torch.device = "cpu") -> tuple[nn.Module, dict[str, Any]]:
    """A converted file -> ``(network in eval mode, the file's metadata without the state dict)``."""
    path = Path(path)
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except FileNotFoundError:
        raise ConversionError(f"{path}: no such converted weights file") from None
    except Exception as exc:  # a truncated or foreign file
        raise ConversionError(f"{path}: not a readable converted weights file ({exc})") from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ConversionError(f"{path}: not a file written by python -m avscene.convert (format {FORMAT})")
    model = build(payload["model"], payload["config"])
    model.load_state_dict(payload["state_dict"], strict=True)
    info = {k: v for k, v in payload.items() if k != "state_dict"}
    return model.eval(), info


def export(model: nn.Module, prefix: str | Path, *, step: int | None = None) -> Path:
    """Write ``model`` (a ``ShiftNet`` or ``SeparationNet``) as a TF checkpoint in the original's layout and
    names (the inverse of :func:`convert`; for TF users, and for tests that need an original checkpoint)."""
    state = model.state_dict()
    tensors: dict[str, np.ndarray] = {}
    for slot in slots_for(model):
        value = state[slot.key]
        if slot.kind == "vector":
            tensors[slot.tf_name] = value.detach().cpu().numpy().astype(np.float32)
        elif slot.kind == "deconv":
            tensors[slot.tf_name] = layout.to_tf_deconv(value).astype(np.float32)
        else:
            tensors[slot.tf_name] = layout.to_tf_conv(value, int(slot.kind[-1])).astype(np.float32)
    if step is not None:
        tensors["global_step"] = np.asarray(step, dtype=np.int64)
    return write_checkpoint(prefix, tensors)
