"""MUSIC solo videos for Sound of Pixels' Mix-and-Separate (notebook ``08_coseg``'s real-data path; Sound of
Pixels, reference notes §3.1 (/work/shared/reference/original_systems.md)).

Input: the folder ``data_scripts/music.py`` prepares (videos at 8 fps with 11,025 Hz mono sound, the official
preprocessing's rates), whose ``train.csv`` and ``test.csv`` list ``path,instrument,video`` (``path``
relative to that folder; the split is per video, so no video is in both). :func:`load` gives
``SeparationData(name="music-<hash>", train, test)`` (``avscene.separation.runs``) of
:class:`~avscene.separation.data.CacheSoloSource`\\ s and a :class:`Report`, through the pieces of notebook 06's
VoxCeleb2 path (``avscene.separation.voxceleb2``):

1. every listed video is probed once (``avscene.datasets.scan``, cached next to the csv);
2. each usable one is decoded once into the clip cache (``avscene.io.ClipCache`` at ``cfg.media``'s fps, sample
   rate, channels and frame size; pass a profile whose ``media`` holds 8 fps and 11,025 Hz to keep MUSIC's
   rates) by :func:`avscene.separation.voxceleb2.prepare`;
3. a video is skipped, and named in the report with its reason, when it is ``missing``, ``unreadable``,
   ``truncated``, ``empty``, has ``no_video`` or ``no_audio``, fails to decode (``cache_failed``), is
   ``silent`` (RMS below ``avscene.separation.voxceleb2.SILENCE_RMS``) or is ``too_short``: fewer than
   ``frames_needed`` frames or ``samples_needed`` samples at the cache's rates (for
   :class:`avscene.coseg.data.MixSeparateDataset`: ``(frames - 1) · frame_spacing + 1`` frames and its
   ``samples``-long window around the centre frame).

Classes: the index of each video's instrument in :func:`instruments` (the sorted instrument names of both
lists, so an index does not depend on which videos were skipped). Groups: none, every video is its own (the
official code draws the videos of a mixture with no check at all).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Profile
from ..datasets import scan
from ..datasets import skipped as skips
from ..io import ClipCache, MediaInfo
from ..separation import voxceleb2 as vox
from ..separation.data import CacheSoloSource
from ..separation.runs import SeparationData
from ..separation.voxceleb2 import DataError, data_hash, prepare

PARTS = vox.PARTS  # ("train", "test")
REPORT_CSV = "music.skipped.csv"
#: a mixture draws this many distinct videos of a part (``num_mix = 2``)
N_MIX = 2
_HOW = "prepare MUSIC first with `python data_scripts/music.py --out {root}`"


@dataclass
class Report(vox.Report):
    """What :func:`load` made of the lists: videos listed and used per part, instruments used per part
    (``instruments``; ``speakers`` is not used), and every skipped video (``path``, ``part``, ``reason``,
    ``message``)."""

    instruments: dict[str, int] = field(default_factory=dict)

    def lines(self, shown: int = vox.SHOWN) -> list[str]:
        """The report as text: counts per part, skips by reason, the first ``shown`` skipped videos by name."""
        out = [f"MUSIC ({self.root}; cache {self.cache})"]
        for part in PARTS:
            out.append(f"  {part}: {self.used.get(part, 0)} of {self.listed.get(part, 0)} listed videos used, "
                       f"{self.instruments.get(part, 0)} instruments")
        return out + skips.lines(self.skipped, shown, self.skipped_csv)

    def to_dict(self) -> dict[str, Any]:
        """The counts (not the skipped list) for a JSON result line."""
        return {"listed": self.listed, "used": self.used, "instruments": self.instruments,
                "skipped": self.skip_counts(), "skipped_csv": self.skipped_csv}


# ---------------------------------------------------------------- the lists
def index_csvs(root: str | Path) -> dict[str, Path]:
    """``{"train": root/train.csv, "test": root/test.csv}``; :class:`DataError` naming the missing path."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(root, f"no such folder; {_HOW.format(root=root)}")
    paths = {part: root / f"{part}.csv" for part in PARTS}
    for path in paths.values():
        if not path.is_file():
            raise DataError(path, f"no such file; {_HOW.format(root=root)}")
    return paths


def read_index(csv_path: Path) -> list[dict[str, str]]:
    """The csv's rows: ``path`` absolute (as ``avscene.datasets.scan`` spells it), ``rel`` as written,
    ``instrument``, and ``identity`` the video id (its own group; the ``video`` column, else the file stem).
    :class:`DataError` for a missing column or an empty path or instrument."""
    return [{"rel": r["rel"], "instrument": r["instrument"], "identity": r.get("video") or Path(r["rel"]).stem,
             "path": r["path"]} for r in vox.read_rows(csv_path, ("instrument",))]


def instruments(root: str | Path) -> list[str]:
    """The sorted instrument names of ``train.csv`` and ``test.csv`` under ``root``: class ``k`` is the
    ``k``-th. :class:`DataError` as :func:`index_csvs` / :func:`read_index`."""
    return sorted({r["instrument"] for path in index_csvs(root).values() for r in read_index(path)})


# ---------------------------------------------------------------- which videos are usable
def _short_in_samples(path: str, n_samples: int, sample_rate: int, need: int) -> dict[str, str]:
    return {"reason": "too_short",
            "message": f"{path}: {n_samples} samples at {sample_rate} Hz, fewer than the {need} a mixture needs"}


def usable(cache: ClipCache, infos: dict[str, MediaInfo], frames_needed: int, samples_needed: int, *,
           workers: int | None = None) -> dict[str, dict[str, Any]]:
    """:func:`avscene.separation.voxceleb2.prepare` (decode once; ``too_short`` in frames, ``cache_failed``,
    ``silent``), after and then also judging length in samples: per path ``{"n_frames", "n_samples", "rms"}``
    or ``{"reason", "message"}``. A probe already too short in samples is not decoded."""
    out: dict[str, dict[str, Any]] = {}
    for path, info in infos.items():
        n = math.floor(info.av_duration * cache.sample_rate + 1e-6)
        if n < samples_needed:
            out[path] = _short_in_samples(path, n, cache.sample_rate, samples_needed)
    out.update(prepare(cache, {p: i for p, i in infos.items() if p not in out}, frames_needed, workers=workers))
    for path, got in out.items():
        if "n_samples" in got and got["n_samples"] < samples_needed:
            out[path] = _short_in_samples(path, got["n_samples"], cache.sample_rate, samples_needed)
    return out


def _skip(report: Report, path: str, part: str, got: dict[str, str]) -> None:
    report.skipped.append({"path": path, "part": part, "reason": got["reason"], "message": got["message"]})


def _scan_part(report: Report, part: str, csv_path: Path, rows: list[dict[str, str]], *,
               workers: int | None, verbose: bool) -> dict[str, MediaInfo]:
    """Probe one list; its unusable videos go to ``report``; returns ``{path: probe}`` of the rest."""
    index = scan(csv_path, min_duration=0.0, require_audio=True, workers=workers, verbose=verbose)
    probed = {e.path: e.info for e in index}
    failed = {s["path"]: s for s in index.skipped}
    report.listed[part] = len(rows)
    for r in rows:
        if r["path"] in failed:
            _skip(report, r["path"], part, failed[r["path"]])
    return {r["path"]: probed[r["path"]] for r in rows if r["path"] in probed}


# ---------------------------------------------------------------- the data
def load(root: str | Path, cfg: Profile, *, cache_dir: str | Path | None = None, workers: int | None = None,
         frames_needed: int, samples_needed: int, verbose: bool = True) -> tuple[SeparationData, Report]:
    """MUSIC's ``train.csv`` / ``test.csv`` under ``root`` for ``cfg``: ``SeparationData("music-<hash>", train,
    test)`` of :class:`CacheSoloSource`\\ s (frames uint8 ``[T, H, W, 3]`` at ``cfg.media``'s fps and frame
    size, sound ``[C, N]`` at its sample rate; ``classes`` int64 ``[V]`` the instrument indices of
    :func:`instruments`; ``groups`` ``None``) and the :class:`Report` (also written to
    ``<cache>/music.skipped.csv``). ``<hash>``: 12 hex characters of the used rows
    (:func:`avscene.separation.voxceleb2.data_hash`). Videos with fewer than ``frames_needed`` frames or
    ``samples_needed`` samples at those rates are skipped as ``too_short``. ``cache_dir`` defaults to
    ``<root>/.avscene-cache-<profile>``. :class:`DataError` for a missing folder or list (naming it), a
    malformed list, a video in both lists, or a part left with fewer than two usable videos."""
    csvs = index_csvs(root)
    rows = {part: read_index(path) for part, path in csvs.items()}
    names = sorted({r["instrument"] for part in PARTS for r in rows[part]})
    shared = {r["identity"] for r in rows["train"]} & {r["identity"] for r in rows["test"]}
    if shared:
        raise DataError(root, f"{len(shared)} videos in both train.csv and test.csv (e.g. {sorted(shared)[0]}); "
                              "the lists must be video-disjoint")
    root = Path(root)
    cache = ClipCache.from_profile(Path(cache_dir) if cache_dir else root / f".avscene-cache-{cfg.name}", cfg)
    report = Report(str(root), str(cache.root))
    todo: dict[str, MediaInfo] = {}
    for part in PARTS:
        todo.update(_scan_part(report, part, csvs[part], rows[part], workers=workers, verbose=verbose))
    outcome = usable(cache, todo, frames_needed, samples_needed, workers=workers)
    number = {name: k for k, name in enumerate(names)}
    used: dict[str, list[dict[str, Any]]] = {part: [] for part in PARTS}
    for part in PARTS:
        for r in rows[part]:
            got = outcome.get(r["path"])
            if got is None:
                continue
            if "n_frames" in got:
                used[part].append({**r, **got, "class": number[r["instrument"]]})
            else:
                _skip(report, r["path"], part, got)
        report.used[part] = len(used[part])
        report.instruments[part] = len({r["instrument"] for r in used[part]})
    report.skipped_csv = skips.write(cache.root / REPORT_CSV, report.skipped)
    for part in PARTS:
        if report.used[part] < N_MIX:
            raise DataError(csvs[part], f"keeps {report.used[part]} usable videos; a mixture needs {N_MIX} (the "
                                        "report lists the skipped videos)", report)
    sources = {part: CacheSoloSource(cache, [r["path"] for r in used[part]], [r["class"] for r in used[part]],
                                     groups=None, n_frames=[r["n_frames"] for r in used[part]],
                                     n_samples=[r["n_samples"] for r in used[part]])
               for part in PARTS}
    return SeparationData(f"music-{data_hash(used)}", sources["train"], sources["test"]), report


__all__ = ["DataError", "Report", "index_csvs", "instruments", "load", "read_index", "usable"]
