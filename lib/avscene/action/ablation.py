"""The paper's action-recognition ablations on one action set, over fine-tuning seeds (Owens & Efros §5;
notebook 05).

* :func:`table`: at the few-label budget (``cfg.action.labels_per_class``), the rows shift-pretrained ·
  scratch · audio zeroed · random-video negatives · linear probe, each fine-tuned with the same recipe,
  budget and seeds;
* :func:`curve`: pretrained vs scratch over labels per class (``cfg.action.curve``; its last entry, at
  least ``train_per_class``, means all labels);
* :func:`probes`: trained from scratch on all labels, a single-frame probe and an audio-only probe beside
  the full model, which measure what the action set asks of a network;
* :func:`metrics`: ``figures/05_action_recognition/metrics.json``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..config import Profile
from .finetune import ActionData, finetune, test_accuracy

#: table rows in order: variant, label, the paper's figure on UCF-101 (split 1; §5)
ROWS: tuple[tuple[str, str, str], ...] = (
    ("pretrained", "shift-pretrained (ours)", "82.1 %"),
    ("scratch", "from scratch", "14 points below"),
    ("audio_zeroed", "audio zeroed (pretrained, sound off)", "5 points below"),
    ("random_negatives", "pretrained with random-video negatives", "78.7 % (vs 84.2 % shifted)"),
    ("linear_probe", "linear probe on frozen shift features", "not reported"),
)


def budget(cfg: Profile, per_class: int) -> int | None:
    """``per_class`` as a run asks for it: ``None`` (all labels) from ``train_per_class`` up."""
    return None if per_class >= cfg.action.train_per_class else per_class


def accuracies(cfg: Profile, variant: str, per_class: int, *, data: ActionData | None = None) -> list[float]:
    """Test accuracy of ``variant`` at ``per_class`` labels per class, one per fine-tuning seed."""
    return [test_accuracy(finetune(cfg, variant, budget(cfg, per_class), seed, data=data))
            for seed in range(cfg.action.seeds)]


def table(cfg: Profile, *, data: ActionData | None = None) -> dict[str, list[float]]:
    """``{variant: [accuracy per seed]}`` for the rows of ``ROWS`` at the few-label budget."""
    return {variant: accuracies(cfg, variant, cfg.action.labels_per_class, data=data) for variant, _, _ in ROWS}


def curve(cfg: Profile, *, data: ActionData | None = None) -> list[tuple[int, list[float], list[float]]]:
    """``[(labels per class, pretrained accuracies, scratch accuracies)]`` over ``cfg.action.curve``."""
    return [(n, accuracies(cfg, "pretrained", n, data=data), accuracies(cfg, "scratch", n, data=data))
            for n in cfg.action.curve]


def probes(cfg: Profile, *, data: ActionData | None = None) -> dict[str, list[float]]:
    """From scratch on all labels: ``full`` (frames and sound), ``single_frame`` and ``audio_only``."""
    n = cfg.action.train_per_class
    return {"full": accuracies(cfg, "scratch", n, data=data),
            "single_frame": accuracies(cfg, "single_frame", n, data=data),
            "audio_only": accuracies(cfg, "audio_only", n, data=data)}


def mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for one value)."""
    v = np.asarray(values, dtype=float)
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0


def markdown(rows: dict[str, list[float]], cfg: Profile) -> str:
    """The ablation table beside the paper's, as markdown: mean ± std over seeds, the points each row lies
    from the pretrained one, and every seed."""
    base = float(np.mean(rows["pretrained"]))
    header = (f"| row ({cfg.action.labels_per_class} labels per class, {cfg.action.seeds} seeds) | accuracy | "
              "vs pretrained | seeds | paper (UCF-101) |")
    lines = [header, "|---|---|---|---|---|"]
    for variant, label, paper in ROWS:
        m, s = mean_std(rows[variant])
        delta = "" if variant == "pretrained" else f"{100 * (m - base):+.1f} points"
        seeds = " / ".join(f"{100 * a:.1f}" for a in rows[variant])
        lines.append(f"| {label} | {100 * m:.1f} ± {100 * s:.1f} % | {delta} | {seeds} | {paper} |")
    return "\n".join(lines)


def metrics(cfg: Profile, rows: dict[str, list[float]], points: list[tuple[int, list[float], list[float]]],
            probe: dict[str, list[float]]) -> dict[str, Any]:
    """The keys of ``figures/05_action_recognition/metrics.json`` (fractions in [0, 1])."""
    mean = {k: float(np.mean(v)) for k, v in rows.items()}
    return {
        "labels_per_class": cfg.action.labels_per_class,
        "acc_pretrained": mean["pretrained"], "acc_scratch": mean["scratch"],
        "acc_audio_zeroed": mean["audio_zeroed"], "acc_random_negatives": mean["random_negatives"],
        "acc_linear_probe": mean["linear_probe"],
        "acc_pretrained_seeds": [float(a) for a in rows["pretrained"]],
        "acc_scratch_seeds": [float(a) for a in rows["scratch"]],
        "acc_pretrained_std": mean_std(rows["pretrained"])[1], "acc_scratch_std": mean_std(rows["scratch"])[1],
        "gain_pretrained_over_scratch": mean["pretrained"] - mean["scratch"],
        "acc_single_frame_probe": float(np.mean(probe["single_frame"])),
        "acc_audio_only_probe": float(np.mean(probe["audio_only"])),
        "acc_full_all_labels": float(np.mean(probe["full"])),
        "curve": [[int(n), float(np.mean(p)), float(np.mean(s))] for n, p, s in points],
        "seeds": cfg.action.seeds,
    }
