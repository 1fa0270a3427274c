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
* ``finetune_steps`` at ``finetune_lr`` on that world (no warm-up curriculum: the features
  exist already; the lr drops tenfold at ``cfg.train.lr_drop_at`` of the steps, as in pretraining),
  through the shared training loop, so it checkpoints and resumes like pretraining.

Why more than the original at small profiles (measured in notebook 04): at the ``cpu`` profile's
32-pixel crops even a stride-16 map has 2×2 cells whose receptive fields (hundreds of pixels) all cover
the whole frame; the shift network's own CAM, evaluated densely (à trous), pointed at 1.5 % of sounding
objects at 32 pixels and at 18 % on 65-pixel crops (chance: 5 %). The
``cpu`` CAM model therefore sees the same world rendered at 72 pixels, cropped to 65 (= 8·9 − 7: every
stride-2 layer then gets an odd size, where TF ``SAME`` pads both sides alike and the 9×9 cells sit
symmetrically), with two strides removed and objects anywhere in the frame.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch
from torch import nn

from ..config import Profile


def profile(cfg: Profile) -> Profile:
    """The profile the CAM model lives at: ``cfg`` with ``cfg.localization``'s frame sizes, CAM levels
    and fine-tuning schedule (no curriculum; the profile's lr drop, at the same fraction of the steps)."""
    L = cfg.localization
    frame = L.frame_size or cfg.media.frame_size
    crop = L.crop_size or cfg.media.crop_size
    if crop > frame:
        raise ValueError(f"localization crop_size {crop} exceeds its frame_size {frame}")
    return cfg.replace(**{
        "media.frame_size": frame, "media.crop_size": crop, "net.cam": L.cam_levels,
        "synth.curriculum": (), "synth.difficulty": L.difficulty or cfg.synth.difficulty,
        "train.steps": max(L.finetune_steps, 1),
        "train.lr": L.finetune_lr or cfg.train.lr,
        "train.checkpoint_every": max(min(cfg.train.checkpoint_every, L.finetune_steps // 2), 1),
        "train.eval_clips": min(cfg.train.eval_clips, L.finetune_eval_clips),
    })


def _fingerprint(state: dict[str, torch.Tensor]) -> str:
    """A short hash of a state dict's values (which base model a CAM run was fine-tuned from)."""
    h = hashlib.sha1()
    for name in sorted(state):
        h.update(name.encode())
        h.update(state[name].detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def finetune(cfg: Profile, base: nn.Module | None = None, *, run_dir: Path | None = None,
             device: torch.device | None = None, retrain: bool = False):
    """The CAM model of ``cfg`` (a ``pretext.Pretrained`` with ``model`` in eval mode, ``run_dir`` and
    ``history``), fine-tuned from ``base`` (default: the profile's pretrained shift network).

    Resumes from its own checkpoint, or loads it when finished; a run fine-tuned from *other* base
    weights (the shift network was retrained since) is discarded and redone. ``finetune_steps=0`` only
    rebuilds the network with the strides removed around the base weights (no training).
    """
    from .. import runtime
    from ..shift import pretraining as pretext
    from ..models import ShiftNet

    device = device or runtime.pick_device()
    if base is None:
        base = pretext.pretrain(cfg, device=device).model
    state = {k: v.detach().cpu() for k, v in base.state_dict().items()}
    lcfg = profile(cfg)
    if cfg.localization.finetune_steps <= 0:
        model = ShiftNet.from_config(lcfg)
        model.load_state_dict(state)
        return pretext.Pretrained(model.to(device).eval(), Path(run_dir or "."), [])
    run_dir = Path(run_dir) if run_dir is not None else pretext.default_run_dir(cfg, "cam")
    stamp = run_dir / "base.json"
    # what the fine-tuned weights depend on: the base weights and the settings (not the benchmark's sizes)
    key = {"base": _fingerprint(state), "profile": {k: v for k, v in lcfg.as_dict().items() if k != "localization"}}
    if stamp.exists() and json.loads(stamp.read_text()) != json.loads(json.dumps(key, default=str)):
        print(f"{run_dir} was fine-tuned from another base model or at other settings: fine-tuning anew")
        retrain = True
    if retrain and run_dir.exists():
        import shutil

        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps(key, default=str, sort_keys=True))
    steps = lcfg.train.steps
    return pretext.pretrain(lcfg, run_dir=run_dir, device=device, init=state,
                            eval_every=max(steps // 3, 1))
