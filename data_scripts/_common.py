"""Shared plumbing of the dataset scripts: one injectable downloader, archive extraction, checksums,
trimming YouTube segments to mp4, a resumable manifest, a failure log and a parallel runner.

Every network access of ``data_scripts/`` goes through ``Downloader`` (``--downloader CMD`` on the
command line, or a Python callable ``(url, out_path) -> None`` passed to a script's ``main``), so tests
run the scripts against local fakes. Files are written to ``<name>.part`` and renamed when complete;
a file that already probes as good media is never overwritten.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import shlex
import shutil
import subprocess
import sys
import tarfile
import threading
import time
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from avscene.io import MediaError, load_clip, probe, write_av

DownloadFn = Callable[[str, Path], None]
YTDLP = ("yt-dlp --quiet --no-warnings --no-playlist -f bv*[height<=480]+ba/b[height<=480]/b "
         "--merge-output-format mp4 -o {out} {url}")


class Downloader:
    """``downloader(url, out)`` fetches ``url`` to the file ``out``.

    ``command``: a template with ``{url}`` and ``{out}`` (split like a shell line, no shell involved),
    e.g. ``"yt-dlp -o {out} {url}"`` or ``"python fake.py {url} {out}"``. Without one, http(s) URLs are
    fetched with ``urllib`` (resuming a ``.part`` file) and YouTube URLs with the ``YTDLP`` template.
    """

    def __init__(self, command: str | None = None) -> None:
        self.command = command

    def __call__(self, url: str, out: Path) -> None:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        command = self.command or (YTDLP if "youtube.com/" in url or "youtu.be/" in url else None)
        if command:
            argv = [tok.format(url=url, out=str(out)) for tok in shlex.split(command)]
            done = subprocess.run(argv, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"downloader failed ({done.returncode}) for {url}: "
                                   f"{(done.stderr or done.stdout).strip()[-500:]}")
            return
        part = out.with_name(out.name + ".part")
        have = part.stat().st_size if part.exists() else 0
        request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
        with urllib.request.urlopen(request, timeout=60) as resp:
            mode = "ab" if have and resp.status == 206 else "wb"
            with open(part, mode) as fh:
                shutil.copyfileobj(resp, fh, length=1 << 20)
        part.replace(out)


def as_downloader(downloader: DownloadFn | str | None) -> DownloadFn:
    return downloader if callable(downloader) else Downloader(downloader)


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, required=True, help="output folder (created; resumable)")
    parser.add_argument("--workers", type=int, default=4, help="parallel downloads / conversions")
    parser.add_argument("--downloader", default=None,
                        help="download command template with {url} and {out} (default: urllib for "
                             "http(s), yt-dlp for YouTube)")


def md5sum(path: Path, chunk: int = 1 << 22) -> str:
    h = hashlib.md5()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def read_checksums(path: Path | None) -> dict[str, str]:
    """``md5sum``-style lines (``<hex>  <file name>``) -> ``{file name: hex}``."""
    if path is None:
        return {}
    sums = {}
    for line in Path(path).read_text().splitlines():
        parts = line.strip().split()
        if len(parts) >= 2:
            sums[Path(parts[-1].lstrip("*")).name] = parts[0].lower()
    return sums


def verify_md5(path: Path, expected: str | None) -> None:
    if expected and md5sum(path) != expected.lower():
        raise ValueError(f"{path}: MD5 mismatch (expected {expected}); delete it and run again")


def extract(archive: Path, dest: Path) -> None:
    """Extract a zip or tar (by content, not name) in Python, or a RAR with ``unrar`` / ``7z`` /
    ``bsdtar`` from the PATH. Raises ``RuntimeError`` naming the archive on failure."""
    dest.mkdir(parents=True, exist_ok=True)
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            bad = zf.testzip()
            if bad is not None:
                raise RuntimeError(f"{archive}: corrupt member {bad}")
            zf.extractall(dest)
        return
    if tarfile.is_tarfile(archive):
        with tarfile.open(archive) as tf:
            tf.extractall(dest, filter="data")
        return
    with open(archive, "rb") as fh:
        magic = fh.read(7)
    if magic.startswith(b"Rar!"):
        for tool, argv in (("unrar", ["unrar", "x", "-o-", "-y", str(archive), str(dest) + "/"]),
                           ("7z", ["7z", "x", "-y", f"-o{dest}", str(archive)]),
                           ("bsdtar", ["bsdtar", "-xf", str(archive), "-C", str(dest)])):
            if shutil.which(tool):
                done = subprocess.run(argv, capture_output=True, text=True)
                if done.returncode != 0:
                    raise RuntimeError(f"{archive}: {tool} failed: {done.stderr.strip()[-300:]}")
                return
        raise RuntimeError(f"{archive}: a RAR archive needs unrar, 7z or bsdtar on the PATH "
                           "(apt-get install unrar / p7zip-full / libarchive-tools)")
    raise RuntimeError(f"{archive}: not a zip, tar or rar archive")


def good_video(path: Path, min_duration: float = 0.0, require_audio: bool = True) -> bool:
    """True if ``path`` probes as media with video (and audio) at least ``min_duration`` s long."""
    try:
        info = probe(path)
    except MediaError:
        return False
    return (info.has_audio or not require_audio) and info.av_duration >= min_duration


def trim_to_mp4(src: Path, dst: Path, start: float, end: float, *, max_side: int | None = None) -> float:
    """Re-encode ``[start, end)`` s of ``src`` (clamped to its audio-visual span) as H.264/AAC mp4 at the
    source's frame rate and sample rate, with the segment's start at time 0; returns its duration (s)."""
    info = probe(src)
    if not info.has_audio:
        raise MediaError(src, "no audio stream")
    s0 = max(start, info.av_start)
    e0 = min(end, info.av_end - 1.0 / info.fps)
    if e0 - s0 < 1.0 / info.fps:
        raise MediaError(src, f"segment [{start}, {end}) s is outside the media span "
                              f"[{info.av_start:.2f}, {info.av_end:.2f}) s")
    fps = info.fps if 1 <= info.fps <= 120 else info.fps_measured
    h, w = info.height, info.width
    if max_side and max(h, w) > max_side:
        scale = max_side / max(h, w)
        h, w = round(h * scale), round(w * scale)
    size = (h - h % 2, w - w % 2)
    clip = load_clip(src, s0, e0 - s0, fps=fps, sample_rate=info.sample_rate,
                     channels=min(2, info.channels), size=size)
    part = dst.with_name(dst.stem + ".part.mp4")
    write_av(part, clip.frames, clip.audio, fps, info.sample_rate)
    part.replace(dst)
    return clip.duration


class FailureLog:
    """Thread-safe append-only ``failures.log`` (tab-separated: time, item, error)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.count = 0

    def __call__(self, item: str, error: BaseException | str) -> None:
        msg = str(error).replace("\n", " ").replace("\t", " ")
        with self._lock:
            self.count += 1
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')}\t{item}\t{msg}\n")
        print(f"FAILED {item}: {msg}", file=sys.stderr)


class Manifest:
    """A CSV of what was fetched, keyed by ``key``; rows are appended as items finish (resumable)."""

    def __init__(self, path: Path, fields: list[str], key: str = "id") -> None:
        self.path, self.fields, self.key = Path(path), fields, key
        self._lock = threading.Lock()
        self.rows: dict[str, dict[str, str]] = {}
        if self.path.is_file():
            with open(self.path, newline="", encoding="utf-8") as fh:
                for row in csv.DictReader(fh):
                    self.rows[row[key]] = row

    def add(self, row: dict[str, Any]) -> None:
        with self._lock:
            new = not self.path.is_file()
            self.rows[str(row[self.key])] = {k: str(v) for k, v in row.items()}
            with open(self.path, "a", newline="", encoding="utf-8") as fh:
                w = csv.DictWriter(fh, fieldnames=self.fields, extrasaction="ignore")
                if new:
                    w.writeheader()
                w.writerow(row)


def run_parallel(items: Iterable[Any], fn: Callable[[Any], Any], *, workers: int, desc: str,
                 failures: FailureLog, name: Callable[[Any], str] = str) -> list[Any]:
    """``fn`` over ``items`` in ``workers`` threads with a progress bar; exceptions go to ``failures``."""
    from avscene.runtime import progress  # imports torch: only when there is work to do

    items = list(items)
    results: list[Any] = []

    def guarded(item: Any) -> Any:
        try:
            return fn(item)
        except Exception as e:  # noqa: BLE001 - one bad item must not stop a long download
            failures(name(item), f"{type(e).__name__}: {e}")
            return None

    with ThreadPoolExecutor(max(1, workers)) as pool:
        for r in progress(pool.map(guarded, items), total=len(items), desc=desc):
            results.append(r)
    return results


@contextlib.contextmanager
def youtube_download(ytid: str, downloader: DownloadFn, tmp_dir: Path) -> Iterator[Path]:
    """Download YouTube video ``ytid`` whole into ``tmp_dir`` and yield the file (whatever extension the downloader
    chose); every ``<ytid>.full*`` file there is removed afterwards, whatever happened."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    raw = tmp_dir / f"{ytid}.full.mp4"
    try:
        downloader(f"https://www.youtube.com/watch?v={ytid}", raw)
        if not raw.exists():  # some downloaders pick their own extension
            found = sorted(tmp_dir.glob(f"{ytid}.full.*"))
            if not found:
                raise RuntimeError(f"downloader produced no file for {ytid}")
            raw = found[0]
        yield raw
    finally:
        for f in tmp_dir.glob(f"{ytid}.full*"):
            f.unlink(missing_ok=True)


def fetch_youtube_segment(ytid: str, start: float, end: float, dst: Path, downloader: DownloadFn,
                          tmp_dir: Path, *, min_fraction: float = 0.9, max_side: int | None = None) -> dict:
    """Fetch YouTube video ``ytid`` and keep ``[start, end)`` s as ``dst`` (mp4); skip a good ``dst``.

    Verifies the result: it must probe with audio and last at least ``min_fraction`` of the segment.
    Returns ``{"status": "exists" | "fetched", "duration": seconds}``.
    """
    want = end - start
    if dst.exists() and good_video(dst, min_fraction * want):
        return {"status": "exists", "duration": round(probe(dst).av_duration, 3)}
    with youtube_download(ytid, downloader, tmp_dir) as raw:
        dst.parent.mkdir(parents=True, exist_ok=True)
        duration = trim_to_mp4(raw, dst, start, end, max_side=max_side)
    if duration < min_fraction * want:
        dst.unlink(missing_ok=True)
        raise RuntimeError(f"{ytid}: only {duration:.2f} s of the {want:.2f} s segment is available")
    return {"status": "fetched", "duration": round(duration, 3)}
