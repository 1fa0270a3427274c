"""Notebook 07's results over seeds: AVC accuracy, retrieval and localization tables, their markdown, and the
``metrics.json`` keys (Arandjelović & Zisserman 2018, §3-§5; reference notes §2.6-§2.7).

Every function takes the base profile and obtains each run once (found, fetched or trained:
:func:`avscene.ots.runs.train`); AVOL-Net lives at its own profile (:func:`avscene.ots.variants.profile`), so its
AVC accuracy and retrieval are measured on held-out videos of its world. Values are fractions in [0, 1];
"over seeds" means one value per seed ``0 .. cfg.ots.seeds - 1``, reported as mean ± std.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..config import Profile
from ..course.stats import mean_std
from ..localization.metrics import Scores
from . import embed, localize
from .figures import DIRECTION_LABELS
from .runs import avc_accuracy
from .variants import VARIANTS

__all__ = [
    "LABELS",
    "PAPER_CLAIMS",
    "avc",
    "chance",
    "choice",
    "markdown_avc",
    "markdown_pointing",
    "markdown_retrieval",
    "mean_std",
    "metrics",
    "over_seeds",
    "pointing",
    "retrieval",
    "seeds",
]

#: How the notebook names each variant.
LABELS: dict[str, str] = {"ave": "AVE-Net", "avol": "AVOL-Net", "l3": "L³-Net", "ave_shortcut": "AVE-Net (shortcut)"}
#: The paper's claims notebook 07 sets its measurements beside (Arandjelović & Zisserman 2018, from the seed
#: summaries and reference notes §2.6; the notes mark the exact AVC and nDCG@30 values "to verify", so no number
#: of theirs is typed here).
PAPER_CLAIMS: dict[str, str] = {
    "avc": "AVE-Net and AVOL-Net match or beat L³-Net on AVC, all around 80 % on AudioSet-Instruments",
    "retrieval": "AVE-Net's aligned embeddings retrieve across modalities (image→audio, audio→image); "
                 "L³-Net's features cannot be compared across modalities",
    "localization": "AVOL-Net localizes the object that sounds from one frame and the sound, without motion",
    "shortcut": "negatives prepared differently from positives let the network cheat: high AVC accuracy, "
                "nothing learned",
}
_DIRECTION_KEYS = {"im2im": "im_im", "im2aud": "im_aud", "aud2im": "aud_im", "aud2aud": "aud_aud"}


def seeds(cfg: Profile) -> list[int]:
    """The profile's run seeds: ``0 .. cfg.ots.seeds - 1``."""
    return list(range(cfg.ots.seeds))


def avc(cfg: Profile, variants: Iterable[str] = tuple(VARIANTS)) -> dict[str, list[float]]:
    """Held-out AVC accuracy over seeds: ``{variant: [acc per seed]}`` on honest pairs, plus
    ``"ave_shortcut on shortcut pairs"`` when ``ave_shortcut`` is among ``variants`` (where it looks good)."""
    out = {v: [avc_accuracy(cfg, v, k) for k in seeds(cfg)] for v in variants}
    if "ave_shortcut" in out:
        out["ave_shortcut on shortcut pairs"] = [avc_accuracy(cfg, "ave_shortcut", k, shortcut=True)
                                                 for k in seeds(cfg)]
    return out


def retrieval(cfg: Profile, variants: Iterable[str] = tuple(VARIANTS)) -> dict[str, list[dict[str, dict[str, float]]]]:
    """Held-out retrieval over seeds: ``{variant: [embed.retrieval_table per seed]}`` (each
    ``{direction: {"ndcg30", "recall1", "recall5", "recall10"}}``)."""
    return {v: [embed.retrieval_table(cfg, v, k) for k in seeds(cfg)] for v in variants}


def chance(cfg: Profile) -> dict[str, dict[str, float]]:
    """The random-embedding baseline on the shared retrieval set (``embed.random_table``)."""
    return embed.random_table(cfg)


def over_seeds(tables: Sequence[Mapping[str, Mapping[str, float]]], direction: str, metric: str = "ndcg30",
               ) -> list[float]:
    """One retrieval figure per seed: ``[tables[k][direction][metric] for k]``."""
    return [float(t[direction][metric]) for t in tables]


def _seeded(result: Mapping[str, Any], method: str) -> list[str]:
    """The table's rows of ``method``: AVOL-Net's per seed, any other method's own."""
    return sorted(n for n in result if n.startswith(method + " seed")) if method.startswith(localize.AVOL) else [method]


def pointing(result: Mapping[str, Mapping[str, Scores]], method: str, kind: str) -> list[float]:
    """Pointing of ``method`` on ``kind`` from a ``localize.table``: AVOL-Net's ``"AVOL-Net"`` (four views) or
    ``"AVOL-Net one view"`` give one value per seed; any other method one value."""
    names = _seeded(result, method)
    if not names or names[0] not in result:
        raise KeyError(f"no {method} rows in the table")
    return [float(result[n][kind].pointing) for n in names]


def _pm(values: Sequence[float], scale: float = 100.0, digits: int = 1) -> str:
    m, s = mean_std(values)
    return f"{scale * m:.{digits}f} ± {scale * s:.{digits}f}" if len(values) > 1 else f"{scale * m:.{digits}f}"


def markdown_avc(acc: Mapping[str, Sequence[float]]) -> str:
    """The AVC table in markdown (% mean ± std over seeds, and per seed)."""
    lines = ["| network | held-out AVC accuracy (%) | per seed |", "|---|---|---|"]
    for name, values in acc.items():
        base = name.split(" ")[0]
        label = LABELS.get(base, base)
        if base == "ave_shortcut":
            label += ", on its shortcut pairs" if name != base else ", on honest pairs"
        per = " / ".join(f"{100 * v:.1f}" for v in values)
        lines.append(f"| {label} | {_pm(values)} | {per} |")
    return "\n".join(lines)


def markdown_retrieval(tables: Mapping[str, Sequence[Mapping[str, Mapping[str, float]]]],
                       random: Mapping[str, Mapping[str, float]], metric: str = "ndcg30") -> str:
    """The retrieval table in markdown: rows = variants (and random embeddings), columns = the four directions;
    ``metric`` mean ± std over seeds; L³-Net's cross-modal cells marked "not comparable"."""
    dirs = [d for d, _, _ in embed.DIRECTIONS]
    lines = ["| embeddings | " + " | ".join(DIRECTION_LABELS[d] for d in dirs) + " |", "|---|" + "---|" * len(dirs)]
    for v, ts in tables.items():
        cells = []
        for d in dirs:
            cell = _pm(over_seeds(ts, d, metric), scale=1.0, digits=3)
            cells.append(cell if embed.comparable(v, d) else f"({cell}: not comparable)")
        lines.append(f"| {LABELS.get(v, v)} | " + " | ".join(cells) + " |")
    lines.append("| random embeddings | " + " | ".join(f"{random[d][metric]:.3f}" for d in dirs) + " |")
    return "\n".join(lines)


def choice(choices: Mapping[str, Mapping[str, float]], method: str, kind: str) -> list[float]:
    """The share of scenes where ``method``'s map favours the sounding object (``localize.choices``): one value
    per seed for AVOL-Net (``"AVOL-Net"``, ``"AVOL-Net one view"``), one for any other method."""
    names = _seeded(choices, method)
    if not names or names[0] not in choices:
        raise KeyError(f"no {method} rows in the table")
    return [float(choices[n][kind]) for n in names]


def markdown_pointing(result: Mapping[str, Mapping[str, Scores]], kinds: Sequence[str] = localize.KINDS,
                      choices: Mapping[str, Mapping[str, float]] | None = None) -> str:
    """The localization table in markdown: pointing (%) per method and benchmark kind, AVOL-Net as mean ± std
    over seeds (four mirrored views, and one view), the others once; cIoU beside it, and with ``choices``
    (``localize.choices``) the share of scenes whose map favours the sounding object over the silent one."""
    methods = [localize.AVOL, f"{localize.AVOL} one view", localize.CAM, *localize.BASELINES]
    cols = ["pointing", "cIoU"] + (["sounding > silent"] if choices is not None else [])
    head = "| method | " + " | ".join(f"{c} {k.replace('_', ' ')} (%)" for k in kinds for c in cols) + " |"
    lines = [head, "|---|" + "---|" * (len(cols) * len(kinds))]
    for m in methods:
        cells = []
        for k in kinds:
            cells += [_pm(pointing(result, m, k)), _pm([float(result[n][k].ciou) for n in _seeded(result, m)])]
            if choices is not None:
                cells.append(_pm(choice(choices, m, k)))
        label = {localize.AVOL: "AVOL-Net (four mirrored views)", f"{localize.AVOL} one view": "AVOL-Net (one view)",
                 localize.CAM: "CAM of the shift network (notebook 04)"}.get(m, m)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def metrics(acc: Mapping[str, Sequence[float]], tables: Mapping[str, Sequence[Mapping[str, Mapping[str, float]]]],
            random: Mapping[str, Mapping[str, float]], loc: Mapping[str, Mapping[str, Scores]],
            choices: Mapping[str, Mapping[str, float]] | None = None) -> dict[str, Any]:
    """The keys notebook 07's issue names (means over seeds, fractions in [0, 1]) and more: ``avc_acc_{l3,ave,avol}``,
    ``ndcg30_{im_im,im_aud,aud_im,aud_aud}_ave``, ``recall1_aud_im_ave``, ``shortcut_avc_acc`` (on its shortcut
    pairs), ``shortcut_honest_avc_acc``, ``shortcut_ndcg30_aud_im``, ``pointing_{avol,cam,motion}_{distractor,
    same_class}`` (AVOL-Net: four mirrored views; ``pointing_avol_one_view_*`` the single view), with ``choices``
    ``choice_*`` (the share of scenes whose map favours the sounding object), each with ``_std`` and per-seed
    ``_seeds`` where there are seeds, plus the random baseline's ``random_ndcg30_*``."""
    out: dict[str, Any] = {}

    def put(key: str, values: Sequence[float]) -> None:
        m, s = mean_std(values)
        out[key], out[f"{key}_std"], out[f"{key}_seeds"] = m, s, [float(v) for v in values]

    for v in ("l3", "ave", "avol"):
        if v in acc:
            put(f"avc_acc_{v}", acc[v])
    if "ave_shortcut" in acc:
        put("shortcut_honest_avc_acc", acc["ave_shortcut"])
        put("shortcut_avc_acc", acc["ave_shortcut on shortcut pairs"])
    for v, suffix in (("ave", "ave"), ("avol", "avol"), ("l3", "l3")):
        if v not in tables:
            continue
        for d, key in _DIRECTION_KEYS.items():
            put(f"ndcg30_{key}_{suffix}", over_seeds(tables[v], d))
            put(f"recall1_{key}_{suffix}", over_seeds(tables[v], d, "recall1"))
    if "ave_shortcut" in tables:
        put("shortcut_ndcg30_aud_im", over_seeds(tables["ave_shortcut"], "aud2im"))
        put("shortcut_ndcg30_im_aud", over_seeds(tables["ave_shortcut"], "im2aud"))
    for d, key in _DIRECTION_KEYS.items():
        out[f"random_ndcg30_{key}"] = float(random[d]["ndcg30"])
        out[f"random_recall1_{key}"] = float(random[d]["recall1"])
    names = {"avol": localize.AVOL, "avol_one_view": f"{localize.AVOL} one view", "cam": localize.CAM,
             "motion": "motion energy", "centre": "centre prior", "random": "random"}
    for key, method in names.items():
        for kind in localize.KINDS:
            for what, values in (("pointing", pointing(loc, method, kind)),
                                 ("choice", choice(choices, method, kind) if choices is not None else None)):
                if values is None:
                    continue
                if len(values) > 1:
                    put(f"{what}_{key}_{kind}", values)
                else:
                    out[f"{what}_{key}_{kind}"] = values[0]
    return out
