"""The Objects-that-Sound variants of notebook 07 and the profile each trains at (Arandjelović & Zisserman,
ECCV 2018; reference notes §2).

==============  ==========  ===========================================================
variant         network     training pairs
==============  ==========  ===========================================================
ave             AVE-Net     honest AVC pairs (one code path for positives and negatives)
avol            AVOL-Net    honest AVC pairs, in AVOL-Net's own world (``cfg.ots.avol``)
l3              L³-Net      honest AVC pairs
ave_shortcut    AVE-Net     the cautionary tale: the negatives' sound through another
                            decoder (``AVCDataset(shortcut=True)``)
==============  ==========  ===========================================================

:func:`profile` gives the profile a variant lives at: ``cfg`` itself for every variant but AVOL-Net, which
changes what ``cfg.ots.avol`` (``config.AvolSpec``) says: its videos' world, shares of duets and of silent objects, its map's pools (it must
localise on notebook 04's benchmark, whose scenes show a silent object beside the sounding one anywhere in the
frame) and its steps. Its run key, its training and held-out videos and its geometry on the benchmark all follow
from that profile. No training stack here (``avscene.ots.localize`` imports this at module level).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ..config import Profile

__all__ = ["VARIANTS", "Variant", "get", "net_kwargs", "profile"]


@dataclass(frozen=True)
class Variant:
    """Which network (``"ave"``, ``"avol"``, ``"l3"``) and whether its training negatives take the shortcut
    pipeline."""

    name: str
    net: str
    shortcut: bool = False


VARIANTS: dict[str, Variant] = {v.name: v for v in (
    Variant("ave", "ave"),
    Variant("avol", "avol"),
    Variant("l3", "l3"),
    Variant("ave_shortcut", "ave", shortcut=True),
)}


def get(variant: str) -> Variant:
    """The :class:`Variant` named ``variant`` (``ValueError`` naming the choices otherwise)."""
    try:
        return VARIANTS[variant]
    except KeyError:
        raise ValueError(f"unknown variant {variant!r}; choose one of {', '.join(VARIANTS)}") from None


def profile(cfg: Profile, variant: str) -> Profile:
    """The profile ``variant`` trains and is measured at: ``cfg``, except that AVOL-Net takes ``cfg.ots.avol``'s
    world (``difficulty``, ``p_duet``, ``p_silent``), ``pools`` and ``steps`` where they are set."""
    v, o = get(variant), cfg.ots
    if v.net != "avol":
        return cfg
    a = o.avol
    changes: dict[str, Any] = {}
    if a.difficulty is not None:
        changes["difficulty"] = a.difficulty
    if a.p_duet is not None:
        changes["p_duet"] = a.p_duet
    if a.p_silent is not None:
        changes["p_silent"] = a.p_silent
    if a.pools is not None:
        changes["pools"] = a.pools
    if a.steps is not None:
        changes["train"] = dataclasses.replace(o.train, steps=a.steps)
    return cfg.replace(ots=dataclasses.replace(o, **changes)) if changes else cfg


def net_kwargs(cfg: Profile, variant: str) -> dict[str, Any]:
    """Constructor arguments of ``variant``'s network beyond the shared sizes: AVOL-Net's ``normalize`` and
    ``scale_init`` (``cfg.ots.avol``); nothing for the others."""
    a = cfg.ots.avol
    return {"normalize": a.normalize, "scale_init": a.scale_init} if get(variant).net == "avol" else {}
