"""AVOL-Net's localisation maps on the notebook-04 benchmark, beside the CAM model and the baselines
(notebook 07; Arandjelović & Zisserman 2018, §5).

**The scenes.** Exactly notebook 04's: ``avscene.localization.build(cam_model.profile(cfg), kind)``, i.e.
rendered at ``cfg.localization``'s frame and crop sizes in its world, ``cfg.localization.n_scenes`` per kind,
world seed ``cfg.seed``. Every method is scored on the same scenes with the same function
(``localization.metrics.score`` of a time-averaged map against ``Benchmark.gt_window()``), as notebook 04
scores the CAM model and the baselines. Kinds of interest: ``"distractor"`` (the silent object has another
class) and ``"same_class"`` (it has the sounding object's: appearance cannot decide, only synchrony).

**AVOL-Net's view of a scene** (:class:`Geometry`). AVOL-Net is a single-frame network trained on the
``crop_size`` centre region of ``cfg.media.frame_size`` frames (32 of 36 px at ``cpu``), the benchmark is
the ``crop_size`` centre crop of ``cfg.localization.frame_size`` frames (65 of 72 px at ``cpu``). The world
draws every position and size as a fraction of the frame side (an object's radius is ``0.13 × side``), so a
scene rendered at two frame sizes is the same scene scaled by their ratio. AVOL-Net is therefore shown the
part of the benchmark crop that its training crop covers of the whole frame, at ``cfg.media.frame_size /
frame_size`` of the benchmark's scale: AVOL input pixel ``x`` (continuous) is benchmark pixel
``start + scale · x`` with ``scale = L.frame_size / media.frame_size`` and ``start = scale · y0 - Y0``
(``y0``, ``Y0`` the two centre crops' offsets). Objects then have the very size, in AVOL's pixels, they had in
training. At ``cpu``: ``scale = 2``, ``start = 1``: AVOL's 32 × 32 input is the benchmark's pixels 1 .. 64,
each input pixel the mean of 2 × 2 of them (area resampling, rounded to uint8 as every frame is; the
renderer point-samples, so edges come out a little softer than AVOL saw in training). At ``smoke``,
``colab`` and ``gpu`` the two frame sizes are equal: ``scale = 1`` and AVOL's input is the benchmark crop
less its one-pixel (or no) margin. Resizing the 65-px *crop* to 36 px and cropping 32 instead would show
objects 72 / 65 = 1.11 × larger than in training. :func:`geometry` refuses a view that leaves the crop.
(Checked at ``cpu``: the same scenes rendered natively at 36 px, the world's rng streams do not depend on
the frame size, gave the ``cpu`` AVOL-Net seed 0 the same pointing within one point on 200 scenes of each
kind.)

**The map back on the mask grid.** AVOL-Net's map cell ``j`` is centred on input pixel
``first_center + stride · j``: a 3 × 3 convolution of stride ``s`` and padding 1 centres output ``q`` on input
``s · q``, a 2 × 2 max-pool output ``p`` on inputs ``2p, 2p + 1`` (at ``cpu``, one stride-2 conv and one
pool: cells every 4 input pixels from 1.5; tested against the network's receptive fields). On the
benchmark that is ``CamGeometry(stride · scale, start + scale · first_center)`` (one cell every 8 pixels
from 4 at ``cpu``), and the sigmoid map is interpolated there exactly as the CAM's cells are
(``localization.cam.upsample``: bilinear between cell centres, edge cells extended to the border).
(:meth:`avscene.ots.nets.AVOLNet.localize` instead assumes cells at ``(j + 0.5) · stride``, half a pixel
off; it is not used here.)

**Four mirrored views** (:data:`MIRRORS`, :func:`avol_maps`). A multiple-instance max says *that* some cell
matches the sound, not which: any cell whose receptive field holds the object can win, and training sharpens
whichever won early. The ``cpu`` AVOL-Net runs (while building notebook 07; 200 distractor scenes) put most of
their map on the sounding object rather than the silent one (mean map 0.19 against 0.02-0.04 inside the two
masks; more on the sounding one in 84-94 % of scenes), yet their one-view peak fell inside the sounding object in
only 34 / 50 / 48 % of scenes (seeds 0 / 1 / 2): it sat a few pixels off the object's centre (per-frame means of
up to 7 pixels in a seed-dependent direction, spread 8-13 pixels), at or past the edge of objects of radius 8-11 on
a map with a cell every 8 pixels. Where that offset is steady it flips with the frames: mirrored left-right,
up-down and both, each map put back, and the four averaged, steady offsets cancel (46 / 52 / 58 %; a seed-0 run
of the exploration with a steady offset of 6 pixels went from 58 to 74 %). The table keeps both,
``"AVOL-Net seed<k>"`` (four views) and ``"AVOL-Net one view seed<k>"``, as notebook 04 keeps the CAM model's
mirrored and one-view maps; :func:`object_choice` asks only which object a map favours.

**Frames and sound** (:func:`frame_indices`). AVOL-Net sees one frame and the 1 s of mono sound centred on
it (``ots.embed.inputs``' window: ``audio_offset(k) - sr // 2``, the channels averaged, ``log_spectrogram``
at the scene's sample rate). A scene's map is the mean of the sigmoid maps of ``n_frames`` (default
:data:`N_FRAMES` = 5) frames spread evenly over the frames whose second of sound lies inside the scene's
audio (frames 8 .. 40 of 48 at ``cpu``), each with its own second: the other methods' maps summarise the
whole window too (the CAM averaged over time, motion energy over all frame differences) and are scored
against where the sounding object is at any time in it. ``n_frames=1`` takes the middle frame alone (the
paper's single-frame use).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from .. import runtime
from ..config import Profile
from ..localization import baselines, cam, cam_model, metrics
from ..localization.benchmark import Benchmark, build
from ..localization.cam import CamGeometry
from ..models.inputs import frames_to_net
from . import variants
from .avc import centred_sound, window_start
from .nets import AVOLNet, map_shape
from .spectrogram import log_spectrogram

__all__ = [
    "AVOL",
    "BASELINES",
    "CAM",
    "KINDS",
    "MIRRORS",
    "N_FRAMES",
    "Comparison",
    "Geometry",
    "avol_maps",
    "avol_name",
    "baseline_maps",
    "benchmark",
    "cam_maps",
    "cell_geometry",
    "cell_maps",
    "choices",
    "compare",
    "comparisons",
    "frame_indices",
    "geometry",
    "inputs",
    "object_choice",
    "resample",
    "rows",
    "scores",
    "table",
    "tabulate",
    "to_benchmark",
]

#: AVOL-Net maps averaged per scene (frames spread over the window); 1 = the middle frame alone
N_FRAMES = 5
#: the mirrored views whose maps are averaged into AVOL-Net's (axes of a ``[..., S, S]`` map): as they are,
#: left-right, up-down, both. Mirrored back on the benchmark's grid, they cancel the trained network's offset
#: of its peak from the object (module doc).
MIRRORS: tuple[tuple[int, ...], ...] = ((), (-1,), (-2,), (-2, -1))
#: the benchmark kinds of notebook 07's table
KINDS: tuple[str, ...] = ("distractor", "same_class")
#: method names: AVOL-Net per seed is ``f"{AVOL} seed{k}"``; the CAM model's map as notebook 04 names it
AVOL = "AVOL-Net"
CAM = "CAM |abs|"
BASELINES: tuple[str, ...] = ("motion energy", "centre prior", "random")


def avol_name(seed: int, *, one_view: bool = False) -> str:
    """The table's name of AVOL-Net run seed ``seed``: ``"AVOL-Net seed<k>"`` (its map averaged over the four
    mirrored views, :data:`MIRRORS`), ``"AVOL-Net one view seed<k>"`` (the frames as they are)."""
    return f"{AVOL}{' one view' if one_view else ''} seed{int(seed)}"


# ------------------------------------------------------------------------------------------------ geometry
def cell_geometry(first_stride: int, pools: int) -> CamGeometry:
    """Where AVOL-Net's map cells sit on its input (pixel ``y`` covers ``[y, y + 1)``): cell ``j`` centred on
    ``first_center + stride · j``. A 3 × 3 conv of stride ``s``, padding 1: output ``q`` centred on input
    ``s · q``; a 2 × 2 max-pool: output ``p`` on inputs ``2p`` and ``2p + 1``; stride-1 convs keep centres."""
    a, b = 1.0, 0.5  # centre of position p = a * p + b, in input pixels
    a = a * first_stride
    for _ in range(pools):
        a, b = 2 * a, b + a / 2
    return CamGeometry(stride=a, first_center=b)


@dataclass(frozen=True)
class Geometry:
    """AVOL-Net's view of a benchmark scene along each axis (frames are square; module doc).

    AVOL input pixel coordinate ``x`` in ``[0, input_size]`` is benchmark coordinate ``start + scale · x``;
    map cell ``j`` (``0 .. cells - 1``) is centred on input coordinate ``on_input.first_center +
    on_input.stride · j``, i.e. on benchmark coordinate ``on_benchmark.first_center + on_benchmark.stride · j``.
    """

    bench_size: int
    input_size: int
    start: float
    scale: float
    cells: int
    on_input: CamGeometry

    @property
    def on_benchmark(self) -> CamGeometry:
        """The cells' :class:`~avscene.localization.cam.CamGeometry` on the benchmark's mask grid."""
        g = self.on_input
        return CamGeometry(stride=self.scale * g.stride, first_center=self.start + self.scale * g.first_center)

    def to_benchmark(self, x: float | np.ndarray) -> float | np.ndarray:
        """Input coordinate(s) -> benchmark coordinate(s)."""
        return self.start + self.scale * np.asarray(x, dtype=np.float64)

    def to_input(self, y: float | np.ndarray) -> float | np.ndarray:
        """Benchmark coordinate(s) -> input coordinate(s)."""
        return (np.asarray(y, dtype=np.float64) - self.start) / self.scale


def geometry(cfg: Profile, *, first_stride: int | None = None, pools: int | None = None) -> Geometry:
    """The :class:`Geometry` of ``cfg``'s AVOL-Net (``cfg.media`` sizes; the strides of its profile,
    ``variants.profile(cfg, "avol").ots``, unless given) on ``cfg``'s benchmark (``localization.cam_model.profile(cfg)``'s
    sizes, as notebook 04 builds it)."""
    media, bench = cfg.media, cam_model.profile(cfg).media
    avol = variants.profile(cfg, "avol").ots
    big, crop = bench.frame_size, bench.crop_size
    small, c = media.frame_size, media.crop_size
    scale = big / small
    start = scale * ((small - c) // 2) - (big - crop) // 2
    if start < -1e-9 or start + scale * c > crop + 1e-9:
        raise ValueError(f"AVOL-Net's view (benchmark pixels {start:g} .. {start + scale * c:g}) leaves the "
                         f"{crop}-pixel benchmark crop")
    fs = avol.first_stride if first_stride is None else int(first_stride)
    p = avol.pools if pools is None else int(pools)
    cells, cells_w = map_shape(c, c, pools=p, first_stride=fs)
    assert cells == cells_w
    return Geometry(bench_size=crop, input_size=c, start=float(start), scale=float(scale), cells=cells,
                    on_input=cell_geometry(fs, p))


def _area_weights(geo: Geometry) -> np.ndarray:
    """``[input_size, bench_size]``: input pixel ``i`` as the mean of the benchmark pixels under
    ``[start + scale · i, start + scale · (i + 1))`` (weighted by overlap)."""
    lo = geo.start + geo.scale * np.arange(geo.input_size)[:, None]
    hi = lo + geo.scale
    px = np.arange(geo.bench_size)[None, :]
    w = np.clip(np.minimum(hi, px + 1) - np.maximum(lo, px), 0, None)
    return (w / w.sum(axis=1, keepdims=True)).astype(np.float32)


def resample(frames: np.ndarray, geo: Geometry) -> np.ndarray:
    """Benchmark frames uint8 ``[..., S, S, 3]`` -> AVOL-Net's view uint8 ``[..., c, c, 3]`` (area resampling)."""
    if frames.shape[-3:] != (geo.bench_size, geo.bench_size, 3) or frames.dtype != np.uint8:
        raise ValueError(f"frames must be uint8 [..., {geo.bench_size}, {geo.bench_size}, 3], "
                         f"got {frames.dtype} {frames.shape}")
    w = _area_weights(geo)
    x = np.einsum("iy,...yxc->...ixc", w, frames.astype(np.float32))
    x = np.einsum("jx,...ixc->...ijc", w, x)
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def to_benchmark(cells: torch.Tensor | np.ndarray, geo: Geometry) -> torch.Tensor:
    """AVOL-Net maps ``[..., h, w]`` (cells) -> ``[..., S, S]`` on the benchmark's mask grid: bilinear between
    the cells' centres there, edge cells extended to the border (``localization.cam.upsample``)."""
    cells = torch.as_tensor(cells)
    if tuple(cells.shape[-2:]) != (geo.cells, geo.cells):
        raise ValueError(f"maps must be [..., {geo.cells}, {geo.cells}], got {tuple(cells.shape)}")
    return cam.upsample(cells.float(), geo.on_benchmark, geo.bench_size)


# ------------------------------------------------------------------------------------------------ AVOL-Net maps
def frame_indices(bench: Benchmark, n_frames: int = N_FRAMES) -> np.ndarray:
    """The frames AVOL-Net sees of each scene: ``n_frames`` spread evenly (rounded) over the frames whose
    centred 1-s window lies inside the scene's audio; ``n_frames=1``: the middle frame (or the nearest such)."""
    if n_frames < 1:
        raise ValueError(f"need at least one frame, got n_frames={n_frames}")
    t, n = bench.frames.shape[1], bench.audio.shape[-1]
    win = round(bench.sample_rate)  # 1 s, as every AVC input
    first = window_start(np.arange(t), bench.fps, bench.sample_rate, win)
    ok = np.flatnonzero((first >= 0) & (first + win <= n))
    if len(ok) == 0:
        raise ValueError(f"no frame of the {t}-frame scenes admits a centred 1-s window in {n} samples")
    if n_frames == 1:
        return np.array([ok[np.argmin(np.abs(ok - t // 2))]])
    return np.unique(np.rint(np.linspace(ok[0], ok[-1], n_frames)).astype(np.int64))


def _check_mirrors(mirrors: Sequence[tuple[int, ...]]) -> None:
    if not mirrors:
        raise ValueError("need at least one view (mirrors=((),) is the frames as they are)")
    for axes in mirrors:
        if any(a not in (-1, -2) for a in axes):
            raise ValueError(f"mirror axes must be -1 (left-right) or -2 (up-down), got {axes}")


def _image(frames: np.ndarray, geo: Geometry, axes: tuple[int, ...] = ()) -> torch.Tensor:
    """Benchmark frames uint8 ``[N, S, S, 3]``, mirrored along map ``axes`` (-1: left-right, -2: up-down; frame
    axes -2 / -3), -> AVOL-Net's ``image [N, 3, c, c]`` in [-1, 1] (:func:`resample`)."""
    if axes:
        frames = np.ascontiguousarray(np.flip(frames, axis=tuple(a - 1 for a in axes)))
    return frames_to_net(torch.from_numpy(resample(frames, geo))[:, None])[:, :, 0]


def inputs(bench: Benchmark, frame: int, geo: Geometry, scenes: slice | None = None,
           ) -> tuple[torch.Tensor, torch.Tensor]:
    """AVOL-Net's input for frame ``frame`` of the scenes: ``image [N, 3, c, c]`` in [-1, 1] (:func:`resample`)
    and ``spec [N, 1, F, T]``: the mono 1-s window centred on the frame (``ots.embed.inputs``' window)."""
    scenes = scenes or slice(None)
    sound = centred_sound(bench.audio[scenes], frame, bench.fps, bench.sample_rate)
    return _image(bench.frames[scenes, frame], geo), log_spectrogram(sound, bench.sample_rate)


@torch.no_grad()
def view_cells(model: nn.Module, bench: Benchmark, geo: Geometry, *, n_frames: int = N_FRAMES,
               mirrors: Sequence[tuple[int, ...]] = ((),), batch_size: int = 64,
               device: torch.device | None = None) -> torch.Tensor:
    """AVOL-Net's sigmoid maps ``[V, N, h, w]`` (its own cells, on the CPU) of each of ``mirrors``' views of the
    frames (the benchmark frames mirrored along those map axes), the mean over :func:`frame_indices`. Each
    frame's sound is cut and turned into a spectrogram once for all views.

    ``model``: an :class:`~avscene.ots.nets.AVOLNet` (or anything whose ``forward(image, spec)`` returns
    ``(prob [B], map [B, h, w])``), evaluated in eval mode and left in the mode it had."""
    _check_mirrors(mirrors)
    if bench.frames.shape[2] != geo.bench_size:
        raise ValueError(f"the benchmark's {bench.frames.shape[2]}-pixel frames are not the geometry's "
                         f"{geo.bench_size}")
    device = device or next(model.parameters()).device
    was = model.training
    model.eval()
    try:
        frames = frame_indices(bench, n_frames)
        total = torch.zeros(len(mirrors), len(bench), geo.cells, geo.cells)
        for k in frames:
            for first in range(0, len(bench), batch_size):
                sl = slice(first, first + batch_size)
                sound = centred_sound(bench.audio[sl], int(k), bench.fps, bench.sample_rate)
                spec = log_spectrogram(sound, bench.sample_rate).to(device)
                for v, axes in enumerate(mirrors):
                    _, prob_map = model(_image(bench.frames[sl, k], geo, axes).to(device), spec)
                    if tuple(prob_map.shape[-2:]) != (geo.cells, geo.cells):
                        raise ValueError(f"the model's map is {tuple(prob_map.shape[-2:])}, the geometry says "
                                         f"{geo.cells} x {geo.cells} (cfg.ots sizes?)")
                    total[v, sl] += prob_map.float().cpu()
    finally:
        model.train(was)
    return total / len(frames)


def cell_maps(model: nn.Module, bench: Benchmark, geo: Geometry, *, n_frames: int = N_FRAMES,
              batch_size: int = 64, device: torch.device | None = None) -> torch.Tensor:
    """AVOL-Net's sigmoid maps ``[N, h, w]`` of the frames as they are (:func:`view_cells`' one view)."""
    return view_cells(model, bench, geo, n_frames=n_frames, batch_size=batch_size, device=device)[0]


def avol_views(model: nn.Module, bench: Benchmark, geo: Geometry, *, n_frames: int = N_FRAMES,
               mirrors: Sequence[tuple[int, ...]] = MIRRORS, batch_size: int = 64,
               device: torch.device | None = None) -> np.ndarray:
    """Each view's map on the benchmark's mask grid, float32 ``[V, N, S, S]`` in [0, 1]: :func:`view_cells`, each
    view put on its mirrored grid (:func:`to_benchmark`) and mirrored back."""
    cells = view_cells(model, bench, geo, n_frames=n_frames, mirrors=mirrors, batch_size=batch_size, device=device)
    views = [to_benchmark(c, geo) for c in cells]
    return torch.stack([m.flip(list(axes)) if axes else m for m, axes in zip(views, mirrors)]).numpy().astype(
        np.float32)


def avol_maps(model: nn.Module, bench: Benchmark, geo: Geometry, *, n_frames: int = N_FRAMES,
              mirrors: Sequence[tuple[int, ...]] = MIRRORS, batch_size: int = 64,
              device: torch.device | None = None) -> np.ndarray:
    """AVOL-Net's maps on the benchmark's mask grid, float32 ``[N, S, S]`` in [0, 1]: the mean over ``mirrors``
    (default :data:`MIRRORS`; ``((),)``: one view) of :func:`avol_views`: for each, the benchmark frames are
    mirrored along those map axes, AVOL-Net's map of them is put on the mirrored grid and mirrored back (as
    notebook 04 averages the CAM model's mirrored view). Scored like every map by ``localization.metrics.score``."""
    return avol_views(model, bench, geo, n_frames=n_frames, mirrors=mirrors, batch_size=batch_size,
                      device=device).mean(axis=0)


# ------------------------------------------------------------------------------------------------ other methods
def cam_maps(cfg: Profile, model: nn.Module, bench: Benchmark, *, device: torch.device | None = None) -> np.ndarray:
    """The CAM model's map as notebook 04 scores it (``"CAM |abs|"``): ``localization.cam_clips`` at
    ``cfg.localization``'s dense levels and batch size, with the mirrored view, ``to_frames`` ``[N, S, S]``
    (on ``device``, default the model's)."""
    L = cfg.localization
    r = cam.cam_clips(model, bench.frames, bench.audio, dense_levels=L.dense_levels, batch_size=L.batch_size,
                      device=device, mirror=True)
    return cam.to_frames(r, bench.frames.shape[2]).numpy()


def baseline_maps(cfg: Profile, bench: Benchmark) -> dict[str, np.ndarray]:
    """Notebook 04's baselines on ``bench``: motion energy, the centre prior, random maps (seed ``cfg.seed``)."""
    s = bench.frames.shape[2]
    return {"motion energy": baselines.motion_energy(bench.frames),
            "centre prior": baselines.center_prior(len(bench), s),
            "random": baselines.random_maps((len(bench), s, s), seed=cfg.seed)}


# ------------------------------------------------------------------------------------------------ runs and tables
def _seeds(cfg: Profile, seeds: Iterable[int] | None) -> list[int]:
    return list(range(cfg.ots.seeds)) if seeds is None else [int(s) for s in seeds]


def _avol_model(cfg: Profile, seed: int, *, data: Any = None, device: torch.device | None = None) -> nn.Module:
    from .runs import train  # the training stack, only when a run is asked for

    model = train(cfg, "avol", seed, data=data, device=device).model
    if not isinstance(model, AVOLNet):
        raise TypeError(f"run ots/avol/seed{seed} holds a {type(model).__name__}, not an AVOLNet")
    return model


def _cam_model(cfg: Profile, device: torch.device | None) -> nn.Module:
    return cam_model.finetune(cfg, device=device).model.eval()


def benchmark(cfg: Profile, kind: str, n: int | None = None) -> Benchmark:
    """Notebook 04's benchmark of ``kind``: ``localization.build(cam_model.profile(cfg), kind, n)``."""
    return build(cam_model.profile(cfg), kind, n)


def scores(cfg: Profile, kind: str = "distractor", seed: int = 0, *, n: int | None = None,
           n_frames: int = N_FRAMES, mirrors: Sequence[tuple[int, ...]] = MIRRORS, model: nn.Module | None = None,
           bench: Benchmark | None = None, data: Any = None, device: torch.device | None = None) -> metrics.Scores:
    """AVOL-Net run ``ots/avol/seed<seed>``'s (or ``model``'s) :class:`~avscene.localization.metrics.Scores` on
    ``bench`` (default notebook 04's ``kind`` scenes, ``n`` of them): its :func:`avol_maps` against
    ``bench.gt_window()``, as every method is scored (``device``, ``data``: as :func:`compare`)."""
    device = device or runtime.pick_device()
    bench = bench if bench is not None else benchmark(cfg, kind, n)
    model = model if model is not None else _avol_model(cfg, seed, data=data, device=device)
    maps = avol_maps(model, bench, geometry(cfg), n_frames=n_frames, mirrors=mirrors)  # on the model's device
    return metrics.score(maps, bench.gt_window())


@dataclass
class Comparison:
    """Every method's maps on one benchmark: ``maps`` ``{method: float32 [N, S, S]}`` (AVOL-Net per seed,
    the CAM model, the baselines), for :meth:`scores` and side-by-side figures."""

    bench: Benchmark
    maps: dict[str, np.ndarray]

    def scores(self) -> dict[str, metrics.Scores]:
        """``{method: Scores}``: ``localization.metrics.score`` of each map against ``bench.gt_window()``."""
        gt = self.bench.gt_window()
        return {name: metrics.score(m, gt) for name, m in self.maps.items()}

    def choices(self) -> dict[str, float]:
        """``{method: share}``: :func:`object_choice` of each map, the share of scenes where it puts more on the
        sounding object than on the silent one."""
        return {name: float(object_choice(m, self.bench).mean()) for name, m in self.maps.items()}


def object_choice(maps: np.ndarray, bench: Benchmark) -> np.ndarray:
    """bool ``[N]``: the map's mean over the sounding object's pixels (``bench.gt_window()``) is above its mean over
    the silent object's (``bench.distractor_window()``): *which* object a map favours, wherever its peak falls.
    Every scene must show both (``ValueError`` otherwise: notebook 04's ``offscreen`` kinds have no silent object)."""
    gt, dis = bench.gt_window(), bench.distractor_window()
    maps = np.asarray(maps, dtype=np.float64)
    if maps.shape != gt.shape:
        raise ValueError(f"maps {maps.shape} do not match the benchmark's masks {gt.shape}")
    n_gt, n_dis = gt.sum(axis=(1, 2)), dis.sum(axis=(1, 2))
    if (n_gt == 0).any() or (n_dis == 0).any():
        raise ValueError(f"{int(((n_gt == 0) | (n_dis == 0)).sum())} scenes lack a sounding or a silent object")
    return (maps * gt).sum(axis=(1, 2)) / n_gt > (maps * dis).sum(axis=(1, 2)) / n_dis


def compare(cfg: Profile, kind: str, *, seeds: Iterable[int] | None = None, n: int | None = None,
            n_frames: int = N_FRAMES, avol: Mapping[int, nn.Module] | None = None, cam_net: nn.Module | None = None,
            data: Any = None, device: torch.device | None = None) -> Comparison:
    """Every method on notebook 04's ``kind`` scenes (``n`` of them; default ``cfg.localization.n_scenes``):
    AVOL-Net of each seed, four mirrored views and one view (default ``0 .. cfg.ots.seeds - 1``; the runs
    ``ots/avol/seed<k>`` unless ``avol``
    maps seeds to networks), the CAM model (run ``cam`` unless ``cam_net``), motion energy, the centre prior
    and random maps. ``device``: where networks obtained here go; each network's maps are computed where it
    is. ``data``: the AVOL runs' videos (``ots.runs.synthetic_data``), only needed to train one."""
    device = device or runtime.pick_device()
    bench = benchmark(cfg, kind, n)
    geo = geometry(cfg)
    maps: dict[str, np.ndarray] = {}
    for seed in _seeds(cfg, seeds):
        model = avol[seed] if avol is not None and seed in avol else _avol_model(cfg, seed, data=data, device=device)
        views = avol_views(model, bench, geo, n_frames=n_frames)  # on the model's device; MIRRORS[0] is ()
        maps[avol_name(seed)], maps[avol_name(seed, one_view=True)] = views.mean(axis=0), views[0]
    maps[CAM] = cam_maps(cfg, cam_net if cam_net is not None else _cam_model(cfg, device), bench)
    maps.update(baseline_maps(cfg, bench))
    return Comparison(bench, maps)


def comparisons(cfg: Profile, kinds: Sequence[str] = KINDS, *, seeds: Iterable[int] | None = None,
                n: int | None = None, n_frames: int = N_FRAMES, avol: Mapping[int, nn.Module] | None = None,
                cam_net: nn.Module | None = None, data: Any = None, device: torch.device | None = None,
                ) -> dict[str, Comparison]:
    """``{kind: Comparison}``: every method's maps on each of ``kinds`` (:func:`compare`), each network obtained
    once (found, fetched or trained: ``ots.runs.train``, ``localization.cam_model.finetune``); ``seeds``, ``n``,
    ``n_frames``, ``avol``, ``cam_net``, ``data``, ``device``: as :func:`compare`."""
    device = device or runtime.pick_device()
    seeds = _seeds(cfg, seeds)
    avol = dict(avol or {})
    for seed in seeds:
        if seed not in avol:
            avol[seed] = _avol_model(cfg, seed, data=data, device=device)
    cam_net = cam_net if cam_net is not None else _cam_model(cfg, device)
    return {kind: compare(cfg, kind, seeds=seeds, n=n, n_frames=n_frames, avol=avol, cam_net=cam_net, device=device)
            for kind in kinds}


def tabulate(comps: Mapping[str, Comparison]) -> dict[str, dict[str, metrics.Scores]]:
    """``{method: {kind: Scores}}`` of :func:`comparisons`."""
    out: dict[str, dict[str, metrics.Scores]] = {}
    for kind, c in comps.items():
        for name, s in c.scores().items():
            out.setdefault(name, {})[kind] = s
    return out


def choices(comps: Mapping[str, Comparison]) -> dict[str, dict[str, float]]:
    """``{method: {kind: share}}``: :meth:`Comparison.choices` of :func:`comparisons` (kinds with a silent object)."""
    out: dict[str, dict[str, float]] = {}
    for kind, c in comps.items():
        for name, v in c.choices().items():
            out.setdefault(name, {})[kind] = v
    return out


def table(cfg: Profile, kinds: Sequence[str] = KINDS, *, seeds: Iterable[int] | None = None, n: int | None = None,
          n_frames: int = N_FRAMES, avol: Mapping[int, nn.Module] | None = None, cam_net: nn.Module | None = None,
          data: Any = None, device: torch.device | None = None) -> dict[str, dict[str, metrics.Scores]]:
    """``{method: {kind: Scores}}`` for AVOL-Net per seed (``"AVOL-Net seed<k>"``, ``"AVOL-Net one view seed<k>"``),
    the CAM model (``"CAM |abs|"``), ``"motion energy"``, ``"centre prior"`` and ``"random"`` on each of ``kinds``:
    every method on the same scenes with the same functions as notebook 04 (:func:`comparisons`, :func:`tabulate`)."""
    return tabulate(comparisons(cfg, kinds, seeds=seeds, n=n, n_frames=n_frames, avol=avol, cam_net=cam_net,
                                data=data, device=device))


def rows(result: Mapping[str, Mapping[str, metrics.Scores]]) -> list[dict[str, Any]]:
    """A :func:`table` as rows for a data frame: ``method``, ``kind``, ``seed`` (AVOL-Net's, else None) and
    every ``Scores`` field."""
    out = []
    for method, per in result.items():
        seed = int(method.rsplit("seed", 1)[1]) if method.startswith(AVOL) else None
        out += [{"method": method, "kind": kind, "seed": seed, **s.as_dict()} for kind, s in per.items()]
    return out
