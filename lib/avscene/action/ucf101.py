"""UCF-101 as labelled sources for action recognition (Owens & Efros §5; notebook 05's real-data path).

Input: the folder ``data_scripts/ucf101.py`` prepares, whose ``ucf101.csv`` lists every video with
``path,label,label_index,split1,split2,split3`` (``label_index`` 0-based, each split ``train`` / ``test``).
:func:`load` gives the official split ``k`` as ``ActionData(name="ucf101-split<k>-<hash>", train, test,
class_names)`` (``avscene.action.finetune``) and a :class:`Report`:

1. every listed video is probed once (``avscene.datasets.scan``, cached next to the csv; no audio needed);
2. each usable video of split ``k`` is decoded once into the clip cache (``avscene.io.ClipCache``, at the
   profile's fps, sample rate and frame size), in parallel processes. About half of UCF-101's videos have
   no audio track: the cache stores their frames with an all-zero int16 audio track of the frames'
   length (``ClipCache.build(silent_ok=True)``; ``meta.json`` ``"has_audio": false``); they read as
   silence and their ``has_audio`` is ``False``;
3. a video is skipped, and named in the report with its reason, when it is missing, unreadable, truncated
   (the probe's checks, which also catch a cut AVI that decodes as a shorter, valid-looking video),
   fails to decode into the cache (``cache_failed``), has no class in ``classInd.txt`` (``no_label``), or holds fewer
   than ``cfg.action.clip_frames`` frames at the profile's fps (``too_short``).

Disk: the cache holds raw frames: at the ``gpu`` profile (256-px short side, 29.97 fps) UCF-101's 27 h
take about 0.75 TB, so point ``cache_dir`` (``--cache``) at a large disk.
"""
from __future__ import annotations

import csv
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..config import Profile
from ..datasets import scan
from ..datasets import skipped as skips
from ..datasets.sources import CacheSource
from ..io import ClipCache, MediaInfo
from .finetune import ActionData

CSV_NAME = "ucf101.csv"
PARTS = ("train", "test")
#: skipped videos listed by name in :meth:`Report.lines` (all of them go to the report's csv)
SHOWN = 20


class LabelledCacheSource(CacheSource):
    """Cached real videos with labels: ``labels`` int64 ``[V]``, ``has_audio`` bool ``[V]`` (``False``: the
    file has no audio track and its cached audio int16 ``[C, N]`` is zeros), ``n_frames`` int64 ``[V]``,
    ``read(v) -> (frames uint8 [F, H, W, 3], audio int16 [C, N])`` (memory maps)."""

    def __init__(self, cache: ClipCache, sources: Sequence[str | Path], labels: Sequence[int],
                 has_audio: Sequence[bool]) -> None:
        super().__init__(cache, sources)
        self.labels = np.asarray(labels, dtype=np.int64)
        self.has_audio = np.asarray(has_audio, dtype=bool)
        if not len(self.labels) == len(self.has_audio) == len(self.sources):
            raise ValueError(f"{len(self.sources)} videos, {len(self.labels)} labels, "
                             f"{len(self.has_audio)} has_audio flags")


@dataclass
class Report:
    """What :func:`load` made of one split: videos listed and used per part, the silent ones among the
    used, and every skipped video (``path``, ``part``, ``reason``, ``message``)."""

    csv: str
    split: int
    classes: int
    cache: str
    listed: dict[str, int] = field(default_factory=dict)
    used: dict[str, int] = field(default_factory=dict)
    silent: dict[str, int] = field(default_factory=dict)
    skipped: list[dict[str, str]] = field(default_factory=list)
    skipped_csv: str | None = None

    def skip_counts(self) -> dict[str, int]:
        """``{reason: videos}`` over both parts."""
        return skips.counts(self.skipped)

    def lines(self, shown: int = SHOWN) -> list[str]:
        """The report as text: counts per part, silent videos, skips by reason, the first ``shown`` skipped
        videos by name."""
        out = [f"UCF-101 split {self.split} ({self.csv}; {self.classes} classes; cache {self.cache})"]
        for part in PARTS:
            out.append(f"  {part}: {self.used.get(part, 0)} of {self.listed.get(part, 0)} listed videos used, "
                       f"{self.silent.get(part, 0)} of them without an audio track (fed silence)")
        return out + skips.lines(self.skipped, shown, self.skipped_csv)

    def to_dict(self) -> dict[str, Any]:
        """The counts (not the skipped list) for a JSON result line."""
        return {"split": self.split, "classes": self.classes, "listed": self.listed, "used": self.used,
                "silent": self.silent, "skipped": self.skip_counts(), "skipped_csv": self.skipped_csv}


# ---------------------------------------------------------------- the csv
def index_csv(root: str | Path) -> Path:
    """``root/ucf101.csv`` (``root`` may also be the csv itself); ``FileNotFoundError`` saying how to make it."""
    root = Path(root)
    path = root if root.is_file() else root / CSV_NAME
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no UCF-101 index; prepare the data first with "
                                f"`python data_scripts/ucf101.py --out {root}`")
    return path


def _absolute(csv_path: Path, rel: str) -> str:
    """A csv row's video path as ``avscene.datasets.scan`` spells it (relative to the csv's folder)."""
    p = Path(rel)
    return str(p if p.is_absolute() else csv_path.parent / p)


def read_index(csv_path: Path, split: int) -> tuple[list[dict[str, str]], tuple[str, ...]]:
    """The csv's rows (``path`` made absolute) and the class names by ``label_index``; ``ValueError``
    naming the file and row for a missing column or a split value other than train / test / empty."""
    column = f"split{split}"
    with open(csv_path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        need = {"path", "label", "label_index", column}
        if not reader.fieldnames or not need <= set(reader.fieldnames):
            raise ValueError(f"{csv_path}: needs the columns {', '.join(sorted(need))}, has {reader.fieldnames}")
        rows = []
        for line, row in enumerate(reader, start=2):
            if row[column] not in ("train", "test", ""):
                raise ValueError(f"{csv_path}:{line}: {column} is {row[column]!r}, not train / test")
            try:
                row["label_index"] = str(int(row["label_index"]))
            except ValueError:
                raise ValueError(f"{csv_path}:{line}: label_index {row['label_index']!r} is not an integer") from None
            rows.append({**row, "rel": row["path"], "path": _absolute(csv_path, row["path"])})
    names: dict[int, str] = {}
    for row in rows:
        i = int(row["label_index"])
        if i >= 0 and names.setdefault(i, row["label"]) != row["label"]:
            raise ValueError(f"{csv_path}: label_index {i} names both {names[i]!r} and {row['label']!r}")
    if not names:
        raise ValueError(f"{csv_path}: no video has a class (label_index >= 0)")
    return rows, tuple(names.get(i, f"class{i}") for i in range(max(names) + 1))


# ---------------------------------------------------------------- decoding into the clip cache
def _too_short(path: str, frames: int, fps: float, clip_frames: int) -> dict[str, str]:
    return {"reason": "too_short",
            "message": f"{path}: {frames} frames at {fps:g} fps, fewer than a {clip_frames}-frame clip"}


def prepare(cache: ClipCache, infos: dict[str, MediaInfo], clip_frames: int, *,
            workers: int | None = None) -> dict[str, dict[str, Any]]:
    """Decode every ``{path: probe}`` into ``cache`` once (``ClipCache.build_all``, parallel; a file without
    sound gets silence), unless the probe already says it holds fewer than ``clip_frames`` frames; returns
    per path ``{"n_frames": T}`` or ``{"reason": ..., "message": ...}``."""
    out: dict[str, dict[str, Any]] = {}
    for path, info in infos.items():
        frames = math.floor(info.av_duration * cache.fps + 1e-6)
        if frames < clip_frames:
            out[path] = _too_short(path, frames, cache.fps, clip_frames)
    failures = cache.build_all([p for p in infos if p not in out], workers=workers, silent_ok=True)
    for path in infos:
        if path in out:
            continue
        if path in failures:
            out[path] = {"reason": "cache_failed", "message": failures[path]}
            continue
        n = int(cache.open(path).frames.shape[0])
        out[path] = _too_short(path, n, cache.fps, clip_frames) if n < clip_frames else {"n_frames": n}
    return out


# ---------------------------------------------------------------- the split
def videos_hash(train: Sequence[str], test: Sequence[str]) -> str:
    """12 hex characters of the sha1 of the sorted training and test paths (relative to the csv): the
    run's name and settings key change when other videos are used (a video fixed or newly broken)."""
    text = "\n".join(sorted(train)) + "\n--test--\n" + "\n".join(sorted(test))
    return hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()[:12]


def load(cfg: Profile, root: str | Path, split: int = 1, *, cache_dir: str | Path | None = None,
         workers: int | None = None, verbose: bool = True) -> tuple[ActionData, Report]:
    """UCF-101's official split ``split`` (1-3) for ``cfg``: ``ActionData`` whose ``train`` / ``test`` are
    :class:`LabelledCacheSource`s (frames at ``cfg.media``'s fps and frame size, audio at its sample rate;
    silent videos read as zeros with ``has_audio`` False), and the :class:`Report` (written to
    ``<cache>/ucf101-split<k>.skipped.csv``). ``cache_dir`` defaults to ``<root>/.avscene-cache-<profile>``.
    ``ValueError`` when a part keeps no video."""
    if split not in (1, 2, 3):
        raise ValueError(f"UCF-101 has the official splits 1, 2 and 3, not {split}")
    csv_path = index_csv(root)
    rows, class_names = read_index(csv_path, split)
    column = f"split{split}"
    cache = ClipCache.from_profile(Path(cache_dir) if cache_dir else csv_path.parent / f".avscene-cache-{cfg.name}",
                                   cfg)
    index = scan(csv_path, min_duration=0.0, require_audio=False, workers=workers, verbose=verbose)
    probed = {e.path: e.info for e in index}
    scan_skips = {s["path"]: s for s in index.skipped}
    report = Report(str(csv_path), split, len(class_names), str(cache.root), listed={p: 0 for p in PARTS})
    wanted = [r for r in rows if r[column]]
    todo: dict[str, MediaInfo] = {}
    for r in wanted:
        report.listed[r[column]] += 1
        if r["path"] in scan_skips:
            s = scan_skips[r["path"]]
            report.skipped.append({"path": r["path"], "part": r[column], "reason": s["reason"], "message": s["message"]})
        elif int(r["label_index"]) < 0:
            report.skipped.append({"path": r["path"], "part": r[column], "reason": "no_label",
                                   "message": f"{r['path']}: class {r['label']!r} is not in classInd.txt"})
        else:
            todo[r["path"]] = probed[r["path"]]
    outcome = prepare(cache, todo, cfg.action.clip_frames, workers=workers)
    parts: dict[str, list[dict[str, str]]] = {p: [] for p in PARTS}
    for r in wanted:
        got = outcome.get(r["path"])
        if got is None:
            continue
        if "n_frames" in got:
            parts[r[column]].append(r)
        else:
            report.skipped.append({"path": r["path"], "part": r[column], "reason": got["reason"],
                                   "message": got["message"]})
    sources = {}
    for part, chosen in parts.items():
        report.used[part] = len(chosen)
        silent = [not probed[r["path"]].has_audio for r in chosen]
        report.silent[part] = int(sum(silent))
        if chosen:
            sources[part] = LabelledCacheSource(cache, [r["path"] for r in chosen],
                                                [int(r["label_index"]) for r in chosen], [not s for s in silent])
    report.skipped_csv = skips.write(cache.root / f"ucf101-split{split}.skipped.csv", report.skipped)
    empty = [p for p in PARTS if p not in sources]
    if empty:
        raise ValueError(f"{csv_path}: split {split} keeps no {' or '.join(empty)} video\n" + "\n".join(report.lines()))
    digest = videos_hash([r["rel"] for r in parts["train"]], [r["rel"] for r in parts["test"]])
    return ActionData(f"ucf101-split{split}-{digest}", sources["train"], sources["test"], class_names), report


__all__ = [
    "LabelledCacheSource",
    "Report",
    "index_csv",
    "load",
    "prepare",
    "read_index",
    "videos_hash",
]
