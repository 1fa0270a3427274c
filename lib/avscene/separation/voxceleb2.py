"""VoxCeleb2 as solo speakers for on/off-screen separation (Owens & Efros §6; notebook 06's real-data path).

Input: the folder ``data_scripts/voxceleb2.py`` prepares, whose ``train.csv`` and ``test.csv`` list
``path,identity,video`` (``path`` relative to that folder; the official dev identities train, the test
identities test, so no speaker is in both). :func:`load` gives ``SeparationData(name="voxceleb2-<hash>",
train, test)`` (``avscene.separation.runs``) of :class:`~avscene.separation.data.CacheSoloSource`\\ s and a
:class:`Report`:

1. every listed video is probed once (``avscene.datasets.scan``, cached next to the csv);
2. each usable one is decoded once into the clip cache (``avscene.io.ClipCache``, at the profile's fps,
   sample rate and frame size), in parallel processes; its length and loudness are noted once in
   ``<cache>/voxceleb2.stats.json``;
3. a video is skipped, and named in the report with its reason, when it is ``missing``, ``unreadable``,
   ``truncated``, ``empty``, has ``no_video`` or ``no_audio`` (separation needs its sound), fails to decode
   into the cache (``cache_failed``), is ``silent`` (RMS over the whole track below :data:`SILENCE_RMS`),
   holds fewer frames than a mixture's clip needs (``too_short``: ``MixtureDataset.min_frames``, i.e.
   ``max(cfg.media.clip_frames, cfg.separation.clip_frames)`` at the profile's fps) or, with ``meta``, has no
   gender there (``no_gender``).

Classes: with ``meta`` (the official ``vox2_meta.csv``: ``VoxCeleb2 ID ,VGGFace2 ID ,Gender ,Set``) each
video's class is its speaker's gender (0 male, 1 female), so ``same_class`` mixtures are same-gender ones as
in the paper; without it every class is 0 and ``same_class`` is meaningless (every mixture counts as
same-class). Groups are the speakers: two clips of one speaker never share a mixture.

Disk: the cache holds raw frames (at the ``gpu`` profile about 7 MB per second of video); point
``cache_dir`` (``--cache``) at a large disk.
"""
from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..config import Profile
from ..datasets import scan
from ..datasets import skipped as skips
from ..io import ClipCache, MediaInfo
from ..io.cache import CachedVideo
from ..io.pcm import PCM16_SCALE
from .data import CacheSoloSource, MixtureDataset
from .runs import SeparationData

PARTS = ("train", "test")
CSV_NAMES = {part: f"{part}.csv" for part in PARTS}
GENDERS = ("male", "female")  # class 0, class 1
STATS_FILE = "voxceleb2.stats.json"
STATS_VERSION = 1
#: a track quieter than this over its whole length (-80 dBFS) is ``silent``
SILENCE_RMS = 1e-4
#: skipped videos listed by name in :meth:`Report.lines` (all of them go to the report's csv)
SHOWN = 20
_GENDER_CODES = {"m": 0, "male": 0, "f": 1, "female": 1}


class DataError(ValueError):
    """Unusable VoxCeleb2 input: ``path`` (a folder, csv or ``csv:line``) and ``problem``; ``report`` is the
    :class:`Report` so far when the videos were already looked at (``None`` before)."""

    def __init__(self, path: str | Path, problem: str, report: Report | None = None) -> None:
        super().__init__(f"{path}: {problem}")
        self.path, self.problem, self.report = str(path), problem, report


@dataclass
class Report:
    """What :func:`load` made of the lists: videos listed and used and speakers used per part, and every
    skipped video (``path``, ``part``, ``reason``, ``message``)."""

    root: str
    cache: str
    meta: str | None = None
    listed: dict[str, int] = field(default_factory=dict)
    used: dict[str, int] = field(default_factory=dict)
    speakers: dict[str, int] = field(default_factory=dict)
    skipped: list[dict[str, str]] = field(default_factory=list)
    skipped_csv: str | None = None

    def skip_counts(self) -> dict[str, int]:
        """``{reason: videos}`` over both parts."""
        return skips.counts(self.skipped)

    def lines(self, shown: int = SHOWN) -> list[str]:
        """The report as text: counts per part, skips by reason, the first ``shown`` skipped videos by name."""
        classes = f"classes: gender from {self.meta}" if self.meta else "no classes (same_class is meaningless)"
        out = [f"VoxCeleb2 ({self.root}; {classes}; cache {self.cache})"]
        for part in PARTS:
            out.append(f"  {part}: {self.used.get(part, 0)} of {self.listed.get(part, 0)} listed videos used, "
                       f"{self.speakers.get(part, 0)} speakers")
        return out + skips.lines(self.skipped, shown, self.skipped_csv)

    def to_dict(self) -> dict[str, Any]:
        """The counts (not the skipped list) for a JSON result line."""
        return {"meta": self.meta, "listed": self.listed, "used": self.used, "speakers": self.speakers,
                "skipped": self.skip_counts(), "skipped_csv": self.skipped_csv}


# ---------------------------------------------------------------- the lists
def index_csvs(root: str | Path) -> dict[str, Path]:
    """``{"train": root/train.csv, "test": root/test.csv}``; :class:`DataError` saying how to make them."""
    root = Path(root)
    how = f"prepare VoxCeleb2 first with `python data_scripts/voxceleb2.py --out {root} --archives ...`"
    if not root.is_dir():
        raise DataError(root, f"no such folder; {how}")
    paths = {part: root / name for part, name in CSV_NAMES.items()}
    for path in paths.values():
        if not path.is_file():
            raise DataError(path, f"no such file; {how}")
    return paths


def read_rows(csv_path: Path, required: Sequence[str]) -> list[dict[str, str]]:
    """A dataset list's rows: every column stripped, ``path`` made absolute (as ``avscene.datasets.scan`` spells
    it; relative paths are relative to the csv's folder) and ``rel`` as written; :class:`DataError` for a missing
    column (``path`` and ``required``), an empty required value, or an unreadable file."""
    need = ("path", *required)
    try:
        with open(csv_path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or not set(need) <= set(reader.fieldnames):
                raise DataError(csv_path, f"needs the columns {', '.join(need)}; has {reader.fieldnames}")
            rows = []
            for line, row in enumerate(reader, start=2):
                got = {k: (v or "").strip() for k, v in row.items() if k is not None}
                if not all(got.get(k) for k in need):
                    raise DataError(f"{csv_path}:{line}", f"empty {' or '.join(need)}")
                p = Path(got["path"])
                rows.append({**got, "rel": got["path"], "path": str(p if p.is_absolute() else csv_path.parent / p)})
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise DataError(csv_path, f"unreadable ({type(e).__name__}: {e})") from None
    return rows


def read_index(csv_path: Path) -> list[dict[str, str]]:
    """The csv's rows (``path`` made absolute as ``avscene.datasets.scan`` spells it, ``rel`` as written,
    ``identity`` stripped); :class:`DataError` for a missing column or an empty path or identity."""
    return [{"rel": r["rel"], "identity": r["identity"], "path": r["path"]} for r in read_rows(csv_path, ("identity",))]


def _column(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def read_genders(meta: str | Path) -> dict[str, int]:
    """``{identity: 0 (male) / 1 (female)}`` from the official ``vox2_meta.csv`` (``VoxCeleb2 ID ,VGGFace2
    ID ,Gender ,Set``: padded with spaces, perhaps with a byte-order mark; any column order);
    :class:`DataError` naming the file (and line) when it cannot be read."""
    meta = Path(meta)
    try:
        with open(meta, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise DataError(meta, f"unreadable ({type(e).__name__}: {e})") from None
    header = [_column(h) for h in rows[0]] if rows else []
    ids = [i for i, h in enumerate(header) if h in ("voxceleb2id", "id", "identity", "speaker")]
    genders = [i for i, h in enumerate(header) if h == "gender"]
    if not ids or not genders:
        raise DataError(meta, f"needs a 'VoxCeleb2 ID' and a 'Gender' column; has {rows[0] if rows else 'nothing'}")
    i, g = ids[0], genders[0]
    out: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(i, g):
            raise DataError(f"{meta}:{line}", f"{len(row)} fields, fewer than the header's")
        code = _GENDER_CODES.get(row[g].strip().lower())
        if code is None:
            raise DataError(f"{meta}:{line}", f"gender {row[g].strip()!r} is not m / f")
        out[row[i].strip()] = code
    if not out:
        raise DataError(meta, "lists no speaker")
    return out


# ---------------------------------------------------------------- decoding into the clip cache
def _rms(audio: np.ndarray, chunk: int = 1 << 20) -> float:
    """RMS of int16 audio ``[C, N]`` (a memory map) in [-1, 1] units, read ``chunk`` samples at a time."""
    total, n = 0.0, audio.shape[0] * audio.shape[1]
    for j in range(0, audio.shape[1], chunk):
        part = np.asarray(audio[:, j:j + chunk], dtype=np.float64)
        total += float(np.square(part).sum())
    return math.sqrt(total / max(n, 1)) / PCM16_SCALE


def _stats(cache: ClipCache, paths: list[str]) -> dict[str, dict[str, Any]]:
    """``{path: {"n_frames", "n_samples", "rms"}}`` of cached videos, remembered in ``<cache>/`` :data:`STATS_FILE`
    per store (keyed by its ``meta.json``'s mtime, so a rebuilt store is measured again)."""
    file = cache.root / STATS_FILE
    known: dict[str, Any] = {}
    try:
        doc = json.loads(file.read_text())
        if doc.get("version") == STATS_VERSION:
            known = doc["entries"]
    except (OSError, ValueError, KeyError, AttributeError):
        known = {}
    out, changed = {}, False
    for path in paths:
        folder = cache.entry_dir(path)
        stamp = (folder / "meta.json").stat().st_mtime_ns
        hit = known.get(folder.name)
        if hit is None or hit.get("stamp") != stamp:
            store = CachedVideo(folder)
            hit = {"stamp": stamp, "n_frames": int(store.frames.shape[0]), "n_samples": int(store.audio.shape[1]),
                   "rms": _rms(store.audio)}
            known[folder.name], changed = hit, True
        out[path] = hit
    if changed:
        try:
            tmp = file.with_name(file.name + f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"version": STATS_VERSION, "entries": known}))
            os.replace(tmp, file)
        except OSError:
            pass  # measured again next time
    return out


def _too_short(path: str, frames: int, fps: float, need: int) -> dict[str, Any]:
    return {"reason": "too_short",
            "message": f"{path}: {frames} frames at {fps:g} fps, fewer than the {need} a mixture's clip needs"}


def prepare(cache: ClipCache, infos: dict[str, MediaInfo], min_frames: int, *,
            workers: int | None = None) -> dict[str, dict[str, Any]]:
    """Decode every ``{path: probe}`` into ``cache`` once (``ClipCache.build_all``, parallel), unless the probe
    already says it is shorter than ``min_frames`` frames; returns per path ``{"n_frames", "n_samples",
    "rms"}`` or ``{"reason": ..., "message": ...}`` (``too_short``, ``cache_failed``, ``silent``)."""
    out: dict[str, dict[str, Any]] = {}
    for path, info in infos.items():
        frames = math.floor(info.av_duration * cache.fps + 1e-6)
        if frames < min_frames:
            out[path] = _too_short(path, frames, cache.fps, min_frames)
    failures = cache.build_all([p for p in infos if p not in out], workers=workers)
    for path in infos:
        if path not in out and path in failures:
            out[path] = {"reason": "cache_failed", "message": failures[path]}
    measured = _stats(cache, [p for p in infos if p not in out])
    for path, got in measured.items():
        if got["n_frames"] < min_frames:
            out[path] = _too_short(path, got["n_frames"], cache.fps, min_frames)
        elif got["rms"] < SILENCE_RMS:
            out[path] = {"reason": "silent",
                         "message": f"{path}: its sound is silent (RMS {got['rms']:.1e} < {SILENCE_RMS:g})"}
        else:
            out[path] = {k: got[k] for k in ("n_frames", "n_samples", "rms")}
    return out


# ---------------------------------------------------------------- the data
def data_hash(parts: dict[str, list[dict[str, Any]]]) -> str:
    """12 hex characters of the sha1 of the used rows in order (path, speaker, class per part): the runs'
    name and settings key change when other videos, another order or other classes are used."""
    text = "\n".join(f"--{part}--\n" + "\n".join(f"{r['rel']}\t{r['identity']}\t{r['class']}" for r in rows)
                     for part, rows in parts.items())
    return hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()[:12]


def load(root: str | Path, cfg: Profile, *, cache_dir: str | Path | None = None, meta: str | Path | None = None,
         workers: int | None = None, verbose: bool = True) -> tuple[SeparationData, Report]:
    """VoxCeleb2's identity-disjoint ``train.csv`` / ``test.csv`` under ``root`` for ``cfg``:
    ``SeparationData("voxceleb2-<hash>", train, test)`` of :class:`CacheSoloSource`\\ s (frames at
    ``cfg.media``'s fps and frame size, sound at its sample rate; ``classes`` the speakers' genders with
    ``meta``, else all 0; ``groups`` the speakers) and the :class:`Report` (written to
    ``<cache>/voxceleb2.skipped.csv``). ``cache_dir`` defaults to ``<root>/.avscene-cache-<profile>``.
    :class:`DataError` for a missing or malformed list or meta file, a speaker in both lists, or a part
    left with fewer than two speakers."""
    csvs = index_csvs(root)
    rows = {part: read_index(path) for part, path in csvs.items()}
    shared = {r["identity"] for r in rows["train"]} & {r["identity"] for r in rows["test"]}
    if shared:
        raise DataError(root, f"{len(shared)} speakers in both train.csv and test.csv (e.g. {sorted(shared)[0]}); "
                              "the lists must be identity-disjoint")
    genders = read_genders(meta) if meta is not None else None
    root = Path(root)
    cache = ClipCache.from_profile(Path(cache_dir) if cache_dir else root / f".avscene-cache-{cfg.name}", cfg)
    report = Report(str(root), str(cache.root), str(meta) if meta is not None else None)
    todo: dict[str, MediaInfo] = {}
    for part, path in csvs.items():
        index = scan(path, min_duration=0.0, require_audio=True, workers=workers, verbose=verbose)
        probed = {e.path: e.info for e in index}
        scan_skips = {s["path"]: s for s in index.skipped}
        report.listed[part] = len(rows[part])
        for r in rows[part]:
            if r["path"] in scan_skips:
                s = scan_skips[r["path"]]
                report.skipped.append({"path": r["path"], "part": part, "reason": s["reason"], "message": s["message"]})
            elif genders is not None and r["identity"] not in genders:
                report.skipped.append({"path": r["path"], "part": part, "reason": "no_gender",
                                       "message": f"{r['path']}: speaker {r['identity']} is not in {meta}"})
            else:
                todo[r["path"]] = probed[r["path"]]
    outcome = prepare(cache, todo, MixtureDataset.min_frames(cfg, cfg.separation.clip_frames), workers=workers)
    used: dict[str, list[dict[str, Any]]] = {part: [] for part in PARTS}
    for part in PARTS:
        for r in rows[part]:
            got = outcome.get(r["path"])
            if got is None:
                continue
            if "n_frames" in got:
                cls = genders[r["identity"]] if genders is not None else 0
                used[part].append({**r, **got, "class": cls})
            else:
                report.skipped.append({"path": r["path"], "part": part, "reason": got["reason"],
                                       "message": got["message"]})
    speakers = sorted({r["identity"] for part in PARTS for r in used[part]})
    number = {s: i for i, s in enumerate(speakers)}
    sources = {}
    for part in PARTS:
        chosen = used[part]
        report.used[part] = len(chosen)
        report.speakers[part] = len({r["identity"] for r in chosen})
        if report.speakers[part] >= 2:
            sources[part] = CacheSoloSource(cache, [r["path"] for r in chosen], [r["class"] for r in chosen],
                                            groups=[number[r["identity"]] for r in chosen],
                                            n_frames=[r["n_frames"] for r in chosen],
                                            n_samples=[r["n_samples"] for r in chosen])
    report.skipped_csv = skips.write(cache.root / "voxceleb2.skipped.csv", report.skipped)
    short = [p for p in PARTS if p not in sources]
    if short:
        n = report.speakers[short[0]]
        who = "only 1 speaker" if n == 1 else f"{n} speakers"
        raise DataError(csvs[short[0]], f"keeps usable videos of {who}; a mixture needs two (the report above lists "
                                        "the skipped videos)", report)
    name = f"voxceleb2{'-gender' if genders is not None else ''}-{data_hash(used)}"
    return SeparationData(name, sources["train"], sources["test"]), report


__all__ = [
    "DataError",
    "GENDERS",
    "Report",
    "SILENCE_RMS",
    "data_hash",
    "index_csvs",
    "load",
    "prepare",
    "read_genders",
    "read_index",
]
