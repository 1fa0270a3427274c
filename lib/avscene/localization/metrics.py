"""Localization metrics against ground-truth sounding-object masks (notebook 04; reference notes §5).

Any model's heat maps plug in: :func:`score` takes maps ``[..., H, W]`` (one per clip, or per frame:
leading dimensions are flattened into samples) and ground truth of the same shape, binary or weighted
in [0, 1] (a weighted map plays the role of the annotators' consensus map in cIoU).

* **Pointing game** (Zhang et al. 2016): a hit when the map's peak lands on the ground truth
  (``G >= 0.5`` there). Ties go to the first peak in row-major order.
* **cIoU** (Senocak et al. 2018, as in the LVS / EZ-VSL code): min-max normalise the map, binarise it
  into ``P``, then ``cIoU = Σ(P·G) / (ΣG + Σ P·[G = 0])``. The binarisation threshold matters and the
  two codebases' conventions differ, so it is a parameter: ``threshold=0.5`` (default here: half the
  map's range above its minimum, a fixed value) or ``threshold="median"`` (LVS / EZ-VSL: the top 50 %
  of pixels; fair only when sounding objects fill about half the frame, as in VGG-SS, not for our small
  synthetic objects, where it caps cIoU near the object's share of the frame).
* **cIoU@0.5**: the share of samples with ``cIoU >= 0.5``.
* **AUC**: area under the success curve (``t``, share of samples with ``cIoU >= t``) for
  ``t = 0, 0.05, ..., 1`` by the trapezoidal rule (``sklearn.metrics.auc``); 1 for perfect maps,
  0.025 for maps with cIoU 0 everywhere (every cIoU is ``>= 0``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

AUC_THRESHOLDS = np.round(np.arange(0, 21) * 0.05, 2)  # 0, 0.05, ..., 1.0
CHUNK = 1024  # samples scored at a time by :func:`score`


def _flat(x: np.ndarray | torch.Tensor, name: str) -> torch.Tensor:
    t = torch.as_tensor(np.ascontiguousarray(x) if not isinstance(x, torch.Tensor) else x).detach().cpu()
    if t.dim() < 2:
        raise ValueError(f"{name} must be [..., H, W], got shape {tuple(t.shape)}")
    return t.reshape(-1, t.shape[-2] * t.shape[-1]).float()


def _normalize_flat(flat: torch.Tensor) -> torch.Tensor:
    lo, hi = flat.min(dim=1, keepdim=True).values, flat.max(dim=1, keepdim=True).values
    return (flat - lo) / (hi - lo).clamp_min(1e-12)


def _binarize_flat(flat: torch.Tensor, threshold: float | str) -> torch.Tensor:
    """``[S, P]`` maps -> bool ``[S, P]`` (see :func:`binarize`)."""
    n = _normalize_flat(flat)
    if threshold == "median":
        k = n.shape[1] // 2  # as ``np.sort(pred.flatten())[int(H * W / 2)]``
        thr = n.sort(dim=1).values[:, k:k + 1]
    elif isinstance(threshold, (int, float)) and 0 <= threshold <= 1:
        thr = torch.full((n.shape[0], 1), float(threshold), dtype=n.dtype)
    else:
        raise ValueError(f"threshold must be a number in [0, 1] or 'median', got {threshold!r}")
    return n > thr


def normalize(maps: np.ndarray | torch.Tensor) -> torch.Tensor:
    """Min-max normalise each map ``[..., H, W]`` to [0, 1] (a constant map becomes all zeros)."""
    return _normalize_flat(_flat(maps, "maps")).reshape(np.shape(maps))


def binarize(maps: np.ndarray | torch.Tensor, threshold: float | str = 0.5) -> torch.Tensor:
    """``P`` bool ``[..., H, W]``: each min-max normalised map ``> threshold`` (a float in [0, 1]) or,
    with ``"median"``, the LVS / EZ-VSL rule as coded: ``> sorted(map)[H*W // 2]`` (just under half the
    pixels)."""
    return _binarize_flat(_flat(maps, "maps"), threshold).reshape(np.shape(maps))


def pointing(maps: np.ndarray | torch.Tensor, gt: np.ndarray | torch.Tensor) -> np.ndarray:
    """Pointing-game hits bool ``[S]``: ``gt`` at the argmax of each map is ``>= 0.5``."""
    m, g = _pair(maps, gt)
    peak = m.argmax(dim=1)
    return (g.gather(1, peak[:, None])[:, 0] >= 0.5).numpy()


def peak_places(maps: np.ndarray | torch.Tensor, gt: np.ndarray | torch.Tensor,
                silent: np.ndarray | torch.Tensor) -> dict[str, np.ndarray]:
    """Where each map's peak lands (notebook 04's failure analysis): bool ``[S]`` masks ``"sounding"``
    (on ``gt``), ``"silent"`` (on ``silent`` but not ``gt``) and ``"background"`` (on neither), which
    partition the samples, and the peak's ``"row"`` and ``"col"`` (int ``[S]``)."""
    m, g = _pair(maps, gt)
    _, d = _pair(maps, silent)
    peak = m.argmax(dim=1)
    on_gt = (g.gather(1, peak[:, None])[:, 0] >= 0.5).numpy()
    on_silent = (d.gather(1, peak[:, None])[:, 0] >= 0.5).numpy() & ~on_gt
    width = np.shape(maps)[-1]
    return {"sounding": on_gt, "silent": on_silent, "background": ~on_gt & ~on_silent,
            "row": (peak // width).numpy(), "col": (peak % width).numpy()}


def ciou(maps: np.ndarray | torch.Tensor, gt: np.ndarray | torch.Tensor,
         threshold: float | str = 0.5) -> np.ndarray:
    """cIoU float ``[S]`` per sample (module doc); ``gt`` binary or weighted in [0, 1]."""
    m, g = _pair(maps, gt)
    p = _binarize_flat(m, threshold).float()
    inter = (p * g).sum(dim=1)
    denom = g.sum(dim=1) + (p * (g == 0)).sum(dim=1)
    return (inter / denom.clamp_min(1e-12)).double().numpy()


def auc(cious: np.ndarray) -> float:
    """Area under the success curve of ``cious [S]`` over ``AUC_THRESHOLDS`` (trapezoidal)."""
    c = np.asarray(cious, dtype=np.float64)
    success = (c[None, :] >= AUC_THRESHOLDS[:, None] - 1e-12).mean(axis=1)
    return float(np.sum((success[1:] + success[:-1]) / 2 * np.diff(AUC_THRESHOLDS)))


@dataclass
class Scores:
    """One method's localization scores over ``n`` samples (shares in [0, 1])."""

    pointing: float
    ciou: float  # mean cIoU at ``threshold``
    ciou_at_05: float  # share of samples with cIoU >= 0.5
    auc: float
    ciou_median: float  # mean cIoU with the LVS / EZ-VSL median binarisation, for comparison
    n: int

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def score(maps: np.ndarray | torch.Tensor, gt: np.ndarray | torch.Tensor, threshold: float = 0.5) -> Scores:
    """Every metric for maps ``[..., H, W]`` against ground truth ``[..., H, W]`` (same shape).

    Samples whose ground truth is empty (no on-screen sounding pixels) cannot be scored and raise.
    """
    m, g = _pair(maps, gt)
    empty = (g.max(dim=1).values < 0.5).nonzero()[:, 0]
    if len(empty):
        raise ValueError(f"{len(empty)} samples (first: {int(empty[0])}) have no ground-truth pixel >= 0.5; "
                         "score only samples with an on-screen sounding object")
    h, w = np.shape(maps)[-2:]
    m, g = m.reshape(-1, h, w), g.reshape(-1, h, w)
    hits, c, cm = [], [], []
    for first in range(0, len(m), CHUNK):  # bounded memory for per-frame scoring of many clips
        mc, gc = m[first:first + CHUNK], g[first:first + CHUNK]
        hits.append(pointing(mc, gc))
        c.append(ciou(mc, gc, threshold))
        cm.append(ciou(mc, gc, "median"))
    c = np.concatenate(c)
    return Scores(pointing=float(np.concatenate(hits).mean()), ciou=float(c.mean()),
                  ciou_at_05=float((c >= 0.5).mean()), auc=auc(c),
                  ciou_median=float(np.concatenate(cm).mean()), n=int(len(m)))


def table(rows: dict[str, Scores]) -> str:
    """A plain-text table of several methods' :class:`Scores` (percentages)."""
    head = ("method", "pointing %", "cIoU %", "cIoU@0.5 %", "AUC %", "cIoU(median) %", "n")
    body = [(k, f"{100 * s.pointing:.1f}", f"{100 * s.ciou:.1f}", f"{100 * s.ciou_at_05:.1f}",
             f"{100 * s.auc:.1f}", f"{100 * s.ciou_median:.1f}", str(s.n)) for k, s in rows.items()]
    widths = [max(len(r[i]) for r in (head, *body)) for i in range(len(head))]
    return "\n".join("  ".join(v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(zip(r, widths)))
                     for r in (head, *body))


def _pair(maps: np.ndarray | torch.Tensor, gt: np.ndarray | torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Maps and ground truth ``[..., H, W]`` of one shape -> float64 ``[S, H*W]`` each."""
    ms, gs = tuple(np.shape(maps)), tuple(np.shape(gt))
    if ms != gs:
        raise ValueError(f"maps and ground truth differ in shape: {ms} vs {gs}")
    return _flat(maps, "maps"), _flat(gt, "gt")
