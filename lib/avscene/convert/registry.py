"""The converted original weights by name, ``original/<model>``, checksummed (step 14; notebook 09).

``register(file)`` copies a converted file (:func:`avscene.convert.convert.save`) into
``<cache>/original/<model>.pt`` and records it in ``<cache>/original/manifest.json`` (file, sha256, bytes, the
source checkpoint's files and their sha256, the training step): the same shape of manifest as ``make weights``
writes for our own runs. ``load("original/shift")`` checks the sha256 and loads the network; when the model
was never converted it says how to get it (``data_scripts/original_weights.py`` downloads the authors' zip and
converts all four). Nothing here touches the network.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..course import hub
from .convert import FORMAT, MODELS, ConversionError
from .convert import load as load_file

PREFIX = "original/"
MANIFEST = "manifest.json"
HOW_TO = ("download and convert the authors' released weights with `python data_scripts/original_weights.py` "
          "(a download of several hundred MB; it runs python -m avscene.convert on each), or convert a checkpoint "
          "you have with `python -m avscene.convert PREFIX --model {model} --out FILE.pt --register`")


def root() -> Path:
    """``<cache>/original`` (``$AVSCENE_CACHE``, see ``avscene.course.hub.cache_root``)."""
    return hub.cache_root() / "original"


def model_name(name: str) -> str:
    """``"original/shift"`` or ``"shift"`` -> ``"shift"``; ``ValueError`` for an unknown model."""
    model = name[len(PREFIX):] if name.startswith(PREFIX) else name
    if model not in MODELS:
        raise ValueError(f"unknown original model {name!r}; choose one of "
                         f"{', '.join(PREFIX + m for m in MODELS)}")
    return model


def manifest() -> dict[str, Any]:
    """The registry's manifest ``{"version": 1, "models": {model: entry}}`` (empty when nothing is registered)."""
    path = root() / MANIFEST
    if not path.exists():
        return {"version": 1, "models": {}}
    try:
        doc = json.loads(path.read_text())
    except ValueError as exc:
        raise hub.WeightsError(f"{path}: not a readable manifest of converted weights ({exc})") from exc
    doc.setdefault("models", {})
    return doc


def _write_manifest(doc: dict[str, Any]) -> None:
    path = root() / MANIFEST
    fd, tmp = tempfile.mkstemp(prefix=".manifest.", dir=path.parent)
    with os.fdopen(fd, "w") as fh:
        json.dump(doc, fh, indent=1, sort_keys=True)
    os.replace(tmp, path)


def register(file: str | Path) -> dict[str, Any]:
    """Copy the converted ``file`` into the registry under its model's name; returns its manifest entry."""
    file = Path(file)
    payload = torch.load(file, map_location="cpu", weights_only=True)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ConversionError(f"{file}: not a file written by python -m avscene.convert")
    model = payload["model"]
    root().mkdir(parents=True, exist_ok=True)
    target = root() / f"{model}.pt"
    if file.resolve() != target.resolve():
        fd, tmp = tempfile.mkstemp(prefix=f".{model}.", dir=root())
        os.close(fd)
        shutil.copyfile(file, tmp)
        os.replace(tmp, target)
    entry = {"file": target.name, "sha256": hub.sha256_file(target), "bytes": target.stat().st_size,
             "step": payload.get("step"), "source": payload.get("source", {})}
    doc = manifest()
    doc["models"][model] = entry
    _write_manifest(doc)
    return entry


def path(name: str) -> Path:
    """The registered, sha256-checked file of ``original/<model>``; ``WeightsError`` saying how to get it."""
    model = model_name(name)
    entry = manifest()["models"].get(model)
    target = root() / f"{model}.pt"
    if entry is None or not target.exists():
        raise hub.WeightsError(f"{PREFIX}{model}: not converted on this machine (looked in {root()}); "
                               + HOW_TO.format(model=model))
    actual = hub.sha256_file(target)
    if actual != entry["sha256"]:
        raise hub.WeightsError(f"{target}: sha256 {actual} differs from the registry's {entry['sha256']} "
                               f"(changed since it was registered); convert it again: " + HOW_TO.format(model=model))
    return target


def available() -> list[str]:
    """``original/<model>`` of every registered model whose file is present."""
    return [PREFIX + m for m in MODELS if m in manifest()["models"] and (root() / f"{m}.pt").exists()]


def load(name: str, map_location: str | torch.device = "cpu") -> tuple[nn.Module, dict[str, Any]]:
    """``load("original/shift")`` -> (the network in eval mode, its metadata: config, media, step, source)."""
    return load_file(path(name), map_location=map_location)
