"""Run profiles: the one parameter, ``profile``, that sizes every notebook and command.

``smoke`` runs in seconds (tests only), ``cpu`` on a 2-core laptop in minutes and really learns,
``colab`` on a T4-class GPU in at most 20 minutes a notebook, and ``gpu`` at the paper's sizes
(Owens & Efros 2018, §3.1; reference notes §1.1-1.2: 125 frames at 29.97 fps, 224-px crops of
256-px frames, 21 kHz stereo, shifts from the same video overlapping the window by at most 60 frames).

A notebook does ``cfg = config.get(PROFILE)`` and reads every size from ``cfg``; no size literal
lives in a notebook. Each section belongs to one part of the library (named in its docstring);
``Profile.replace`` derives variants, e.g. ``cfg.replace(**{"train.steps": 10})``.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any

PROFILE_NAMES: tuple[str, ...] = ("smoke", "cpu", "colab", "gpu")
ENV_VAR = "AVSCENE_PROFILE"


@dataclass(frozen=True)
class MediaSpec:
    """Clip geometry shared by loaders, the clip cache, the synthetic world and the network.

    The network window is defined in frames (the original code's ``sampled_frames = 125``), so the
    audio window is ``round(clip_frames * sample_rate / fps)`` samples (87,588 at 21 kHz).
    """

    fps: float
    sample_rate: int
    channels: int
    clip_frames: int  # network window T (paper: 125)
    video_seconds: float  # length of one stored / generated video (paper: 10.1 s)
    frame_size: int  # stored frame side in pixels (paper: 256)
    crop_size: int  # network input side after the random crop (paper: 224)

    @property
    def clip_seconds(self) -> float:
        return self.clip_frames / self.fps

    @property
    def clip_samples(self) -> int:
        return round(self.clip_frames * self.sample_rate / self.fps)

    @property
    def samples_per_frame(self) -> float:
        return self.sample_rate / self.fps

    @property
    def video_frames(self) -> int:
        # int(), as the original's total_frames = int(10.1 * 29.97) = 302
        return int(self.video_seconds * self.fps)

    @property
    def video_samples(self) -> int:
        return int(self.video_seconds * self.sample_rate)


@dataclass(frozen=True)
class ShiftSpec:
    """The shift pretext task (``avscene.sampling``; reference notes §1.1)."""

    max_overlap_frames: int  # a shifted window overlaps the video window by at most this (paper: 60)
    negatives: str = "same_video"  # "same_video" (paper) | "other_video" (ablation) | "small"


@dataclass(frozen=True)
class NetSpec:
    """The early-fusion network's size (``avscene.models``; reference notes §1.3)."""

    width: int  # channels of im/conv1; every other width scales with it (paper: 64)
    cam: int = 0  # spatial strides removed at the tail for finer CAMs (ShiftNet: 1 = cam_v1, 2 = conv4_1 too)
    # BN running-average momentum (paper: 3e-4, TF decay 0.9997); short runs need the averages to
    # converge within their steps (window ~ 1 / momentum steps)
    bn_momentum: float = 3e-4
    renorm: bool = False  # batch renormalization after residual sums (paper: True)
    audio_pool: str = "adaptive"  # audio->video step pooling: "adaptive" | "fractional" (paper)


@dataclass(frozen=True)
class TrainSpec:
    """Pretraining loop settings (``avscene.train``; reference notes §1.2)."""

    batch_videos: int  # videos per step; each gives an aligned and a shifted example
    steps: int
    lr: float
    optimizer: str  # "sgd" (paper: momentum 0.9, clip 5, wd 1e-5) | "adam"
    num_workers: int
    checkpoint_every: int
    eval_clips: int
    lr_drop_at: float = 1.0  # fraction of the steps after which the lr is divided by 10 (1.0: constant, the paper's)


@dataclass(frozen=True)
class SynthSpec:
    """How much of the synthetic world a profile generates (``avscene.synthetic``)."""

    n_videos: int  # pretext / training videos
    n_eval: int  # held-out videos for every measured claim
    difficulty: str = "default"  # avscene.synthetic.difficulty preset ("easy" | "default" | "hard")
    # pretraining curriculum: (preset, until_step) phases before ``difficulty`` takes over (notebook 03)
    curriculum: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class LocalizationSpec:
    """The sound-source localization benchmark and the CAM model (``avscene.localization``; notebook 04).

    The CAM model is the shift network with ``cam_levels`` spatial strides removed (1 = the original
    ``cam_v1``: conv5_1; 2: conv4_1 too), fine-tuned from it for ``finetune_steps`` on frames of
    ``frame_size`` / ``crop_size`` (``None``: the profile's); benchmark scenes use the same sizes.
    ``dense_levels``: how many of the CAM model's remaining spatially strided tail blocks its CAM is
    evaluated densely for (à trous; the same weights, 2**levels finer maps; 0 = the plain CAM).
    """

    # crops of 8k - 7 (cam_levels 2) or 16k - 15 (cam_levels 1) pixels give every strided layer an odd
    # size, where TF SAME pads both sides alike and the CAM cells sit symmetrically (notebook 04)
    n_scenes: int = 8  # evaluation scenes per benchmark kind
    dense_levels: int = 0
    batch_size: int = 8
    cam_levels: int = 1
    frame_size: int | None = None
    crop_size: int | None = None
    finetune_steps: int = 0  # the original: 25k after 650k
    finetune_lr: float | None = None  # None: the pretraining lr
    finetune_eval_clips: int = 200  # held-out clips scored during fine-tuning
    difficulty: str | None = None  # the world of the fine-tuning and the benchmark (None: cfg.synth's)


@dataclass(frozen=True)
class Profile:
    """Everything a notebook needs to size itself."""

    name: str
    description: str
    media: MediaSpec
    shift: ShiftSpec
    net: NetSpec
    train: TrainSpec
    synth: SynthSpec
    seed: int = 0
    localization: LocalizationSpec = LocalizationSpec()

    @property
    def min_shift_frames(self) -> int:
        return self.media.clip_frames - self.shift.max_overlap_frames

    @property
    def max_shift_frames(self) -> int:
        # window starts run 0 .. video_frames - clip_frames - 1, as in the original (0..176 at 302/125)
        return self.media.video_frames - self.media.clip_frames - 1

    def replace(self, **changes: Any) -> "Profile":
        """A copy with ``"section.field"`` (or top-level ``field``) values changed."""
        top: dict[str, Any] = {}
        nested: dict[str, dict[str, Any]] = {}
        for key, value in changes.items():
            section, _, leaf = key.partition(".")
            if leaf:
                nested.setdefault(section, {})[leaf] = value
            else:
                top[section] = value
        for section, fields in nested.items():
            top[section] = dataclasses.replace(getattr(self, section), **fields)
        return dataclasses.replace(self, **top)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


_PROFILES: dict[str, Profile] = {
    "smoke": Profile(
        name="smoke",
        description="seconds; for tests only, nothing learns",
        media=MediaSpec(fps=8.0, sample_rate=4000, channels=2, clip_frames=16,
                        video_seconds=5.0, frame_size=36, crop_size=32),
        shift=ShiftSpec(max_overlap_frames=7),
        net=NetSpec(width=4, bn_momentum=0.1),
        train=TrainSpec(batch_videos=2, steps=4, lr=1e-3, optimizer="adam", num_workers=0,
                        checkpoint_every=2, eval_clips=8),
        synth=SynthSpec(n_videos=8, n_eval=8, curriculum=(("warmup", 2),)),
        localization=LocalizationSpec(n_scenes=6, batch_size=6, cam_levels=2, crop_size=33, finetune_steps=2,
                                      difficulty="anywhere"),
    ),
    "cpu": Profile(
        name="cpu",
        description="a 2-core laptop in minutes; models really learn on the synthetic world",
        media=MediaSpec(fps=15.0, sample_rate=8000, channels=2, clip_frames=48,
                        video_seconds=8.0, frame_size=36, crop_size=32),
        shift=ShiftSpec(max_overlap_frames=23),
        net=NetSpec(width=16, bn_momentum=0.02),
        train=TrainSpec(batch_videos=8, steps=3000, lr=1e-3, optimizer="adam", num_workers=1,
                        checkpoint_every=500, eval_clips=400, lr_drop_at=0.8),
        synth=SynthSpec(n_videos=10_000, n_eval=400, curriculum=(("warmup", 1000),)),
        localization=LocalizationSpec(n_scenes=200, batch_size=16, cam_levels=2, frame_size=72, crop_size=65,
                                      finetune_steps=600, finetune_lr=3e-4, difficulty="anywhere"),
    ),
    "colab": Profile(
        name="colab",
        description="a T4-class GPU in at most 20 minutes a notebook; reduced sizes",
        media=MediaSpec(fps=15.0, sample_rate=16000, channels=2, clip_frames=63,
                        video_seconds=10.1, frame_size=128, crop_size=112),
        shift=ShiftSpec(max_overlap_frames=30),
        net=NetSpec(width=32, bn_momentum=0.003),
        train=TrainSpec(batch_videos=12, steps=6000, lr=1e-3, optimizer="adam", num_workers=2,
                        checkpoint_every=500, eval_clips=1000),
        synth=SynthSpec(n_videos=20_000, n_eval=1000, curriculum=(("warmup", 1000),)),
        localization=LocalizationSpec(n_scenes=500, dense_levels=1, batch_size=16, cam_levels=1, crop_size=113,
                                      finetune_steps=500, finetune_lr=3e-4, difficulty="anywhere"),
    ),
    "gpu": Profile(
        name="gpu",
        description="the paper's sizes on real data (AudioSet): 125 x 224 x 224 frames, 21 kHz stereo",
        media=MediaSpec(fps=29.97, sample_rate=21000, channels=2, clip_frames=125,
                        video_seconds=10.1, frame_size=256, crop_size=224),
        shift=ShiftSpec(max_overlap_frames=60),
        net=NetSpec(width=64, bn_momentum=3e-4),
        train=TrainSpec(batch_videos=15, steps=650_000, lr=1e-2, optimizer="sgd", num_workers=8,
                        checkpoint_every=5000, eval_clips=5000),
        synth=SynthSpec(n_videos=50_000, n_eval=5000, curriculum=(("warmup", 2000),)),
        localization=LocalizationSpec(n_scenes=1000, batch_size=16, cam_levels=1, finetune_steps=25_000,
                                      difficulty="anywhere"),
    ),
}


def get(name: str | None = None) -> Profile:
    """The profile called ``name`` (default: ``$AVSCENE_PROFILE``, else ``cpu``)."""
    name = name or os.environ.get(ENV_VAR, "cpu")
    try:
        return _PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; choose one of {', '.join(PROFILE_NAMES)}") from None
