"""The measured table of notebook 06: every separation variant over seeds on the same held-out mixtures
(Owens & Efros §6; reference notes §1.7).

* :func:`table`: per variant (``runs.VARIANTS``), one :func:`avscene.separation.task.evaluate` result per
  seed, scored with the mixture's phase; ``"irm"``, the ideal-ratio-mask oracle, once (it has no seeds);
* :func:`bss`: ``mir_eval`` SDR/SIR/SAR of a variant's runs on the first ``pairs`` test pairs (BSS-eval
  takes about 0.3 s an example on a CPU, so not on every mixture);
* :func:`gap`: the full model's same-class SI-SDRi minus the single-frame model's, with a bootstrap 95 %
  interval over test mixtures (``scipy.stats.bootstrap``);
* :func:`markdown`, :func:`metrics`: the table beside the paper's and ``figures/06_separation/metrics.json``.

Every figure is split into **same-class** mixtures (two objects of one kind: only the motion tells which
sound is on screen, the paper's "two persons of the same gender") and **different-class** ones.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..config import Profile
from ..course.stats import mean_std
from .runs import (
    VARIANTS,
    SeparationData,
    held_out,
    oracle_scores,
    scores,
    synthetic_data,
    train,
)
from .task import SeparationTask, evaluate, separate

SPLITS = ("same", "diff")
#: table rows: variant, label, the paper's loss (VoxCeleb2, its units; §6)
ROWS: tuple[tuple[str, str, str], ...] = (
    ("full", "full video (shift-pretrained)", "11.4"),
    ("single_frame", "single frame", "14.8"),
    ("scratch", "video net not pretrained", "— (I3D features: 12.3)"),
    ("pit", "audio only, PIT", "—"),
    ("irm", "ideal ratio mask (oracle)", "—"),
)
Scores = dict[str, np.ndarray]


def split_mask(result: Scores, split: str) -> np.ndarray:
    """Examples of ``split``: ``"same"`` (same-class mixtures), ``"diff"`` or ``"all"`` -> bool ``[E]``."""
    same = np.asarray(result["same_class"], dtype=bool)
    return {"same": same, "diff": ~same, "all": np.ones_like(same)}[split]


def split_mean(result: Scores, key: str, split: str) -> float:
    """The mean of ``result[key]`` over the examples of ``split`` (NaN rows, e.g. silent sources, skipped)."""
    values = np.asarray(result[key], dtype=np.float64)[split_mask(result, split)]
    return float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")


def table(cfg: Profile, *, data: SeparationData | None = None) -> dict[str, list[Scores]]:
    """Variant -> one score dict per seed (``cfg.separation.seeds``), each run found, fetched or trained;
    plus ``"irm"`` (one entry: the oracle is deterministic)."""
    data = data or synthetic_data(cfg)
    out = {v: [scores(cfg, v, k, data=data) for k in range(cfg.separation.seeds)] for v in VARIANTS}
    out["irm"] = [oracle_scores(cfg, data=data)]
    return out


def bss(cfg: Profile, variant: str, pairs: int, *, data: SeparationData | None = None) -> list[Scores]:
    """``mir_eval`` BSS-eval of every seed's run of ``variant`` on the first ``pairs`` held-out pairs (both
    views): per seed ``sdr``, ``sir``, ``sar`` ``[2 × pairs, 2]`` (on-, off-screen source) and ``same_class``."""
    data = data or synthetic_data(cfg)
    test = held_out(cfg, data)
    first = torch.utils.data.Subset(test, range(min(pairs, len(test))))
    task = SeparationTask(pit=VARIANTS[variant].pit)
    return [evaluate(train(cfg, variant, k, data=data).model, first, task, bss=True)  # type: ignore[arg-type]
            for k in range(cfg.separation.seeds)]


def over_seeds(results: list[Scores], key: str, split: str, column: int | None = None) -> list[float]:
    """Per seed, the mean of ``key`` over ``split`` (``column``: one source of an ``[E, 2]`` key)."""
    picked = results if column is None else [{**r, key: np.asarray(r[key])[:, column]} for r in results]
    return [split_mean(r, key, split) for r in picked]


def per_pair(results: list[Scores], key: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Each test mixture of ``split`` once: ``(pair ids [M], key averaged over its two views and the seeds [M])``."""
    keep = split_mask(results[0], split)
    mean = np.mean([np.asarray(r[key], dtype=np.float64) for r in results], axis=0)[keep]  # over seeds
    ids, which = np.unique(np.asarray(results[0]["pair"])[keep], return_inverse=True)
    return ids, np.bincount(which, weights=mean, minlength=len(ids)) / np.bincount(which, minlength=len(ids))


def _bootstrap_mean(x: np.ndarray, confidence: float, resamples: int, seed: int) -> tuple[float, float, float]:
    from scipy.stats import bootstrap

    if len(x) == 0:
        return float("nan"), float("nan"), float("nan")
    if len(x) < 2 or np.ptp(x) == 0:
        return float(x.mean()), float("nan"), float("nan")
    ci = bootstrap((x,), np.mean, confidence_level=confidence, n_resamples=resamples, method="BCa",
                   random_state=np.random.default_rng(seed)).confidence_interval
    return float(x.mean()), float(ci.low), float(ci.high)


def interval(results: list[Scores], key: str = "sisdri", split: str = "same", *, confidence: float = 0.95,
             resamples: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """``(mean, low, high)`` of ``key`` over the test mixtures of ``split`` (each averaged over its views and
    the seeds), the interval a BCa bootstrap over mixtures (``scipy.stats.bootstrap``)."""
    return _bootstrap_mean(per_pair(results, key, split)[1], confidence, resamples, seed)


def gap(a: list[Scores], b: list[Scores], *, key: str = "sisdri", split: str = "same", confidence: float = 0.95,
        resamples: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """``a`` minus ``b`` on ``key`` over the test mixtures of ``split``: ``(mean, low, high)``.

    Both are lists of per-seed results on the same held-out mixtures. Each mixture's figure is averaged over
    its two views and over seeds and the paired differences are resampled by mixture (BCa bootstrap): the
    interval says how much the test set's draw could move the gap; the seeds' own spread is reported beside it."""
    ids_a, xa = per_pair(a, key, split)
    ids_b, xb = per_pair(b, key, split)
    if not np.array_equal(ids_a, ids_b):
        raise ValueError("the two variants were not scored on the same test mixtures")
    return _bootstrap_mean(xa - xb, confidence, resamples, seed)


def markdown(results: dict[str, list[Scores]]) -> str:
    """The table of notebook 06: per row the loss (ours, normalised units; the paper's), SI-SDRi and on/off
    assignment on same- and different-class mixtures, each mean ± std over seeds."""
    def cell(values: list[float], scale: float = 1.0, digits: int = 2) -> str:
        if not values or not np.isfinite(values).all():
            return "—"
        m, s = mean_std([scale * v for v in values])
        return f"{m:.{digits}f}" if len(values) == 1 else f"{m:.{digits}f} ± {s:.{digits}f}"

    lines = ["| variant | loss (ours) | loss (paper) | SI-SDRi same (dB) | SI-SDRi diff (dB) | on/off right, same (%) "
             "| on/off right, diff (%) |", "|---|---|---|---|---|---|---|"]
    for v, label, paper in ROWS:
        r = results[v]
        l1 = cell(over_seeds(r, "l1", "all"), digits=3) if "l1" in r[0] else "—"
        assign = (["—", "—"] if VARIANTS.get(v) is None or VARIANTS[v].pit
                  else [cell(over_seeds(r, "assign", s), 100, 1) for s in SPLITS])
        lines.append(f"| {label} | {l1} | {paper} | {cell(over_seeds(r, 'sisdri', 'same'))} "
                     f"| {cell(over_seeds(r, 'sisdri', 'diff'))} | {assign[0]} | {assign[1]} |")
    return "\n".join(lines)


def metrics(results: dict[str, list[Scores]], full_bss: list[Scores], pit_bss: list[Scores],
            gap_same: tuple[float, float, float]) -> dict[str, Any]:
    """The keys of ``figures/06_separation/metrics.json`` (dB as dB, fractions in [0, 1], means over seeds):
    ``sisdri_<variant>_<same|diff>`` (irm included), ``assign_<full|single_frame|scratch>_<same|diff>``,
    ``sdr_full``/``sir_full``/``sar_full`` (on-screen source, ``mir_eval`` without permutation, all mixtures
    of :func:`bss`), the same for PIT with permutation, ``l1_<variant>`` (all mixtures), the same-class gap
    with its interval, and every per-seed list."""
    m: dict[str, Any] = {}
    for v in (*VARIANTS, "irm"):
        for s in SPLITS:
            seeds = over_seeds(results[v], "sisdri", s)
            m[f"sisdri_{v}_{s}"] = mean_std(seeds)[0]
            m[f"sisdri_{v}_{s}_seeds"] = seeds
    for v in ("full", "single_frame", "scratch"):
        for s in SPLITS:
            seeds = over_seeds(results[v], "assign", s)
            m[f"assign_{v}_{s}"] = mean_std(seeds)[0]
            m[f"assign_{v}_{s}_seeds"] = seeds
    for v in VARIANTS:
        m[f"l1_{v}"] = mean_std(over_seeds(results[v], "l1", "all"))[0]
        for s in SPLITS:
            m[f"l1_{v}_{s}"] = mean_std(over_seeds(results[v], "l1", s))[0]
    for name, runs_bss in (("full", full_bss), ("pit", pit_bss)):
        for key in ("sdr", "sir", "sar"):
            seeds = over_seeds(runs_bss, key, "all", column=0)
            m[f"{key}_{name}"] = mean_std(seeds)[0]
            m[f"{key}_{name}_seeds"] = seeds
    m["bss_examples"] = int(len(full_bss[0]["same_class"]))
    m["pit_output0_on_screen"] = mean_std([1.0 - float(np.mean(r["swapped"])) for r in results["pit"]])[0]
    m["gap_sisdri_same"], m["gap_sisdri_same_low"], m["gap_sisdri_same_high"] = gap_same
    m["gap_sisdri_same_seeds"] = [a - b for a, b in zip(m["sisdri_full_same_seeds"], m["sisdri_single_frame_same_seeds"])]
    m["test_mixtures"] = int(len(results["full"][0]["same_class"]))
    m["test_mixtures_same"] = int(np.sum(results["full"][0]["same_class"]))
    return m


@torch.no_grad()
def waveforms(cfg: Profile, variant: str, seed: int, pairs: list[int], *, data: SeparationData | None = None,
              phase: str = "mixture") -> dict[str, np.ndarray]:
    """The held-out ``pairs`` through the run of ``variant`` and ``seed``, both views (example ``v · k + i`` is
    pair ``pairs[i]`` with its video ``v`` on screen): mono ``mixture``, ``on``, ``off`` (the sources) and
    the outputs ``est_on``, ``est_off``, each ``[2k, samples]``; ``frames`` uint8 ``[2k, T, c, c, 3]`` (the
    on-screen clip). PIT outputs are put in the order that matches the sources best (its loss's choice)."""
    from .data import collate, to_device

    data = data or synthetic_data(cfg)
    test = held_out(cfg, data)
    model = train(cfg, variant, seed, data=data).model
    task = SeparationTask(pit=VARIANTS[variant].pit, phase=phase)
    raw = collate([test[int(p)] for p in pairs])
    batch = to_device(raw, next(model.parameters()).device)
    est_on, est_off, _, _ = separate(model, batch, task)
    n = model.samples
    mono = {k: batch[k].mean(dim=1)[:, :n].cpu().numpy() for k in ("mixture", "on", "off")}
    return {**mono, "est_on": est_on.cpu().numpy(), "est_off": est_off.cpu().numpy(), "frames": raw["frames"].numpy()}
