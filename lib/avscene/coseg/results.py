"""Notebook 08's tables over seeds and its ``metrics.json`` keys (Zhao et al. 2018; Rouditchenko et al. 2019;
reference notes §3.4-3.5).

Inputs are :func:`avscene.coseg.experiment.measure`'s per-seed results and seed-free reference rows. dB values
stay dB; shares are fractions in [0, 1]; "over seeds" is mean ± sample std (``course.stats.mean_std``).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..course.stats import mean_std
from ..synthetic import CLASS_NAMES
from . import assign
from .evaluate import BssScores
from .experiment import SeedResult

__all__ = ["LABELS", "PAPER", "channels_distinct", "iou_per_class", "top_channel_share", "localization_rows", "markdown", "metrics",
           "separation_rows", "split_sdr"]

#: How the notebook names each method.
LABELS: dict[str, str] = {
    "sop": "Sound of Pixels (sigmoid)",
    "coseg": "co-segmentation (softmax)",
    "sop_no_frames": "Sound of Pixels, no frames (one-hot on the class's channel)",
    "coseg_no_frames": "co-segmentation, no frames (one-hot on the class's channel)",
    "oracle": "control: trained with the class as a one-hot visual vector",
    "nmf": "NMF, told the classes",
    "ibm": "ideal binary mask (oracle)",
}
#: Published SDR / SIR / SAR (dB), 2-source MUSIC mixtures (Zhao et al., *The Sound of Motions*, ICCV 2019,
#: Table 1, as transcribed in reference notes §3.4).
PAPER: dict[str, tuple[float, float, float]] = {"sop": (7.52, 13.01, 11.53), "nmf": (2.78, 6.70, 9.21)}


def split_sdr(s: BssScores, same_class: np.ndarray) -> dict[str, float]:
    """Mean SDR over the scored same-class and different-class mixtures (``same_class`` bool ``[M]`` of all
    held-out mixtures; NaN for an empty split)."""
    same = np.asarray(same_class, dtype=bool)
    same = same[s.kept] if s.kept is not None else same
    return {"same": float(s.sdr[same].mean()) if same.any() else float("nan"),
            "different": float(s.sdr[~same].mean()) if (~same).any() else float("nan")}


def separation_rows(results: Sequence[SeedResult], refs: Mapping[str, BssScores],
                    same_class: np.ndarray) -> list[dict[str, Any]]:
    """One row per method: SDR / SIR / SAR / NSDR means over the scored mixtures, as mean and std over seeds
    (the reference rows have one value), SDR on different- and same-class mixtures, the mixtures skipped, and
    the paper's SDR / SIR / SAR where it has the method."""
    rows = []
    names = [n for n in LABELS if n in results[0].bss] + [n for n in LABELS if n in refs]
    for name in names:
        per = [r.bss[name] for r in results] if name in results[0].bss else [refs[name]]
        row: dict[str, Any] = {"method": name, "label": LABELS[name], "seeds": len(per)}
        for key in ("sdr", "sir", "sar", "nsdr"):
            row[key], row[f"{key}_std"] = mean_std([p.mean()[key] for p in per])
        row["sdr_seeds"] = [p.mean()["sdr"] for p in per]
        splits = [split_sdr(p, same_class) for p in per]
        row["sdr_different"] = float(np.mean([s["different"] for s in splits]))
        row["sdr_same"] = float(np.mean([s["same"] for s in splits]))
        row["skipped"] = int(max(p.skipped for p in per))
        row["paper"] = PAPER.get(name)
        rows.append(row)
    return rows


def channels_distinct(results: Sequence[SeedResult], variant: str, how: str = "argmax") -> list[int]:
    """Per seed, how many categories got a channel of their own (:func:`avscene.coseg.assign.distinct_channels`)."""
    return [assign.distinct_channels(r.assignment[variant][how]) for r in results]


def top_channel_share(matrix: np.ndarray) -> float:
    """Mean over categories of the largest entry of its column of a softmax model's ``[K, C]`` matrix: how much of
    a category's visual vector (summing to 1) sits on one channel, 1 for a one-hot code."""
    return float(np.asarray(matrix).max(axis=0).mean())


def iou_per_class(results: Sequence[SeedResult], classes: np.ndarray, variant: str) -> dict[str, float]:
    """``{class name: IoU}``, the mean over seeds of each class's mean IoU over its objects in the duets
    (``classes`` int ``[S, 2]``, the scenes' object classes)."""
    out = {}
    for c in range(int(np.max(classes)) + 1):
        pick = np.asarray(classes) == c
        if pick.any():
            out[CLASS_NAMES[c]] = float(np.mean([r.iou[variant][pick].mean() for r in results]))
    return out


def localization_rows(results: Sequence[SeedResult], kinds: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``{variant: {kind: (pointing mean, std, per seed), "choice_<kind>": ...}}`` of the pixel sound maps."""
    out: dict[str, dict[str, Any]] = {}
    for v in results[0].localization:
        row: dict[str, Any] = {}
        for k in kinds:
            p = [r.localization[v][k].pointing for r in results]
            ch = [r.choice[v][k] for r in results]
            row[k] = (*mean_std(p), p)
            row[f"choice_{k}"] = (*mean_std(ch), ch)
        out[v] = row
    return out


def metrics(results: Sequence[SeedResult], refs: Mapping[str, BssScores], same_class: np.ndarray,
            scene_classes: np.ndarray, kinds: Sequence[str]) -> dict[str, Any]:
    """The ``metrics.json`` keys of issue 19 (means over seeds; ``_std`` and ``_seeds`` beside them) and more."""
    rows = {r["method"]: r for r in separation_rows(results, refs, same_class)}
    m: dict[str, Any] = {}
    for key in ("sdr", "sir", "sar", "nsdr"):
        m[f"{key}_sop"] = rows["sop"][key]
        m[f"{key}_sop_std"] = rows["sop"][f"{key}_std"]
        m[f"{key}_coseg"] = rows["coseg"][key]
    m["sdr_sop_seeds"] = rows["sop"]["sdr_seeds"]
    m["sdr_nmf"], m["sir_nmf"], m["sar_nmf"] = rows["nmf"]["sdr"], rows["nmf"]["sir"], rows["nmf"]["sar"]
    m["sdr_ibm"] = rows["ibm"]["sdr"]
    m["sdr_coseg_no_frames"] = rows["coseg_no_frames"]["sdr"]
    if "oracle" in rows:
        m["sdr_oracle"], m["sdr_oracle_std"] = rows["oracle"]["sdr"], rows["oracle"]["sdr_std"]
        m["sdr_oracle_seeds"] = rows["oracle"]["sdr_seeds"]
    m["sdr_coseg_no_frames_std"] = rows["coseg_no_frames"]["sdr_std"]
    m["sdr_sop_different_class"], m["sdr_sop_same_class"] = rows["sop"]["sdr_different"], rows["sop"]["sdr_same"]
    m["sdr_nmf_different_class"], m["sdr_nmf_same_class"] = rows["nmf"]["sdr_different"], rows["nmf"]["sdr_same"]
    m["sdr_sop_minus_nmf"] = m["sdr_sop"] - m["sdr_nmf"]
    for v in ("sop", "coseg"):
        ious = [float(r.iou[v].mean()) for r in results]
        m[f"iou_{v}"], m[f"iou_{v}_std"] = mean_std(ious)
        m[f"iou_{v}_seeds"] = ious
        m[f"channels_assigned_distinct_{v}_seeds"] = channels_distinct(results, v)
    m["iou_per_class_coseg"] = iou_per_class(results, scene_classes, "coseg")
    m["iou_per_class_sop"] = iou_per_class(results, scene_classes, "sop")
    m["channels_assigned_distinct"] = float(np.mean(m["channels_assigned_distinct_coseg_seeds"]))
    shares = [top_channel_share(r.matrix["coseg"]) for r in results]
    m["top_channel_share_coseg"], m["top_channel_share_coseg_seeds"] = float(np.mean(shares)), shares
    m["channels_assigned_distinct_sop"] = float(np.mean(m["channels_assigned_distinct_sop_seeds"]))
    loc = localization_rows(results, kinds)
    for v in ("sop", "coseg"):
        for k in kinds:
            m[f"pointing_{v}_{k}"], m[f"pointing_{v}_{k}_std"], m[f"pointing_{v}_{k}_seeds"] = loc[v][k]
            m[f"choice_{v}_{k}"] = loc[v][f"choice_{k}"][0]
    return {k: (float(v) if isinstance(v, (np.floating, np.integer)) else v) for k, v in m.items()}


def _fmt(mean: float, std: float | None = None, unit: str = "") -> str:
    if np.isnan(mean):
        return "–"
    return f"{mean:.2f}{unit}" + (f" ± {std:.2f}" if std else "")


def markdown(rows: Sequence[Mapping[str, Any]]) -> str:
    """The separation table (dB) with the paper's numbers beside ours."""
    lines = ["| method | SDR | SIR | SAR | NSDR | SDR, other-class mixtures | SDR, same-class | paper SDR / SIR / SAR "
             "(MUSIC) |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        paper = " / ".join(f"{x:.2f}" for x in r["paper"]) if r["paper"] else "–"
        lines.append(f"| {r['label']} | {_fmt(r['sdr'], r['sdr_std'])} | {_fmt(r['sir'], r['sir_std'])} | "
                     f"{_fmt(r['sar'], r['sar_std'])} | {_fmt(r['nsdr'], r['nsdr_std'])} | {_fmt(r['sdr_different'])} | "
                     f"{_fmt(r['sdr_same'])} | {paper} |")
    return "\n".join(lines)
