"""The paper's action-recognition ablations on one action set, over fine-tuning seeds (Owens & Efros §5;
notebook 05).

* :func:`table`: at the few-label budget (``cfg.action.labels_per_class``), the rows shift-pretrained ·
  scratch · audio zeroed · random-video negatives · linear probe, each fine-tuned with the same recipe,
  budget and seeds;
* :func:`curve`: pretrained vs scratch over labels per class (``cfg.action.curve``; its last entry, at
  least ``train_per_class``, means all labels);
* :func:`probes`: trained from scratch on all labels, a single-frame probe and an audio-only probe beside
  the full model, which measure what the action set asks of a network (for ``probe_steps``: from scratch
  the network needs a few hundred steps before it sees any motion);
* :func:`metrics`: ``figures/05_action_recognition/metrics.json``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..config import Profile
from ..synthetic.datasets import ACTION_DESIGNS, ACTION_FACTORS, ACTION_OBJECTS, actions
from .data import ActionDataset
from .finetune import VARIANTS, ActionData, finetune, synthetic_data, test_accuracy
from .task import ActionTask, predict

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


def accuracies(cfg: Profile, variant: str, per_class: int, *, data: ActionData | None = None,
               steps: int | None = None) -> list[float]:
    """Test accuracy of ``variant`` at ``per_class`` labels per class, one per fine-tuning seed (``steps``:
    see :func:`avscene.action.finetune.finetune`)."""
    return [test_accuracy(finetune(cfg, variant, budget(cfg, per_class), seed, data=data, steps=steps))
            for seed in range(cfg.action.seeds)]


def table(cfg: Profile, *, data: ActionData | None = None) -> dict[str, list[float]]:
    """``{variant: [accuracy per seed]}`` for the rows of ``ROWS`` at the few-label budget."""
    return {variant: accuracies(cfg, variant, cfg.action.labels_per_class, data=data) for variant, _, _ in ROWS}


def curve(cfg: Profile, *, data: ActionData | None = None) -> list[tuple[int, list[float], list[float]]]:
    """``[(labels per class, pretrained accuracies, scratch accuracies)]`` over ``cfg.action.curve``."""
    return [(n, accuracies(cfg, "pretrained", n, data=data), accuracies(cfg, "scratch", n, data=data))
            for n in cfg.action.curve]


def probe_steps(cfg: Profile) -> int:
    """Steps of the action set's check: ``cfg.action.probe_steps``, else the recipe's."""
    return cfg.action.probe_steps or cfg.action.finetune.steps


def probes(cfg: Profile, *, data: ActionData | None = None) -> dict[str, list[float]]:
    """The action set's check, from scratch on all labels for :func:`probe_steps` steps: ``full`` (frames
    and sound), ``single_frame`` and ``audio_only``."""
    n, steps = cfg.action.train_per_class, probe_steps(cfg)
    return {"full": accuracies(cfg, "scratch", n, data=data, steps=steps),
            "single_frame": accuracies(cfg, "single_frame", n, data=data, steps=steps),
            "audio_only": accuracies(cfg, "audio_only", n, data=data, steps=steps)}


def factor_names(design: str) -> tuple[str, str, str]:
    """What an action of ``design`` is made of: ``("object", factor 1, factor 2)`` (``ACTION_DESIGNS``)."""
    return ("object", *ACTION_DESIGNS[design])


def factor_accuracy(labels: np.ndarray, predicted: np.ndarray, design: str) -> dict[str, float]:
    """For labels and predictions ``[V]`` of a synthetic action set of ``design``: the share of videos whose
    predicted action has the right object, the right value of factor 1 and of factor 2 (chance: 1/3, 1/2,
    1/2), which says *what* a network learned where its accuracy alone cannot."""
    parts = np.array(actions(design), dtype=object)  # [K, 3]
    return {name: float((parts[predicted, k] == parts[labels, k]).mean())
            for k, name in enumerate(factor_names(design))}


def factors(cfg: Profile, variants: tuple[str, ...] = tuple(v for v, _, _ in ROWS), *,
            per_class: int | None = None, data: ActionData | None = None) -> dict[str, dict[str, list[float]]]:
    """``{variant: {factor: [accuracy per seed]}}`` on the synthetic test videos at ``per_class`` labels per
    class (default: the few-label budget), each run seeing the test clips as it was trained to."""
    data = data or synthetic_data(cfg)
    per_class = per_class or cfg.action.labels_per_class
    test = ActionDataset(data.test, np.arange(len(data.test)), cfg, train=False)
    out: dict[str, dict[str, list[float]]] = {}
    for variant in variants:
        v = VARIANTS[variant]
        for seed in range(cfg.action.seeds):
            model = finetune(cfg, variant, budget(cfg, per_class), seed, data=data).model
            probs, labels = predict(model, test, ActionTask(v.view, v.use_sound))
            for name, acc in factor_accuracy(labels, probs.argmax(1), cfg.action.design).items():
                out.setdefault(variant, {}).setdefault(name, []).append(acc)
    return out


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


def factor_markdown(table: dict[str, dict[str, list[float]]], design: str) -> str:
    """:func:`factors` as markdown: one row per variant, mean ± std over seeds of each factor, chance below."""
    names = factor_names(design)
    label = {v: text for v, text, _ in ROWS}
    lines = ["| row | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for variant, by in table.items():
        cells = [f"{100 * m:.1f} ± {100 * s:.1f} %" for m, s in (mean_std(by[n]) for n in names)]
        lines.append(f"| {label.get(variant, variant)} | " + " | ".join(cells) + " |")
    chance = (1 / len(ACTION_OBJECTS), *(1 / len(ACTION_FACTORS[f]) for f in ACTION_DESIGNS[design]))
    lines.append("| chance | " + " | ".join(f"{100 * c:.1f} %" for c in chance) + " |")
    return "\n".join(lines)


def metrics(cfg: Profile, rows: dict[str, list[float]], points: list[tuple[int, list[float], list[float]]],
            probe: dict[str, list[float]], factor: dict[str, dict[str, list[float]]] | None = None) -> dict[str, Any]:
    """The keys of ``figures/05_action_recognition/metrics.json`` (fractions in [0, 1]); with :func:`factors`,
    also ``factors`` (variant -> factor -> mean) and ``sync_gain`` (pretrained minus scratch on factor 1)."""
    mean = {k: float(np.mean(v)) for k, v in rows.items()}
    extra: dict[str, Any] = {}
    if factor:
        extra["factors"] = {v: {n: float(np.mean(x)) for n, x in by.items()} for v, by in factor.items()}
        first = factor_names(cfg.action.design)[1]
        if "pretrained" in factor and "scratch" in factor:
            extra["sync_gain"] = extra["factors"]["pretrained"][first] - extra["factors"]["scratch"][first]
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
        "acc_full_all_labels_seeds": [float(a) for a in probe["full"]],
        "probe_steps": probe_steps(cfg), "finetune_steps": cfg.action.finetune.steps,
        "curve": [[int(n), float(np.mean(p)), float(np.mean(s))] for n, p, s in points],
        "seeds": cfg.action.seeds,
        **extra,
    }
