"""Which networks ``--weights`` names, what each sees (its media card) and how its outputs are labelled.

``resolve(spec)`` -> :class:`Weights`: a sync model (a ``ShiftNet``: the shift model, or the CAM model,
which is fine-tuned on the same task), a CAM model (the CAM model when there is one, else the sync
model's own CAM) and an optional separation model (``SeparationNet``):

* ``original``: ``original/shift``, ``original/cam``, ``original/sep_full`` from the registry of converted
  weights (``avscene.convert.registry``); each file carries its ``media`` dict, the only source of rates and
  sizes;
* ``cpu``: the ``cpu`` profile's runs ``shift``, ``cam`` and ``separation/full/seed0`` trained on the
  synthetic world, found locally or as published weights (``avscene.course.hub.find``) and never trained
  here; media from the profile;
* a path: a converted ``.pt`` file, or a folder holding any of ``shift.pt``, ``cam.pt``, ``sep_full.pt``.

Nothing is trained and nothing is written. Problems raise :class:`WeightsUnavailable` (one line: the
thing and the reason).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from torch import nn

from .. import config
from ..config import Profile
from ..convert import registry
from ..convert.convert import ConversionError
from ..convert.convert import load as load_converted
from ..course import hub
from ..shift.sync import Window

NAMES = ("original", "cpu")
FILES = {"shift": "shift.pt", "cam": "cam.pt", "sep_full": "sep_full.pt"}
MEDIA_KEYS = ("fps", "sample_rate", "channels", "frame_size", "clip_frames", "max_offset")
#: what the authors trained each released model on (the paper: AudioSet for the shift and CAM models)
ORIGINAL_DATA = {"shift": "AudioSet", "cam": "AudioSet"}
TRAIN_CPU = ("train it with `python -m avscene.shift pretrain --profile cpu` or by running notebook 03 "
             "(notebook 04 then trains the CAM model, notebook 06 the separation model)")


class DemoError(Exception):
    """A demo input that cannot be used: ``str()`` is ``"<what>: <why>"``; ``.path``, ``.problem``."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path, self.problem = str(path), problem
        super().__init__(f"{self.path}: {problem}")


class WeightsUnavailable(DemoError):
    """Weights the demo cannot use (not converted, not trained, unreadable, inconsistent)."""


@dataclass(frozen=True)
class Media:
    """What a network sees: frames of ``frame_size`` px (square resize of the whole frame) at ``fps``,
    ``channels`` of audio at ``sample_rate``, windows of ``clip_frames`` frames; ``max_offset``: the sync
    search's range (frames, sync models only)."""

    fps: float
    sample_rate: int
    channels: int
    frame_size: int
    clip_frames: int
    max_offset: int = 0

    @classmethod
    def from_dict(cls, d: dict[str, Any], where: str) -> "Media":
        missing = [k for k in MEDIA_KEYS if k not in d and k != "max_offset"]
        if missing:
            raise WeightsUnavailable(where, f"its media card lacks {', '.join(missing)}")
        return cls(float(d["fps"]), int(d["sample_rate"]), int(d["channels"]), int(d["frame_size"]),
                   int(d["clip_frames"]), int(d.get("max_offset", 0)))

    @property
    def rates(self) -> tuple[float, int, int]:
        """``(fps, sample_rate, channels)``: what the decoder must produce."""
        return (self.fps, self.sample_rate, self.channels)

    @property
    def window(self) -> Window:
        return Window(self.fps, self.sample_rate, self.clip_frames)

    @property
    def clip_samples(self) -> int:
        return self.window.clip_samples

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in MEDIA_KEYS}


@dataclass
class Model:
    """One network in its role (``sync``, ``cam`` or ``separation``): ``kind`` is the converted model's name
    (``shift``, ``cam``, ``sep_full``), ``label`` says where its weights come from (printed and stored)."""

    role: str
    kind: str
    net: nn.Module
    media: Media
    label: str
    synthetic: bool = False


@dataclass
class Weights:
    """The demo's networks: ``sync`` always; ``cam`` (``None``: no CAM video) and ``separation`` optional.
    ``notes`` say what was skipped or substituted, and why."""

    name: str
    sync: Model
    cam: Model | None
    separation: Model | None = None
    notes: list[str] = field(default_factory=list)

    def models(self) -> list[Model]:
        return [m for m in (self.sync, self.cam, self.separation) if m is not None]

    def labels(self) -> dict[str, str | None]:
        """``{"sync": label, "cam": label | None, "separation": label | None}``."""
        return {"sync": self.sync.label, "cam": self.cam.label if self.cam else None,
                "separation": self.separation.label if self.separation else None}


# ---------------------------------------------------------------- checks shared by every source
def sep_window_frames(net: nn.Module, fps: float, sample_rate: int) -> int:
    """The fewest frames whose audio gives the u-net all its spectrogram frames (``net.samples`` samples)."""
    return math.ceil(net.samples * fps / sample_rate) + 1


def _check_separation(net: nn.Module, media: Media, where: str) -> None:
    rate = net.spec.sample_rate
    if media.sample_rate != rate:
        raise WeightsUnavailable(where, f"its media card says {media.sample_rate} Hz but the network's "
                                        f"spectrogram is built for {rate} Hz")
    if media.clip_samples < net.samples:
        raise WeightsUnavailable(where, f"a window of {media.clip_frames} frames ({media.clip_samples} samples) "
                                        f"is shorter than the {net.samples} samples the network separates")


def _model(role: str, kind: str, net: nn.Module, media: Media, label: str, synthetic: bool = False) -> Model:
    return Model(role, kind, net.eval(), media, label, synthetic)


# ---------------------------------------------------------------- original: the registry
def _original_label(kind: str, info: dict[str, Any]) -> str:
    data = ORIGINAL_DATA.get(kind)
    step = info.get("step")
    return (f"original/{kind} (authors' released weights{', ' + data if data else ''}"
            f"{f', step {step}' if step is not None else ''})")


def _load_registered(kind: str) -> tuple[nn.Module, dict[str, Any]]:
    try:
        return registry.load(f"original/{kind}")
    except hub.WeightsError as exc:  # the message starts with what it is about
        what, _, why = str(exc).partition(": ")
        raise WeightsUnavailable(what, why) from None
    except ConversionError as exc:
        what, _, why = str(exc).partition(": ")
        raise WeightsUnavailable(what, why) from None


def original() -> Weights:
    """The authors' networks as registered; ``original/shift`` is required (else :class:`WeightsUnavailable`
    saying how to get it), ``original/cam`` and ``original/sep_full`` are used when registered."""
    try:
        available = set(registry.available())
    except hub.WeightsError as exc:
        what, _, why = str(exc).partition(": ")
        raise WeightsUnavailable(what, why) from None
    if "original/shift" not in available:
        raise WeightsUnavailable("original/shift", f"not converted on this machine (looked in {registry.root()}); "
                                 + registry.HOW_TO.format(model="shift"))
    net, info = _load_registered("shift")
    sync = _model("sync", "shift", net, Media.from_dict(info.get("media", {}), "original/shift"),
                  _original_label("shift", info))
    notes: list[str] = []
    if "original/cam" in available:
        net, info = _load_registered("cam")
        cam = _model("cam", "cam", net, Media.from_dict(info.get("media", {}), "original/cam"),
                     _original_label("cam", info))
    else:
        cam = _model("cam", "shift", sync.net, sync.media, sync.label + ", its own CAM")
        notes.append("cam: original/cam is not registered, so the shift model's own (coarser) CAM is shown; "
                     + registry.HOW_TO.format(model="cam"))
    sep = None
    if "original/sep_full" in available:
        net, info = _load_registered("sep_full")
        media = Media.from_dict(info.get("media", {}), "original/sep_full")
        _check_separation(net, media, "original/sep_full")
        sep = _model("separation", "sep_full", net, media, _original_label("sep_full", info))
    else:
        notes.append("separation: skipped, original/sep_full is not registered; "
                     + registry.HOW_TO.format(model="sep_full"))
    return Weights("original", sync, cam, sep, notes)


# ---------------------------------------------------------------- a converted file or a folder of them
def _file_label(path: Path, info: dict[str, Any]) -> str:
    src = (info.get("source") or {}).get("checkpoint")
    step = info.get("step")
    parts = [f"{info.get('model')} weights"] + ([f"converted from {src}"] if src else []) \
        + ([f"step {step}"] if step is not None else [])
    return f"{path} ({', '.join(parts)})"


def _load_file(path: Path, expect: str | None = None) -> tuple[nn.Module, dict[str, Any], Media]:
    try:
        net, info = load_converted(path)
    except ConversionError as exc:
        what, _, why = str(exc).partition(": ")
        raise WeightsUnavailable(what, why) from None
    except (OSError, RuntimeError, KeyError, ValueError) as exc:
        raise WeightsUnavailable(path, f"not usable converted weights ({type(exc).__name__}: {exc})") from None
    kind = info.get("model")
    if expect is not None and kind != expect:
        raise WeightsUnavailable(path, f"holds a {kind!r} model, but a file named {path.name} must hold {expect!r}")
    if kind not in FILES:
        raise WeightsUnavailable(path, f"holds a {kind!r} model; the demo uses {', '.join(FILES)}")
    media = Media.from_dict(info.get("media") or {}, str(path))
    if kind == "sep_full":
        _check_separation(net, media, str(path))
    return net, info, media


def from_path(path: str | Path) -> Weights:
    """Weights from a converted file (``shift`` or ``cam``: sync and CAM from it) or a folder holding any of
    ``shift.pt``, ``cam.pt``, ``sep_full.pt`` (without ``shift.pt``, ``cam.pt`` does the sync too)."""
    path = Path(path)
    if not path.exists():
        raise WeightsUnavailable(path, "no such file or folder; --weights takes original, cpu, a converted .pt "
                                       "file or a folder holding shift.pt, cam.pt and/or sep_full.pt")
    loaded: dict[str, tuple[nn.Module, dict[str, Any], Media, Path]] = {}
    if path.is_dir():
        for kind, name in FILES.items():
            if (path / name).is_file():
                net, info, media = _load_file(path / name, kind)
                loaded[kind] = (net, info, media, path / name)
        if "shift" not in loaded and "cam" not in loaded:
            raise WeightsUnavailable(path, "holds neither shift.pt nor cam.pt (converted with python -m "
                                           "avscene.convert): the demo needs one of them for the sync estimate")
    else:
        net, info, media = _load_file(path)
        if info["model"] == "sep_full":
            raise WeightsUnavailable(path, "holds a separation model only; the sync estimate needs a shift or "
                                           "cam model: give a folder holding shift.pt (or cam.pt) and sep_full.pt")
        loaded[info["model"]] = (net, info, media, path)
    notes: list[str] = []
    sync_kind = "shift" if "shift" in loaded else "cam"
    net, info, media, file = loaded[sync_kind]
    sync = _model("sync", sync_kind, net, media, _file_label(file, info))
    if sync_kind == "cam":
        notes.append(f"sync: no shift.pt, so the CAM model {file} (fine-tuned on the same task) estimates the offset")
    if "cam" in loaded:
        net, info, media, file = loaded["cam"]
        cam = _model("cam", "cam", net, media, _file_label(file, info))
    else:
        cam = _model("cam", sync_kind, sync.net, sync.media, sync.label + ", its own CAM")
        notes.append(f"cam: no CAM model{' (cam.pt)' if path.is_dir() else ''} given, so the shift model's own "
                     "(coarser) CAM is shown")
    sep = None
    if "sep_full" in loaded:
        net, info, media, file = loaded["sep_full"]
        sep = _model("separation", "sep_full", net, media, _file_label(file, info))
    else:
        notes.append(f"separation: skipped, no separation model{' (sep_full.pt)' if path.is_dir() else ''} given")
    return Weights(str(path), sync, cam, sep, notes)


# ---------------------------------------------------------------- cpu: the course's own runs
def _run_label(what: str, run: hub.Run) -> str:
    where = "published weights" if run.source == "published" else f"local run {run.dir}"
    return (f"{what} ({run.profile or 'cpu'} profile, trained on the synthetic world for {run.steps} steps; "
            f"{where}): NOT a model of real video")


def _find(name: str, cfg: Profile, settings: dict[str, Any]) -> hub.Run | None:
    try:
        return hub.find(name, cfg, hub.settings_key(settings))
    except hub.WeightsError as exc:
        what, _, why = str(exc).partition(": ")
        raise WeightsUnavailable(what, why) from None


def _load_run(run: hub.Run, model: nn.Module) -> nn.Module:
    try:
        return run.load_into(model)
    except hub.WeightsError as exc:
        what, _, why = str(exc).partition(": ")
        raise WeightsUnavailable(what, why) from None


def from_runs(cfg: Profile) -> Weights:
    """The profile's own runs (found, never trained): ``shift`` (required), ``cam``, ``separation/full/seed0``.

    Run names and settings keys are the ones the sections use (``shift.pretraining``,
    ``localization.cam_model``, ``separation.runs``), so a run trained by a notebook is the run found here.
    """
    from ..localization import cam_model
    from ..models import ShiftNet
    from ..separation import runs as sep_runs
    from ..shift import pretraining

    m = cfg.media
    name = hub.run_name(pretraining.run_label(cfg), cfg)
    run = _find(name, cfg, pretraining.settings(cfg))
    if run is None:
        raise WeightsUnavailable(f"{cfg.name} shift run", f"not found (looked in {hub.runs_root(cfg) / name} and the "
                                 f"published weights) and the demo never trains; {TRAIN_CPU}")
    shift = _load_run(run, ShiftNet.from_config(cfg))
    media = Media(float(m.fps), int(m.sample_rate), int(m.channels), int(m.crop_size), int(m.clip_frames),
                  int(cfg.sync.max_offset))
    sync = _model("sync", "shift", shift, media, _run_label(f"{cfg.name} shift run", run), synthetic=True)
    state = {k: v.detach().cpu() for k, v in shift.state_dict().items()}
    base = hub.fingerprint(state)
    notes: list[str] = [f"the {cfg.name} runs were trained on the synthetic world (coloured shapes and synthetic "
                        "sounds): on real video they show the pipeline, not what the paper's model learned"]

    lcfg = cam_model.profile(cfg)
    cam_name = hub.run_name(cam_model.NAME, cfg)
    cam_run = _find(cam_name, cfg, {"base": base, **pretraining.settings(lcfg)})
    if cam_run is not None:
        net = _load_run(cam_run, ShiftNet.from_config(lcfg))
        lm = lcfg.media
        cam = _model("cam", "cam", net, Media(float(lm.fps), int(lm.sample_rate), int(lm.channels),
                                                int(lm.crop_size), int(lm.clip_frames)),
                     _run_label(f"{cfg.name} cam run", cam_run), synthetic=True)
    else:
        cam = _model("cam", "shift", shift, media, _run_label(f"{cfg.name} shift run's own CAM", run), synthetic=True)
        notes.append(f"cam: the {cfg.name} cam run was not found, so the shift run's own CAM is shown "
                     "(notebook 04 trains the CAM model)")

    variant = sep_runs.VARIANTS["full"]
    sep_name = hub.run_name(sep_runs.run_path("full", 0), cfg)
    sep_run = _find(sep_name, cfg, sep_runs.settings(cfg, variant, 0, "synthetic", base))
    sep = None
    if sep_run is not None:
        net = _load_run(sep_run, sep_runs.build(cfg, "full"))
        smedia = Media(float(m.fps), int(m.sample_rate), int(m.channels), int(m.crop_size),
                       int(cfg.separation.clip_frames))
        _check_separation(net, smedia, sep_name)
        sep = _model("separation", "sep_full", net, smedia,
                     _run_label(f"{cfg.name} separation/full/seed0 run", sep_run), synthetic=True)
    else:
        notes.append(f"separation: skipped, the {cfg.name} run separation/full/seed0 was not found "
                     "(notebook 06 trains it)")
    return Weights(cfg.name, sync, cam, sep, notes)


def resolve(spec: str | Path | Weights) -> Weights:
    """``original``, ``cpu``, a path, or ready :class:`Weights` (returned as is: notebooks and the benchmark)."""
    if isinstance(spec, Weights):
        return spec
    if str(spec) == "original":
        return original()
    if str(spec) == "cpu":
        return from_runs(config.get("cpu"))
    return from_path(spec)
