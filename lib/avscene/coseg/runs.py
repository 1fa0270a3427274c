"""Sound of Pixels and co-segmentation as named runs (notebook 08; reference notes §3.1-3.5).

==========  ============================================================================================
variant     training
==========  ============================================================================================
sop         Mix-and-Separate from scratch: sigmoid visual activation, binary masks, weighted BCE (the
            original ``train_MUSIC.sh``)
ratio       the same with ratio masks and the weighted L1 (the original's ``--binary_mask 0``)
oracle      a control: no image net, each source's visual vector the one-hot of its class; what the audio
            net and the synthesizer reach at this budget when the picture is understood perfectly
coseg       continues run ``sop`` of the same seed for ``coseg_steps`` more steps with the softmax over the
            K channels, its temperature annealed (``CosegSpec.tau_start`` -> ``tau_end``): the sigmoid
            warm-up, then the switch (Rouditchenko et al., §3.5)
==========  ============================================================================================

Every run trains at :func:`profile` (the profile with the solo videos' own media: ``CosegSpec.fps``,
``frame_size``, ``video_seconds``, ``sample_rate``), on the mixtures of ``CosegSpec.n_train`` solo videos, with
``CosegSpec.train``; the image backbone learns at ``backbone_lr_scale`` × lr, the image ``fc``, the audio net
and the synthesizer at the lr (the original's groups, notes §3.3). With ``CosegSpec.pretrained`` the backbone
starts from torchvision's ImageNet weights (downloaded once by torchvision; the run key says so), else from
scratch. Each run is ``coseg/<variant>/seed<k>`` (``coseg-<data>/...`` on other data) and is found, fetched or
trained like every run (``avscene.course.hub``).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import torch

from .. import runtime
from ..config import MediaSpec, Profile
from ..course import hub
from ..separation.data import synthetic
from ..separation.runs import SeparationData
from ..train import LoaderSource, distributed
from ..train import finetune as train_finetune
from .assign import ChannelActivation
from .data import MixSeparateDataset, collate
from .nets import AudioUNet, ImageNet, SoundOfPixels, Synthesizer, init_official
from .task import MixSeparateTask

__all__ = ["VARIANTS", "Variant", "build", "final_step", "held_out", "profile", "run_path", "synthetic_data", "task",
           "train", "train_mixtures"]


@dataclass(frozen=True)
class Variant:
    """A run's mask (``"binary"`` | ``"ratio"``) and whether it continues the ``sop`` run with the softmax."""

    name: str
    mask: str = "binary"
    coseg: bool = False
    oracle: bool = False


VARIANTS: dict[str, Variant] = {v.name: v for v in (
    Variant("sop"),
    Variant("ratio", mask="ratio"),
    Variant("coseg", coseg=True),
    Variant("oracle", oracle=True),
)}


def get(variant: str) -> Variant:
    """The :class:`Variant` named ``variant`` (``ValueError`` naming the choices otherwise)."""
    try:
        return VARIANTS[variant]
    except KeyError:
        raise ValueError(f"unknown variant {variant!r}; choose one of {', '.join(VARIANTS)}") from None


def profile(cfg: Profile) -> Profile:
    """``cfg`` with the solo videos' media of ``cfg.coseg``: its fps, frame size (no crop: the image net sees
    whole frames), video length and sample rate (``None``: ``cfg.media``'s)."""
    c, m = cfg.coseg, cfg.media
    frames = int(c.video_seconds * c.fps)
    media = MediaSpec(fps=c.fps, sample_rate=c.sample_rate or m.sample_rate, channels=m.channels,
                      clip_frames=min(m.clip_frames, frames), video_seconds=c.video_seconds,
                      frame_size=c.frame_size, crop_size=c.frame_size)
    return cfg.replace(media=media)


@lru_cache(maxsize=2)
def synthetic_data(cfg: Profile) -> SeparationData:
    """The solo videos of the synthetic world at :func:`profile`'s media, generated once per process:
    ``n_train`` of the ``train`` split and ``n_test_videos`` of the ``test`` split (disjoint world seeds)."""
    c, p = cfg.coseg, profile(cfg)
    return SeparationData("synthetic", synthetic(p, "train", c.n_train), synthetic(p, "test", c.n_test_videos))


def build(cfg: Profile) -> SoundOfPixels:
    """The untrained network at ``cfg.coseg``'s sizes: the audio u-net and the synthesizer with the official
    initialisation, the image net with PyTorch's (ImageNet weights are loaded by :func:`train`, never here)."""
    c = cfg.coseg
    audio = init_official(AudioUNet(levels=c.levels, ngf=c.ngf, out_channels=c.channels))
    return SoundOfPixels(audio, ImageNet(c.channels, width=c.image_width), init_official(Synthesizer(c.channels)))


def task(cfg: Profile, variant: str) -> MixSeparateTask:
    """The loss of ``variant``: its mask, and for ``coseg`` the softmax schedule from its first step."""
    c, v = cfg.coseg, get(variant)
    act = (ChannelActivation(switch_step=0, tau_start=c.tau_start, tau_end=c.tau_end, anneal_steps=c.anneal_steps)
           if v.coseg else None)
    return MixSeparateTask(n_fft=c.n_fft, hop=c.hop, rows=c.rows, mask=v.mask, activation=act,
                           per_location=v.coseg and c.softmax_per_location, oracle=v.oracle)


def _dataset(cfg: Profile, source: Any, n: int, *, train: bool, seed: int) -> MixSeparateDataset:
    c = cfg.coseg
    return MixSeparateDataset(source, n, n_mix=c.n_mix, frames=c.frames, frame_spacing=c.frame_spacing,
                              samples=c.samples, train=train, seed=seed)


def train_spec(cfg: Profile, variant: str):
    """``cfg.coseg.train``, with ``coseg_steps`` steps for the co-segmentation run."""
    c = cfg.coseg
    return dataclasses.replace(c.train, steps=c.coseg_steps) if get(variant).coseg else c.train


def train_mixtures(cfg: Profile, data: SeparationData, variant: str, seed: int) -> MixSeparateDataset:
    """The run's training mixtures: item ``i`` a function of ``(seed, i)``, as many as it draws. The
    co-segmentation run draws another stream than the run it continues (``seed + 1000``)."""
    t = train_spec(cfg, variant)
    n = max(t.steps * t.batch * distributed.world_size(), 1)
    return _dataset(cfg, data.train, n, train=True, seed=seed + (1000 if get(variant).coseg else 0))


def held_out(cfg: Profile, data: SeparationData | None = None, n: int | None = None) -> MixSeparateDataset:
    """The held-out mixtures every method is scored on: ``n`` (default ``cfg.coseg.n_test``) of the test videos,
    each video's middle window, no gain, the pairs fixed by the world seed."""
    data = data or synthetic_data(cfg)
    return _dataset(cfg, data.test, cfg.coseg.n_test if n is None else n, train=False, seed=cfg.seed)


def run_path(variant: str, seed: int, data: str = "synthetic") -> str:
    """``coseg/<variant>/seed<k>``, or ``coseg-<data>/<variant>/seed<k>`` on other data."""
    prefix = "coseg" if data == "synthetic" else f"coseg-{data}"
    return f"{prefix}/{variant}/seed{seed}"


#: ``CosegSpec`` fields that only say how runs are measured, never what they learn (not in any run key).
MEASURE_FIELDS = ("n_test_videos", "n_test", "solo_per_class", "seg_scenes", "nmf_components", "nmf_clips", "seeds")
#: ``CosegSpec`` fields of the co-segmentation continuation only (not in the key of the runs it continues).
COSEG_FIELDS = ("coseg_steps", "tau_start", "tau_end", "anneal_steps", "softmax_per_location")


def settings(cfg: Profile, variant: str, seed: int, data: str) -> dict[str, Any]:
    """What shapes the run's weights (its key): the data, the variant, the seed, the world seed, the media and
    ``cfg.coseg`` less :data:`MEASURE_FIELDS` (and :data:`COSEG_FIELDS` for the runs co-segmentation continues)."""
    c = cfg.coseg
    drop = MEASURE_FIELDS + (() if get(variant).coseg else COSEG_FIELDS)
    spec = {k: v for k, v in dataclasses.asdict(c).items() if k not in drop}
    return {"data": data, "variant": dataclasses.asdict(get(variant)), "seed": seed, "world_seed": cfg.seed,
            "coseg": {**spec, "train": c.train.recipe()}, "media": dataclasses.asdict(profile(cfg).media)}


def final_step(cfg: Profile, variant: str) -> int:
    """The last training step of ``variant``'s run (``steps - 1``): where its visual activation ended."""
    return train_spec(cfg, variant).steps - 1


def _imagenet_backbone(model: SoundOfPixels) -> None:
    """torchvision's ImageNet ResNet-18 weights into the image backbone (downloads them once)."""
    model.image.backbone.load_state_dict(ImageNet(model.image.out_channels, pretrained=True).backbone.state_dict())


def train(cfg: Profile, variant: str = "sop", seed: int = 0, *, data: SeparationData | None = None,
          device: torch.device | None = None, retrain: bool = False) -> hub.Trained:
    """The run ``coseg/<variant>/seed<k>``: ``.model`` is the trained :class:`SoundOfPixels` in eval mode."""
    v, c = get(variant), cfg.coseg
    data = data or synthetic_data(cfg)
    device = device or runtime.pick_device()

    def fit(into):
        runtime.seed_everything(seed)
        model = build(cfg)
        if v.coseg:  # the sigmoid warm-up: run `sop` of this seed
            model.load_state_dict(train(cfg, "sop", seed, data=data, device=device).model.state_dict())
        elif c.pretrained:
            _imagenet_backbone(model)
        spec = train_spec(cfg, variant)
        batches = LoaderSource(train_mixtures(cfg, data, variant, seed), spec.batch, spec.steps,
                               num_workers=spec.num_workers, collate=collate)
        return train_finetune(model, task(cfg, variant), batches, spec, into,
                              lr_scale={"image.backbone": c.backbone_lr_scale}, device=device)

    name = hub.run_name(run_path(variant, seed, data.name), cfg)
    return hub.obtain(name, cfg, settings(cfg, variant, seed, data.name), build=lambda: build(cfg), train=fit,
                      retrain=retrain, device=device)
