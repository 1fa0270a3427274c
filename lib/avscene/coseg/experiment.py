"""Everything notebook 08 measures, per seed and over seeds (Zhao et al. 2018; Rouditchenko et al. 2019;
reference notes §3.4-3.5).

:func:`measure` takes the runs ``coseg/sop/seed<k>`` and ``coseg/coseg/seed<k>`` (found, fetched or trained)
and scores, on the same held-out material for every seed:

* **separation** (:mod:`avscene.coseg.scores`, ``mir_eval``): Sound of Pixels, co-segmentation with frames and
  **without** (a one-hot visual vector on the channel assigned to each source's class), the ``oracle`` control
  (run ``coseg/oracle/seed<k>``: trained with the class as its one-hot visual vector, no image net), NMF told
  the classes, the ideal binary mask; SDR / SIR / SAR / NSDR per mixture, split by same- and different-class
  mixtures;
* **channels** (:mod:`avscene.coseg.segment`): the K × C matrix of mean visual activations on the labelled solo
  clips, before the switch (the sigmoid run) and after it (the softmax run at its final temperature), and its
  argmax and Hungarian assignments;
* **segmentation**: IoU of the assigned channel's thresholded pixel map with each object of the held-out duets
  (Hungarian assignment);
* **localization** (:mod:`avscene.coseg.localize`): pointing and "sounding object favoured" of the pixel sound
  maps on notebook 04's benchmark, scored by the same functions as CAM and AVOL-Net.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .. import runtime
from ..config import Profile
from ..localization import metrics as loc_metrics
from ..localization.benchmark import Benchmark
from ..ots import localize as ots_localize
from ..separation.runs import SeparationData
from ..synthetic import N_CLASSES
from . import assign, localize, runs, scores, segment
from .data import MixSeparateDataset
from .evaluate import BssScores
from .nets import SoundOfPixels

__all__ = ["CONTROLS", "KINDS", "Material", "SeedResult", "material", "measure", "measure_seed", "final_activation"]

KINDS = ("distractor", "same_class")


def final_activation(cfg: Profile, variant: str):
    """The visual activation a trained run ends with: the sigmoid, or the softmax at its last step's temperature."""
    return runs.task(cfg, variant).visual_activation(step=runs.final_step(cfg, variant))


@dataclass
class Material:
    """What every seed is scored on: the held-out mixtures, the labelled solo clips, the duet scenes, NMF's
    bases and notebook 04's benchmark scenes per kind."""

    held: scores.HeldOut
    solo_frames: np.ndarray
    solo_labels: np.ndarray
    scenes: segment.SegScenes
    bases: list[np.ndarray]
    benches: dict[str, Benchmark]
    n_classes: int = N_CLASSES


def material(cfg: Profile, data: SeparationData | None = None, *, kinds: Sequence[str] = KINDS) -> Material:
    """Cut everything once (:class:`Material`) at ``cfg.coseg``'s sizes."""
    c = cfg.coseg
    data = data or runs.synthetic_data(cfg)
    held = scores.held_out_set(runs.held_out(cfg, data), runs.task(cfg, "sop"))
    solo = MixSeparateDataset(data.train, 1, n_mix=1, frames=c.frames, frame_spacing=c.frame_spacing,
                              samples=c.samples, train=False, seed=cfg.seed)
    n_classes = int(max(np.max(data.train.classes), np.max(data.test.classes))) + 1
    frames, labels = segment.solo_clips(solo, data.train.classes, n_classes, c.solo_per_class)
    bases = scores.nmf_bases(solo, data.train.classes, n_classes, n_fft=c.n_fft, hop=c.hop,
                             components=c.nmf_components, clips=c.nmf_clips, seed=cfg.seed)
    scenes = segment.seg_scenes(cfg, runs.profile(cfg).media, c.seg_scenes)
    benches = {k: ots_localize.benchmark(cfg, k) for k in kinds}
    return Material(held, frames, labels, scenes, bases, benches, n_classes)


@dataclass
class SeedResult:
    """One seed's figures: ``bss`` ``{method: BssScores}``, ``matrix`` ``{variant: [K, C]}``, ``assignment``
    ``{variant: {"argmax" | "hungarian": [C]}}``, ``iou`` ``{variant: [S, 2]}``, ``maps`` ``{variant: {kind:
    [N, S, S]}}`` (the pixel sound maps) and ``localization`` ``{variant: {kind: Scores}}``, ``choice``
    ``{variant: {kind: share}}``."""

    seed: int
    bss: dict[str, BssScores]
    matrix: dict[str, np.ndarray]
    assignment: dict[str, dict[str, np.ndarray]]
    iou: dict[str, np.ndarray]
    maps: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    localization: dict[str, dict[str, loc_metrics.Scores]] = field(default_factory=dict)
    choice: dict[str, dict[str, float]] = field(default_factory=dict)


VARIANTS = ("sop", "coseg")
#: Runs scored for separation only: the ``oracle`` control (the class as a one-hot visual vector, no image net).
CONTROLS = ("oracle",)


def measure_seed(cfg: Profile, seed: int, mat: Material, *, models: dict[str, SoundOfPixels] | None = None,
                 data: SeparationData | None = None, device: torch.device | None = None) -> SeedResult:
    """Every figure of one seed (module doc), and the separation of the :data:`CONTROLS`; ``models``
    ``{variant: network}`` instead of the runs."""
    device = device or runtime.pick_device()
    models = dict(models or {})
    for v in VARIANTS:
        if v not in models:
            models[v] = runs.train(cfg, v, seed, data=data, device=device).model
    bss, matrix, assignment, ious, maps, loc, choice = {}, {}, {}, {}, {}, {}, {}
    for v in VARIANTS:
        model, act = models[v], final_activation(cfg, v)
        task = runs.task(cfg, v)
        task.on_step(runs.final_step(cfg, v))
        matrix[v] = segment.channel_matrix(model, act, mat.solo_frames, mat.solo_labels, mat.n_classes,
                                           per_location=task.per_location)
        assignment[v] = {"argmax": assign.assign_argmax(matrix[v]), "hungarian": assign.assign_hungarian(matrix[v])}
        bss[v] = scores.score(mat.held, scores.estimates(mat.held, scores.model_method(model, task)))
        if v == "coseg":  # separation by a category's channel, without frames (§3.5)
            bss[f"{v}_no_frames"] = scores.score(mat.held, scores.estimates(
                mat.held, scores.no_frames_method(model, task, assignment[v]["hungarian"])))
        ious[v] = segment.iou(segment.channel_maps(model, act, mat.scenes.frames), mat.scenes,
                              assignment[v]["hungarian"])
        maps[v] = {k: localize.sound_maps(cfg, model, task, act, b) for k, b in mat.benches.items()}
        loc[v] = {k: loc_metrics.score(m, mat.benches[k].gt_window()) for k, m in maps[v].items()}
        choice[v] = {k: float(ots_localize.object_choice(m, mat.benches[k]).mean()) for k, m in maps[v].items()}
    for v in CONTROLS:
        model = models[v] if v in models else runs.train(cfg, v, seed, data=data, device=device).model
        bss[v] = scores.score(mat.held, scores.estimates(mat.held, scores.no_frames_method(
            model, runs.task(cfg, v), np.arange(model.synth.channels))))
    return SeedResult(seed, bss, matrix, assignment, ious, maps, loc, choice)


def references(mat: Material) -> dict[str, BssScores]:
    """The seed-free rows: NMF told the classes, and the ideal binary mask."""
    return {"nmf": scores.score(mat.held, scores.estimates(mat.held, scores.nmf_method(mat.bases))),
            "ibm": scores.score(mat.held, scores.estimates(mat.held, scores.ibm_method()))}


def measure(cfg: Profile, seeds: Iterable[int] | None = None, *, data: SeparationData | None = None,
            mat: Material | None = None, device: torch.device | None = None) -> tuple[list[SeedResult], dict[str, Any]]:
    """:func:`measure_seed` for ``seeds`` (default ``0 .. cfg.coseg.seeds - 1``) and :func:`references`."""
    data = data or runs.synthetic_data(cfg)
    mat = mat or material(cfg, data)
    seeds = range(cfg.coseg.seeds) if seeds is None else seeds
    return [measure_seed(cfg, s, mat, data=data, device=device) for s in seeds], references(mat)
