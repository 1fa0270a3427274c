"""The CAM model: the shift network fine-tuned with spatial strides removed (notebook 04; notes §1.6).

The original localizes with a second checkpoint, ``cam_v1``: the shift model with conv5_1's spatial
stride removed, fine-tuned for 25k more iterations (650k -> 675k), giving 14×14 CAMs at 224 px. Here
:func:`finetune` does the same for any profile, with the sizes of ``cfg.localization``:

* ``cam_levels`` strides removed (1 = ``cam_v1``; 2 also removes conv4_1's, for small frames);
* ``frame_size`` / ``crop_size``: the frames the CAM model is fine-tuned and evaluated on (the same
  synthetic scenes rendered at more pixels; ``None`` keeps the profile's);
* ``difficulty``: the world it is fine-tuned (and benchmarked) in; ``"anywhere"`` puts objects at random
  over the frame. In the default world they stand in a few fixed slots, so a network can tell *which*
  object sounds without keeping track of *where*: nothing then ties its map's cells to positions.
* ``finetune``: how it is trained on that world (no warm-up curriculum: the features exist already),
  with the course's one recipe (``avscene.train.finetune``) from the shift network's weights, so it
  checkpoints, resumes, and is published and found by name (``cam``) like pretraining.

Why more than the original at small profiles (measured in notebook 04): at the ``cpu`` profile's
32-pixel crops even a stride-16 map has 2×2 cells whose receptive fields (hundreds of pixels) all cover
the whole frame; the shift network's own CAM, evaluated densely (à trous), pointed at 1.5 % of sounding
objects at 32 pixels and at 18 % on 65-pixel crops (chance: 5 %). The
``cpu`` CAM model therefore sees the same world rendered at 72 pixels, cropped to 65 (= 8·9 − 7: every
stride-2 layer then gets an odd size, where TF ``SAME`` pads both sides alike and the 9×9 cells sit
symmetrically), with two strides removed and objects anywhere in the frame.
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from .. import runtime
from ..config import Profile
from ..course import hub
from ..models import ShiftNet
from ..shift import pretraining

NAME = "cam"


def profile(cfg: Profile) -> Profile:
    """The profile the CAM model lives at: ``cfg`` with ``cfg.localization``'s frame sizes, CAM levels and
    world (no curriculum), trained as ``cfg.localization.finetune`` says."""
    L = cfg.localization
    frame = L.frame_size or cfg.media.frame_size
    crop = L.crop_size or cfg.media.crop_size
    if crop > frame:
        raise ValueError(f"localization crop_size {crop} exceeds its frame_size {frame}")
    return cfg.replace(**{
        "media.frame_size": frame, "media.crop_size": crop, "net.cam_levels": L.cam_levels,
        "synth.curriculum": (), "synth.difficulty": L.difficulty or cfg.synth.difficulty, "train": L.finetune,
    })


def finetune(cfg: Profile, base: nn.Module | None = None, *, run_dir: Path | None = None,
             device: torch.device | None = None, retrain: bool = False) -> hub.Trained:
    """The CAM model of ``cfg`` (``.model`` in eval mode, ``.run``, ``.history``), fine-tuned from ``base``
    (default: the profile's pretrained shift network, ``avscene.shift.pretrain``).

    A finished run fine-tuned from these very base weights at these settings is loaded (local, else
    published); a run from other base weights (the shift network was retrained since) is redone.
    """
    device = device or runtime.pick_device()
    if base is None:
        base = pretraining.pretrain(cfg, device=device).model
    state = {k: v.detach().cpu() for k, v in base.state_dict().items()}
    lcfg = profile(cfg)

    def train(into: Path):
        return pretraining.train_on_task(lcfg, into, device=device, init=state)

    key = {"base": hub.fingerprint(state), **pretraining.settings(lcfg)}
    return hub.obtain(hub.run_name(NAME, cfg), cfg, key, build=lambda: ShiftNet.from_config(lcfg), train=train, run_dir=run_dir,
                      retrain=retrain, device=device)
