"""``scan(root_or_csv, min_duration=...) -> Index``: which videos of a folder or CSV are usable (step 2).

Every candidate file is probed (``avscene.io.probe``) in parallel processes with a progress bar. Usable
files become ``IndexEntry`` rows; every skipped file is written with its reason to a report next to the
data (``<root>/avscene_skipped.csv`` or ``<csv stem>.skipped.csv``) and the counts by reason are printed.
Probe results are cached next to the data (``<root>/.avscene_index.json`` / ``<csv stem>.index.json``)
keyed by path, mtime and size, so a re-scan only probes new or changed files.
"""
from __future__ import annotations

import csv
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from avscene.io.errors import MediaError
from avscene.io.media_info import MediaInfo, probe

#: file extensions a folder walk treats as videos
VIDEO_EXTENSIONS = frozenset({".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".flv", ".mpg", ".mpeg",
                              ".ts", ".3gp", ".ogv", ".wmv"})
#: 2: probe's video_start / audio_start are the first decoded frame's time (1: the declared start_time);
#: 3: probe also rejects files with far fewer video frames than their header declares (a cut AVI)
CACHE_VERSION = 3


@dataclass(frozen=True)
class IndexEntry:
    """One usable video: its probe and any extra CSV columns (``label``, ``split``, ...)."""

    path: str
    info: MediaInfo
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def start(self) -> float:
        """Where the audio-visual span begins (s, presentation timeline)."""
        return self.info.av_start

    @property
    def duration(self) -> float:
        return self.info.av_duration


@dataclass
class Index:
    """The usable videos of a scan (``entries``) and the skipped ones (``skipped``: path, reason, message)."""

    source: str
    entries: list[IndexEntry]
    skipped: list[dict[str, str]]
    report_path: str | None = None

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[IndexEntry]:
        return iter(self.entries)

    def __getitem__(self, i: int) -> IndexEntry:
        return self.entries[i]

    @property
    def paths(self) -> list[str]:
        return [e.path for e in self.entries]

    def skip_counts(self) -> dict[str, int]:
        return dict(Counter(s["reason"] for s in self.skipped))

    def filter(self, **extra: str) -> "Index":
        """Entries whose extra columns equal the given values, e.g. ``index.filter(split="train")``."""
        keep = [e for e in self.entries if all(e.extra.get(k) == v for k, v in extra.items())]
        return Index(self.source, keep, self.skipped, self.report_path)


def _candidates(root_or_csv: Path) -> tuple[list[tuple[str, dict[str, str]]], Path, str]:
    """``[(path, extra columns)]``, the folder caches go to, and the cache/report file stem."""
    if root_or_csv.is_dir():
        found = []
        for dirpath, dirnames, filenames in os.walk(root_or_csv):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames + [d for d in dirnames if Path(d).suffix.lower() in VIDEO_EXTENSIONS]):
                if Path(name).suffix.lower() in VIDEO_EXTENSIONS and not name.startswith("."):
                    found.append((str(Path(dirpath) / name), {}))
            # a directory named like a video is reported (above) and not descended into
            dirnames[:] = [d for d in dirnames if Path(d).suffix.lower() not in VIDEO_EXTENSIONS]
        return found, root_or_csv, ".avscene"
    if root_or_csv.is_file():
        with open(root_or_csv, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "path" not in reader.fieldnames:
                raise ValueError(f"{root_or_csv}: a scan CSV needs a 'path' column, got {reader.fieldnames}")
            rows = []
            for row in reader:
                p = Path(row.pop("path"))
                p = p if p.is_absolute() else root_or_csv.parent / p
                rows.append((str(p), {k: v for k, v in row.items() if k is not None}))
        return rows, root_or_csv.parent, root_or_csv.stem
    raise FileNotFoundError(f"{root_or_csv}: no such folder or CSV file")


def _stamp(path: str) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_size]


def _probe_one(path: str) -> dict[str, Any]:
    """Picklable probe outcome: ``{"info": {...}}`` or ``{"reason": ..., "message": ...}``."""
    try:
        return {"info": probe(path).to_dict()}
    except MediaError as e:
        return {"reason": e.reason, "message": str(e)}
    except Exception as e:  # noqa: BLE001 - a scan must never crash on one file; it is counted instead
        return {"reason": "error", "message": f"{path}: {type(e).__name__}: {e}"}


def scan(root_or_csv: str | Path, *, min_duration: float, require_audio: bool = True,
         workers: int | None = None, verbose: bool = True) -> Index:
    """Probe every video under a folder (or listed in a CSV with a ``path`` column) and index the usable.

    Usable: readable, has video (and audio when ``require_audio``), audio-visual span ``>= min_duration``
    s. Skipped files go to the report with reasons ``unreadable``, ``truncated``, ``empty``, ``no_video``,
    ``no_audio``, ``too_short``, ``missing``; counts by reason are printed when ``verbose``.
    """
    from avscene.runtime import process_pool, progress

    source = Path(root_or_csv)
    candidates, where, stem = _candidates(source)
    cache_path = where / f"{stem}.index.json" if stem != ".avscene" else where / ".avscene_index.json"
    report_path = where / ("avscene_skipped.csv" if stem == ".avscene" else f"{stem}.skipped.csv")
    cached: dict[str, Any] = {}
    if cache_path.is_file():
        try:
            data = json.loads(cache_path.read_text())
            if data.get("version") == CACHE_VERSION:
                cached = data["files"]
        except (OSError, ValueError, KeyError):
            cached = {}
    results: dict[str, dict[str, Any]] = {}
    todo = []
    for path, _ in candidates:
        stamp = _stamp(path)
        hit = cached.get(path)
        if hit is not None and stamp is not None and hit.get("stamp") == stamp:
            results[path] = hit
        else:
            todo.append(path)
    if todo:
        workers = workers or max(1, min(len(todo), os.cpu_count() or 1))
        bar = progress(total=len(todo), desc=f"probing {source.name}", disable=not verbose)
        if workers == 1:
            outcomes = map(_probe_one, todo)
        else:
            pool = process_pool(workers)
            outcomes = pool.map(_probe_one, todo, chunksize=max(1, len(todo) // (8 * workers)))
        for path, outcome in zip(todo, outcomes):
            outcome["stamp"] = _stamp(path)
            results[path] = outcome
            bar.update(1)
        bar.close()
        if workers != 1:
            pool.shutdown()
        try:
            cache_path.write_text(json.dumps({"version": CACHE_VERSION, "files": results}))
        except OSError:
            pass  # read-only data folder: the scan still works, it just is not cached
    entries, skipped = [], []
    for path, extra in candidates:
        outcome = results[path]
        if "info" not in outcome:
            reason = outcome["reason"]
            if outcome.get("stamp") is None and reason == "unreadable":
                reason = "missing"
            skipped.append({"path": path, "reason": reason, "message": outcome["message"]})
            continue
        info = MediaInfo.from_dict(outcome["info"])
        if require_audio and not info.has_audio:
            skipped.append({"path": path, "reason": "no_audio", "message": f"{path}: no audio stream"})
        elif info.av_duration < min_duration:
            skipped.append({"path": path, "reason": "too_short",
                            "message": f"{path}: {info.av_duration:.2f} s < min_duration {min_duration} s"})
        else:
            entries.append(IndexEntry(path, info, extra))
    written = None
    try:
        with open(report_path, "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=["path", "reason", "message"])
            w.writeheader()
            w.writerows(skipped)
        written = str(report_path)
    except OSError:
        pass
    index = Index(str(source), entries, skipped, written)
    if verbose:
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(index.skip_counts().items())) or "none"
        print(f"scan {source}: {len(entries)} usable of {len(candidates)}; skipped by reason: {counts}"
              + (f" (report: {written})" if written and skipped else ""))
    return index
