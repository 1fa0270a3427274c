"""Named training runs and published weights, so no notebook silently retrains an earlier model.

Every trained model is a *run* with a name (``shift``, ``cam``, later ``action/scratch`` ...) and a
*settings key* (:func:`settings_key`, a hash of the settings that shaped it). A notebook (03 onwards)
asks for a run by name with :func:`find`: a finished local run of that key is loaded; else published
weights listed in the manifest (``lib/avscene/course/weights.json``) are downloaded, checked and
cached, and it prints "found pretrained weights ... skipping training"; else the caller trains, between
:func:`start` and :func:`finish`.

A run folder (``runs_root(profile) / name``, the Trainer's ``run_dir``)::

    run.json    {"name", "profile", "key", "settings", "finished": false}   while training
    step_*.pt   the Trainer's checkpoints (removed by finish())
    log.jsonl   the Trainer's log rows
    model.pt    torch.save(model.state_dict()) on CPU, written by finish(); run.json then also holds
                "finished": true, "model_sha256", "model_bytes", "steps", "train_seconds", "created",
                "environment"

Publishing (``make weights``): ``python -m avscene.course.hub pack --profile cpu --out build/weights``
packs the finished runs into ``avscene-weights-cpu.tar`` (model.pt, run.json, log.jsonl per run) and
writes ``manifest.json``; upload the archive as a release asset and copy its entry into the packaged
manifest (``--publish``). ``python -m avscene.course.hub list`` shows what is local and published.

Environment: ``AVSCENE_RUNS`` (runs root), ``AVSCENE_WEIGHTS_URL`` (another base URL or folder for the
archives), ``AVSCENE_WEIGHTS_MANIFEST`` (another manifest), ``AVSCENE_CACHE`` (default ``~/.cache/avscene``).
"""
from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Callable

import torch
from torch import nn

from .. import config, runtime
from ..config import Profile
from ..train import checkpoint as ckpt
from ..train import distributed
from ..train.loop import LOG_FILE, read_log
from .outputs import figures_root, note_run

RUNS_ENV_VAR = "AVSCENE_RUNS"
WEIGHTS_URL_ENV = "AVSCENE_WEIGHTS_URL"
WEIGHTS_MANIFEST_ENV = "AVSCENE_WEIGHTS_MANIFEST"
CACHE_ENV = "AVSCENE_CACHE"

PACKAGED_MANIFEST = Path(__file__).with_name("weights.json")
MANIFEST_VERSION = 1
RUN_FILE, MODEL_FILE = "run.json", "model.pt"
PACKED_FILES = (MODEL_FILE, RUN_FILE, LOG_FILE)  # what an archive holds per run: never step checkpoints
TIMEOUT_S = 10.0  # connect (and stalled read) timeout of a download: an unreachable server fails fast
CHUNK = 1 << 20


class WeightsError(RuntimeError):
    """Weights that cannot be used: a missing, truncated or corrupt file, a checksum or key/shape mismatch."""


# ---------------------------------------------------------------- settings
def run_name(name: str, profile: Profile) -> str:
    """Where a section's run of ``profile`` lives under the runs folder: ``name`` for the profile's own seed
    (``seed=0``, what the notebooks use), ``seed<k>/name`` for another seed (seed studies: every seed
    trains its own runs from scratch; ``python -m avscene.seeds``)."""
    return name if profile.seed == 0 else f"seed{profile.seed}/{name}"


def runs_root(profile: Profile) -> Path:
    """Where runs live: ``$AVSCENE_RUNS/<profile>``; for ``smoke`` ``<tempdir>/avscene-smoke/runs`` (shared by
    the notebooks of one nbval session; stale runs are told apart by their keys); else ``<repo>/runs/<profile>``."""
    return _runs_root_named(profile.name)


def _runs_root_named(profile_name: str) -> Path:
    if os.environ.get(RUNS_ENV_VAR):
        return Path(os.environ[RUNS_ENV_VAR]) / profile_name
    if profile_name == "smoke":
        return Path(tempfile.gettempdir()) / "avscene-smoke" / "runs"
    return figures_root().parent / "runs" / profile_name


def cache_root() -> Path:
    """Downloads and extracted archives: ``$AVSCENE_CACHE``, else ``~/.cache/avscene``."""
    return Path(os.environ.get(CACHE_ENV) or "~/.cache/avscene").expanduser()


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def _canonical_json(settings: Mapping[str, Any]) -> str:
    return json.dumps(_canonical(settings), sort_keys=True, default=str, separators=(",", ":"))


def settings_key(settings: Mapping[str, Any]) -> str:
    """The first 16 hex characters of the sha256 of ``settings`` as canonical JSON (sorted keys, tuples as
    lists, ``str()`` for anything else), e.g. ``settings_key(cfg.as_dict())``."""
    return hashlib.sha256(_canonical_json(settings).encode()).hexdigest()[:16]


# ---------------------------------------------------------------- small helpers
def fingerprint(state: Mapping[str, torch.Tensor]) -> str:
    """A short hash of a state dict's values: which weights a run started from goes into its settings key
    (the CAM model, notebook 04; the fine-tuned action networks, notebook 05)."""
    h = hashlib.sha1()
    for name in sorted(state):
        h.update(name.encode())
        h.update(state[name].detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def sha256_file(path: Path) -> str:
    """The sha256 (hex) of the file at ``path``, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()



def _write_json(path: Path, doc: Any) -> Path:
    """Write JSON atomically (temporary file, fsync, rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as fh:
        fh.write(json.dumps(doc, indent=2) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


_UNREADABLE: dict[str, Any] = {"unreadable": True}  # sentinel: a run.json that is not JSON


def _read_json(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``; ``None`` when missing; ``_UNREADABLE`` when it is not a JSON object."""
    try:
        doc = json.loads(Path(path).read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return _UNREADABLE
    return doc if isinstance(doc, dict) else _UNREADABLE


def _short(key: Any) -> str:
    return f"{str(key)[:8]}…" if key else "none"


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    minutes = seconds / 60
    return f"{minutes:.1f}" if minutes < 10 else f"{minutes:.0f}"


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 2**10:.1f} KiB"


def _show(path: Path) -> str:
    """``path`` relative to the repository when inside it (``runs/cpu/cam``), else in full."""
    try:
        return Path(path).resolve().relative_to(figures_root().parent.resolve()).as_posix()
    except ValueError:
        return str(path)


def _unwrap(model: nn.Module) -> nn.Module:
    """The module itself inside DDP (``.module``) or ``torch.compile`` (``._orig_mod``)."""
    while True:
        if isinstance(model, nn.parallel.DistributedDataParallel):
            model = model.module
        elif hasattr(model, "_orig_mod") and isinstance(model._orig_mod, nn.Module):
            model = model._orig_mod
        else:
            return model


def _device_label(env: Mapping[str, Any]) -> str:
    """``"cpu (2 cores)"`` or the GPU's name, from a run's recorded environment."""
    gpu = env.get("gpu")
    if gpu:
        return str(gpu.get("name", "cuda"))
    device = str(env.get("device", "cpu"))
    cores = env.get("cpu_count")
    return f"{device} ({cores} cores)" if device == "cpu" and cores else device


# ---------------------------------------------------------------- runs
@dataclass
class Run:
    """A finished run: its name, profile and settings key, folder, ``run.json`` and log rows.

    ``source`` is ``"local"`` (``runs/<profile>/<name>``) or ``"published"`` (extracted into the cache).
    """

    name: str
    profile: str
    key: str
    dir: Path
    info: dict[str, Any] = field(repr=False)
    history: list[dict[str, Any]] = field(repr=False)
    source: str = "local"

    @classmethod
    def read(cls, run_dir: Path, source: str = "local") -> "Run":
        run_dir = Path(run_dir)
        info = _read_json(run_dir / RUN_FILE)
        if info is None or info is _UNREADABLE:
            raise WeightsError(f"{run_dir / RUN_FILE}: {'missing' if info is None else 'not a JSON object'}")
        return cls(name=info.get("name", run_dir.name), profile=info.get("profile", ""), key=info.get("key", ""),
                   dir=run_dir, info=info, history=read_log(run_dir), source=source)

    @property
    def model_path(self) -> Path:
        return self.dir / MODEL_FILE

    @property
    def steps(self) -> int:
        if self.info.get("steps") is not None:
            return int(self.info["steps"])
        return int(self.history[-1].get("step", 0)) if self.history else 0

    @property
    def train_seconds(self) -> float:
        return float(self.info.get("train_seconds") or 0.0)

    def load_into(self, model: nn.Module) -> nn.Module:
        """Load ``model.pt`` into ``model`` (after checking its sha256, keys and shapes) and return ``model``.

        Raises ``WeightsError`` naming the file and the problem; the model is then left untouched.
        """
        path = self.model_path
        expected = self.info.get("model_sha256")
        if not path.is_file():
            raise WeightsError(f"{path}: missing (run '{self.name}' has no saved model)")
        if not expected:
            raise WeightsError(f"{path}: {self.dir / RUN_FILE} records no model_sha256 (an unfinished run?)")
        actual = sha256_file(path)
        if actual != expected:
            raise WeightsError(f"{path}: sha256 {actual} does not match run.json's {expected} "
                               f"({path.stat().st_size} bytes, expected {self.info.get('model_bytes', '?')}): "
                               "the file is truncated or corrupt; fetch or train the run again (retrain=True)")
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # a corrupt zip, pickle or tensor record
            raise WeightsError(f"{path}: not a readable state dict ({type(exc).__name__}: {exc})") from exc
        check_state(state, model, path)
        model.load_state_dict(state)
        return model


def check_state(state: Any, model: nn.Module, path: Path | str = "state dict") -> None:
    """Raise ``WeightsError`` unless ``state`` has exactly ``model``'s state-dict keys and shapes."""
    if not isinstance(state, Mapping):
        raise WeightsError(f"{path}: holds a {type(state).__name__}, not a state dict")
    target = model.state_dict()
    missing = [k for k in target if k not in state]
    unexpected = [k for k in state if k not in target]
    shapes = [f"{k} {tuple(state[k].shape)} vs model {tuple(target[k].shape)}" for k in target
              if k in state and torch.is_tensor(target[k])
              and (not torch.is_tensor(state[k]) or state[k].shape != target[k].shape)]
    problems = [f"{what}: {', '.join(items[:5])}{' ...' if len(items) > 5 else ''}"
                for what, items in (("missing keys", missing), ("unexpected keys", unexpected),
                                    ("shape mismatches", shapes)) if items]
    if problems:
        raise WeightsError(f"{path}: does not fit {type(model).__name__} ({'; '.join(problems)}); "
                           "the run was trained for another model or settings")


def _artifacts(run_dir: Path) -> bool:
    return (ckpt.latest(run_dir) is not None or (run_dir / LOG_FILE).exists()
            or (run_dir / MODEL_FILE).exists())


def _stale_reason(run_dir: Path, key: str, retrain: bool) -> str | None:
    """Why ``run_dir`` must be emptied before training under ``key`` (``None``: keep it, maybe resume)."""
    if not run_dir.is_dir():
        return None
    info = _read_json(run_dir / RUN_FILE)
    if retrain and (info is not None or _artifacts(run_dir)):
        return "is discarded (retrain=True)"
    if info is None:
        return "holds checkpoints or a log from older code (no run.json)" if _artifacts(run_dir) else None
    if info is _UNREADABLE:
        return "has an unreadable run.json"
    if info.get("key") != key:
        return f"was trained at other settings (key {_short(info.get('key'))}, now {_short(key)})"
    if info.get("finished"):
        return "already holds a finished run at these settings (find() loads it)"
    if ckpt.latest(run_dir) is None and _artifacts(run_dir):
        return "holds a log but no checkpoint to resume"
    return None


def _clear(run_dir: Path) -> None:
    """Delete the contents of ``run_dir``, sparing nested runs (``action`` holds ``action/scratch``)."""
    for child in run_dir.iterdir():
        if child.is_dir() and not child.is_symlink():
            if not any(child.rglob(RUN_FILE)):
                shutil.rmtree(child)
        else:
            child.unlink()


def start(run_dir: Path, *, name: str, profile: str, key: str, settings: Mapping[str, Any],
          retrain: bool = False) -> bool:
    """Make ``run_dir`` ready to train run ``name`` under ``key``; True when there is a checkpoint to resume.

    Empties the folder (saying why) when ``retrain``, when it holds a run of another key, a finished run,
    or checkpoints without ``run.json`` (older code); then writes ``run.json`` with ``finished: false``.
    Only rank 0 writes; every rank returns after it did.
    """
    run_dir = Path(run_dir)
    if distributed.rank() == 0:
        reason = _stale_reason(run_dir, key, retrain)
        if reason:
            print(f"{_show(run_dir)} {reason}: training anew")
            _clear(run_dir)
        info = {"name": name, "profile": profile, "key": key,
                "settings": json.loads(_canonical_json(settings)), "finished": False}
        _write_json(run_dir / RUN_FILE, info)
    distributed.barrier()
    return ckpt.latest(run_dir) is not None


def finish(run_dir: Path, model: nn.Module, *, history: list[dict[str, Any]], train_seconds: float,
           steps: int | None = None, keep_checkpoints: bool = False) -> Run:
    """Save ``model``'s weights as ``model.pt`` (atomically, on CPU), mark ``run.json`` finished and return the Run.

    ``history``: the Trainer's log rows (rewritten to ``log.jsonl``; ``steps`` defaults to the last row's
    step). The step checkpoints are deleted unless ``keep_checkpoints``.
    """
    run_dir = Path(run_dir)
    if distributed.rank() == 0:
        info = _read_json(run_dir / RUN_FILE)
        if info is None or info is _UNREADABLE:
            raise RuntimeError(f"{run_dir / RUN_FILE}: missing or unreadable; call hub.start() before training")
        state = {k: (v.detach().to("cpu", copy=True) if torch.is_tensor(v) else v)
                 for k, v in _unwrap(model).state_dict().items()}
        path = ckpt.save(run_dir / MODEL_FILE, state)
        if history:
            tmp = run_dir / (LOG_FILE + ".tmp")
            tmp.write_text("".join(json.dumps(row) + "\n" for row in history))
            os.replace(tmp, run_dir / LOG_FILE)
        if steps is None:
            steps = int(history[-1].get("step", 0)) if history else 0
        info.update({"finished": True, "model_sha256": sha256_file(path), "model_bytes": path.stat().st_size,
                     "steps": int(steps), "train_seconds": round(float(train_seconds), 2),
                     "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                     "environment": runtime.environment()})
        _write_json(run_dir / RUN_FILE, info)
        if not keep_checkpoints:
            for old in run_dir.glob("step_*.pt"):
                old.unlink(missing_ok=True)
    distributed.barrier()
    return Run.read(run_dir, source="local")


# ---------------------------------------------------------------- the manifest
def manifest_path() -> Path:
    """``$AVSCENE_WEIGHTS_MANIFEST``, else the packaged ``lib/avscene/course/weights.json``."""
    return Path(os.environ[WEIGHTS_MANIFEST_ENV]).expanduser() if os.environ.get(WEIGHTS_MANIFEST_ENV) \
        else PACKAGED_MANIFEST


def _is_url(text: str) -> bool:
    return urllib.parse.urlparse(text).scheme in ("http", "https", "file")


def load_manifest(path: Path | None = None) -> dict[str, Any]:
    """The weights manifest (default :func:`manifest_path`), a relative ``base_url`` resolved against its folder."""
    path = Path(path) if path is not None else manifest_path()
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        raise WeightsError(f"{path}: no such weights manifest (see ${WEIGHTS_MANIFEST_ENV})") from None
    except (OSError, ValueError) as exc:
        raise WeightsError(f"{path}: not a readable weights manifest ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("version") != MANIFEST_VERSION:
        raise WeightsError(f"{path}: not a version-{MANIFEST_VERSION} weights manifest")
    doc.setdefault("archives", {})
    base = str(doc.get("base_url") or ".")
    if not _is_url(base) and not Path(base).expanduser().is_absolute():
        base = str((path.resolve().parent / base).resolve())
    doc["base_url"] = base
    return doc


def _entry(manifest: Mapping[str, Any], profile_name: str) -> dict[str, Any]:
    entry = manifest.get("archives", {}).get(profile_name)
    if not entry:
        raise WeightsError(f"no published weights for profile {profile_name!r} in the manifest")
    if PurePosixPath(entry["file"]).name != entry["file"] or entry["file"] in ("", ".", ".."):
        raise WeightsError(f"manifest entry of {profile_name!r}: file {entry['file']!r} must be a plain file name")
    return entry


def archive_location(manifest: Mapping[str, Any], profile_name: str) -> str | Path:
    """Where the profile's archive is fetched from: a URL, or a local path (``$AVSCENE_WEIGHTS_URL`` first)."""
    file = _entry(manifest, profile_name)["file"]
    base = os.environ.get(WEIGHTS_URL_ENV) or str(manifest.get("base_url") or ".")
    scheme = urllib.parse.urlparse(base).scheme
    if scheme in ("http", "https"):
        return base.rstrip("/") + "/" + urllib.parse.quote(file)
    if scheme == "file":
        base = urllib.request.url2pathname(urllib.parse.urlparse(base).path)
    return Path(base).expanduser().resolve() / file


@contextmanager
def _open(location: str | Path) -> Iterator[tuple[BinaryIO, int | None]]:
    """A readable stream of ``location`` and its length when known."""
    if isinstance(location, Path):
        with open(location, "rb") as fh:
            yield fh, location.stat().st_size
        return
    request = urllib.request.Request(location, headers={"User-Agent": "avscene"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
        length = response.headers.get("Content-Length")
        yield response, int(length) if length and length.isdigit() else None


def _how_to_proceed(file: str) -> str:
    return (f"retry, or set {WEIGHTS_URL_ENV} to a URL or folder holding a good copy of {file}, "
            "or train the model yourself (retrain=True)")


def _download(location: str | Path, archive: Path, entry: Mapping[str, Any]) -> Path:
    """Stream ``location`` into ``archive`` (via a ``.part`` file) with a progress bar; check size and sha256."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    part = archive.with_name(f"{archive.name}.{os.getpid()}.part")
    digest, size = hashlib.sha256(), 0
    try:
        with _open(location) as (stream, total), open(part, "wb") as fh, \
                runtime.progress(total=total or entry.get("bytes"), unit="B", unit_scale=True, unit_divisor=1024,
                                 desc=f"downloading {entry['file']}") as bar:
            while chunk := stream.read(CHUNK):
                fh.write(chunk)
                digest.update(chunk)
                size += len(chunk)
                bar.update(len(chunk))
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    actual = digest.hexdigest()
    if actual != entry["sha256"] or size != entry.get("bytes", size):
        part.unlink(missing_ok=True)
        raise WeightsError(f"{location}: the download of {entry['file']} has sha256 {actual} ({size} bytes); the "
                           f"manifest expects {entry['sha256']} ({entry.get('bytes', '?')} bytes). The bad download "
                           f"{part} was deleted; {_how_to_proceed(entry['file'])}")
    os.replace(part, archive)
    return archive


def _check_member(member: tarfile.TarInfo, archive: Path) -> None:
    path = PurePosixPath(member.name)
    if path.is_absolute() or ".." in path.parts or member.name.startswith(("/", "\\")) \
            or (path.parts and ":" in path.parts[0]):
        raise WeightsError(f"{archive}: unsafe member {member.name!r} (absolute or '..' path); not extracted")
    if not (member.isfile() or member.isdir()):
        raise WeightsError(f"{archive}: member {member.name!r} is not a plain file or folder; not extracted")


def _extract(archive: Path, folder: Path, entry: Mapping[str, Any]) -> Path:
    """Extract ``archive`` safely into a temporary folder, check every run's model.pt, rename it to ``folder``.

    Members must be plain files or folders with relative paths (and pass tarfile's ``"data"`` filter); any
    problem raises ``WeightsError`` and deletes the cached archive.
    """
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        try:
            with tarfile.open(archive, "r:*") as tar:
                members = tar.getmembers()
                for member in members:
                    _check_member(member, archive)
                if hasattr(tarfile, "data_filter"):
                    tar.extractall(tmp, members=members, filter="data")
                else:  # pragma: no cover - Python without the extraction filters (< 3.10.12)
                    tar.extractall(tmp, members=members)
        except (tarfile.TarError, EOFError, ValueError) as exc:
            archive.unlink(missing_ok=True)
            raise WeightsError(f"{archive}: not a readable weights archive ({exc}); it was deleted; "
                               f"{_how_to_proceed(entry['file'])}") from exc
        for name, run in sorted(entry.get("runs", {}).items()):
            model = tmp / name / MODEL_FILE
            if not model.is_file() or not (tmp / name / RUN_FILE).is_file():
                raise WeightsError(f"{archive}: holds no {name}/{MODEL_FILE} and {name}/{RUN_FILE} although the "
                                   "manifest lists that run; pack and publish it again, or train (retrain=True)")
            actual = sha256_file(model)
            if actual != run.get("model_sha256"):
                raise WeightsError(f"{archive}: {name}/{MODEL_FILE} has sha256 {actual}, the manifest expects "
                                   f"{run.get('model_sha256')}: the manifest and the archive disagree; pack and "
                                   "publish them again, or train (retrain=True)")
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    except WeightsError:
        archive.unlink(missing_ok=True)  # never extracted from again: the next call fetches it anew
        raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


def _complete(folder: Path, entry: Mapping[str, Any]) -> bool:
    return folder.is_dir() and all((folder / name / MODEL_FILE).is_file() and (folder / name / RUN_FILE).is_file()
                                   for name in entry.get("runs", {}))


def _fetch(profile_name: str, manifest: Mapping[str, Any]) -> Path:
    entry = _entry(manifest, profile_name)
    tag = f"{profile_name}-{entry['sha256'][:12]}"
    cache = cache_root() / "weights"
    folder = cache / tag
    if _complete(folder, entry):
        return folder
    cache.mkdir(parents=True, exist_ok=True)
    archive = cache / (tag + ("".join(PurePosixPath(entry["file"]).suffixes) or ".tar"))
    if archive.exists() and sha256_file(archive) != entry["sha256"]:
        print(f"{archive}: cached archive does not match the manifest's sha256: downloading it again")
        archive.unlink()
    if not archive.exists():
        _download(archive_location(manifest, profile_name), archive, entry)
    return _extract(archive, folder, entry)


def fetch(profile_name: str, *, manifest: dict[str, Any] | None = None) -> Path:
    """The extracted folder of the profile's published archive, ``<cache>/weights/<profile>-<sha256[:12]>/``.

    Downloads ``<base>/<file>`` when it is not cached (progress bar; size and sha256 checked); a cached
    archive is checked again before extraction. Network errors propagate (``URLError``/``OSError``);
    a corrupt download, archive or model raises ``WeightsError``.
    """
    return _fetch(profile_name, manifest if manifest is not None else load_manifest())


def _network_reason(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    reason = getattr(exc, "reason", None) if isinstance(exc, urllib.error.URLError) else None
    return str(reason if reason is not None else exc) or type(exc).__name__


def _manifest_or_none() -> dict[str, Any] | None:
    """The manifest; a broken packaged one only warns (an explicit ``$AVSCENE_WEIGHTS_MANIFEST`` raises)."""
    try:
        return load_manifest()
    except WeightsError as exc:
        if os.environ.get(WEIGHTS_MANIFEST_ENV):
            raise
        print(f"warning: {exc}: published weights are not used")
        return None


def find(name: str, profile: Profile, key: str, *, fetch: bool = True, run_dir: Path | None = None) -> Run | None:
    """The finished run ``name`` of ``profile`` trained under ``key``, or ``None`` (then the caller trains).

    1. the local run ``run_dir`` (default ``runs_root(profile)/name``) when finished at ``key``;
    2. else (``fetch``) published weights from the manifest when it lists ``name`` for the profile at ``key``:
       downloaded once into the cache. A network error prints a warning and returns ``None``; a checksum
       mismatch or corrupt archive raises ``WeightsError``. Nothing is downloaded unless the manifest lists
       the run (``smoke`` is never published).
    """
    local = Path(run_dir) if run_dir is not None else runs_root(profile) / name
    info = _read_json(local / RUN_FILE)
    if info and info is not _UNREADABLE and info.get("finished"):
        if info.get("key") == key:
            run = Run.read(local, source="local")
            print(f"found the finished run '{name}' in {_show(local)} (trained {_minutes(run.train_seconds)} min): "
                  "skipping training")
            return run
        print(f"{_show(local)} is stale: trained at other settings (key {_short(info.get('key'))}, now {_short(key)})")
    if not fetch:
        return None
    manifest = _manifest_or_none()
    entry = (manifest or {}).get("archives", {}).get(profile.name) or {}
    published = entry.get("runs", {}).get(name)
    if not published:
        return None
    if published.get("key") != key:
        print(f"published weights for '{name}' were trained at other settings "
              f"(key {_short(published.get('key'))}, now {_short(key)}): not used")
        return None
    location = archive_location(manifest, profile.name)
    try:
        folder = _fetch(profile.name, manifest)
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        print(f"warning: could not fetch pretrained weights from {location} ({_network_reason(exc)}): "
              "training instead")
        return None
    run = Run.read(folder / name, source="published")
    if run.key != key:
        raise WeightsError(f"{folder / name / RUN_FILE}: key {run.key} differs from the manifest's {key}: "
                           "the manifest and the archive disagree; train instead (retrain=True)")
    print(f"found pretrained weights '{name}' for profile {profile.name} ({location}, trained "
          f"{_minutes(published.get('train_seconds'))} min on {published.get('device', '?')}): skipping training")
    return run


def expected_minutes(name: str, profile: Profile) -> float | None:
    """Minutes run ``name`` took to train: as published for the profile (any key), else a finished local run."""
    try:
        manifest = load_manifest()
    except WeightsError:
        manifest = {"archives": {}}
    published = (manifest["archives"].get(profile.name) or {}).get("runs", {}).get(name) or {}
    if published.get("train_seconds") is not None:
        return float(published["train_seconds"]) / 60
    info = _read_json(runs_root(profile) / name / RUN_FILE)
    if info and info is not _UNREADABLE and info.get("finished") and info.get("train_seconds") is not None:
        return float(info["train_seconds"]) / 60
    return None


# ---------------------------------------------------------------- obtaining a run
@dataclass
class Trained:
    """A trained network (in eval mode, on its device) and the run it comes from."""

    model: nn.Module
    run: Run

    @property
    def history(self) -> list[dict[str, Any]]:
        """The training log rows (``step``, ``seconds``, ``loss``, ``eval_*`` ...)."""
        return self.run.history

    @property
    def run_dir(self) -> Path:
        return self.run.dir


def obtain(name: str, profile: Profile, settings: Mapping[str, Any], *, build: Callable[[], nn.Module],
           train: Callable[[Path], Any], run_dir: Path | None = None, retrain: bool = False,
           device: torch.device | None = None) -> Trained:
    """The run ``name`` of ``profile`` shaped by ``settings``, the way every section gets its networks.

    A finished local run or published weights at these settings (:func:`find`) are loaded into
    ``build()``; otherwise (or with ``retrain``) this says so, with the time it took when it was last
    measured, and ``train(run_dir)`` trains (or resumes) it there and returns its fitted
    ``avscene.train.Trainer`` (``model``, ``history``, ``elapsed``, ``step``, ``spec``); the run is then
    finished (:func:`finish`), unless training stopped early (``spec.max_seconds``): then it stays
    resumable.
    """
    key = settings_key(settings)
    device = device or runtime.pick_device()
    run_dir = Path(run_dir) if run_dir is not None else runs_root(profile) / name
    found = None if retrain else find(name, profile, key, run_dir=run_dir)
    if found is not None:
        note_run(name, profile.name, found.source, found.train_seconds)  # for the notebook's run-time table
        return Trained(found.load_into(build()).to(device).eval(), found)
    minutes = expected_minutes(name, profile)
    resume = start(run_dir, name=name, profile=profile.name, key=key, settings=settings, retrain=retrain)
    why = "retrain=True" if retrain else "no finished run and no published weights at these settings"
    print(f"{why}: {'resuming' if resume else 'training'} '{name}' for profile {profile.name} in {_show(run_dir)}"
          + (f" (it took {minutes:.1f} min when last measured)" if minutes is not None else
             " (the time it takes is printed after the first steps)"), flush=True)
    trainer = train(run_dir)
    note_run(name, profile.name, "trained", trainer.elapsed)
    if trainer.step < trainer.spec.steps:  # stopped early (spec.max_seconds): resumable, not finished
        print(f"'{name}' stopped at step {trainer.step} of {trainer.spec.steps}: the run stays unfinished in "
              f"{_show(run_dir)} and resumes from there when asked for again")
        return Trained(trainer.model.eval(), Run.read(run_dir))
    run = finish(run_dir, trainer.model, history=trainer.history, train_seconds=trainer.elapsed)
    return Trained(trainer.model.eval(), run)


# ---------------------------------------------------------------- packing and publishing
def finished_runs(root: Path) -> dict[str, Path]:
    """``{name: folder}`` of every finished run under ``root`` (names may be nested: ``action/scratch``)."""
    found: dict[str, Path] = {}
    for path in sorted(Path(root).rglob(RUN_FILE)):
        info = _read_json(path)
        if info and info is not _UNREADABLE and info.get("finished") is True:
            found[path.parent.relative_to(root).as_posix()] = path.parent
    return found


def _tar_info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, 0, 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def pack(profile_name: str, out_dir: Path, *, names: list[str] | None = None, base_url: str | None = None,
         runs: Path | None = None) -> Path:
    """Pack the finished runs of a profile into ``out_dir/avscene-weights-<profile>.tar`` and write
    ``out_dir/manifest.json`` (merged with one already there); returns the manifest's path.

    The archive holds ``<name>/model.pt``, ``run.json`` and ``log.jsonl`` per run, with sorted members, mtime 0
    and no owners, so packing the same runs twice gives the same sha256. ``base_url`` (default ``"."``: the
    manifest's folder) is written into the manifest; ``runs`` overrides ``runs_root``.
    """
    root = Path(runs) if runs is not None else _runs_root_named(profile_name)
    found = finished_runs(root) if root.is_dir() else {}
    if names:
        absent = [n for n in names if n not in found]
        if absent:
            raise WeightsError(f"no finished run {', '.join(map(repr, absent))} under {root} "
                               f"(finished: {', '.join(found) or 'none'})")
        found = {n: found[n] for n in names}
    if not found:
        raise WeightsError(f"no finished run under {root} for profile {profile_name!r}: train first "
                           f"(e.g. make figures PROFILE={profile_name})")
    run_entries: dict[str, Any] = {}
    members: list[tuple[str, Path]] = []
    for name, folder in sorted(found.items()):
        run = Run.read(folder)
        model_sha = sha256_file(run.model_path) if run.model_path.is_file() else None
        if model_sha != run.info.get("model_sha256"):
            raise WeightsError(f"{run.model_path}: missing, or its sha256 does not match run.json; not packed")
        run_entries[name] = {"key": run.key, "model_sha256": model_sha, "model_bytes": run.model_path.stat().st_size,
                             "steps": run.steps, "train_seconds": run.train_seconds,
                             "device": _device_label(run.info.get("environment") or {})}
        members += [(f"{name}/{file}", folder / file) for file in PACKED_FILES if (folder / file).is_file()]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    archive = out_dir / f"avscene-weights-{profile_name}.tar"
    tmp = archive.with_name(archive.name + ".tmp")
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
        for arcname, path in sorted(members):
            with open(path, "rb") as fh:
                tar.addfile(_tar_info(arcname, path.stat().st_size), fh)
    os.replace(tmp, archive)
    sha, size = sha256_file(archive), archive.stat().st_size

    manifest_file = out_dir / "manifest.json"
    old = _read_json(manifest_file)
    doc = old if old and old is not _UNREADABLE and old.get("version") == MANIFEST_VERSION else {}
    archives = dict(doc.get("archives") or {})
    archives[profile_name] = {"file": archive.name, "sha256": sha, "bytes": size, "runs": run_entries}
    doc = {"version": MANIFEST_VERSION, "base_url": base_url or doc.get("base_url") or ".",
           "archives": dict(sorted(archives.items()))}
    _write_json(manifest_file, doc)

    release = base_url if base_url and _is_url(base_url) else _packaged_base_url()
    print(f"packed {len(found)} run(s) of profile {profile_name} ({', '.join(found)}) into {archive}: "
          f"{_size(size)}, sha256 {sha}")
    print(f"to use it now: {WEIGHTS_MANIFEST_ENV}={manifest_file}")
    print(f"to publish: 1. upload {archive} as a release asset, so that it downloads from {release}/{archive.name}")
    print(f"            2. copy archives[{profile_name!r}] of {manifest_file} into "
          f"lib/avscene/course/weights.json (or pass --publish to write it there)")
    return manifest_file


def _packaged_base_url() -> str:
    doc = _read_json(PACKAGED_MANIFEST)
    return str(doc.get("base_url")) if doc and doc is not _UNREADABLE else "<base_url of weights.json>"


def publish(profile_name: str, manifest: Path, *, target: Path | None = None) -> Path:
    """Copy the profile's entry of a packed ``manifest`` into ``target`` (default: the packaged weights.json)."""
    target = Path(target) if target is not None else PACKAGED_MANIFEST
    if profile_name == "smoke" and target.resolve() == PACKAGED_MANIFEST.resolve():
        raise WeightsError("the smoke profile is never published")
    src = _read_json(Path(manifest))
    entry = ((src or {}) if src is not _UNREADABLE else {}).get("archives", {}).get(profile_name)
    if not entry:
        raise WeightsError(f"{manifest}: holds no archive of profile {profile_name!r}")
    doc = _read_json(target)
    if doc is None or doc is _UNREADABLE:
        doc = {"version": MANIFEST_VERSION, "base_url": ".", "archives": {}}
    archives = dict(doc.get("archives") or {})
    archives[profile_name] = entry
    doc["archives"] = dict(sorted(archives.items()))
    _write_json(target, doc)
    print(f"wrote the {profile_name!r} entry into {target}; upload {entry['file']} so that it downloads from "
          f"{doc.get('base_url')}/{entry['file']} before committing it")
    return target


def inventory(profile_name: str) -> list[dict[str, Any]]:
    """One row per run name of a profile, local or published: ``{"name", "local": {...}|None, "published": {...}|None}``."""
    root = _runs_root_named(profile_name)
    local: dict[str, dict[str, Any]] = {}
    if root.is_dir():
        for path in sorted(root.rglob(RUN_FILE)):
            info = _read_json(path)
            if not info or info is _UNREADABLE:
                continue
            model = path.parent / MODEL_FILE
            local[path.parent.relative_to(root).as_posix()] = {
                "dir": path.parent, "finished": bool(info.get("finished")), "key": info.get("key"),
                "steps": info.get("steps"), "train_seconds": info.get("train_seconds"),
                "bytes": model.stat().st_size if model.is_file() else None}
    try:
        entry = load_manifest()["archives"].get(profile_name) or {}
    except WeightsError:
        entry = {}
    published = entry.get("runs", {})
    return [{"name": n, "local": local.get(n), "published": published.get(n)} for n in sorted({*local, *published})]


def _print_inventory(profile_name: str) -> None:
    try:
        manifest = load_manifest()
    except WeightsError as exc:
        manifest = {"archives": {}}
        print(f"warning: {exc}")
    entry = manifest["archives"].get(profile_name)
    where = (f"{entry['file']} ({_size(entry['bytes'])}, sha256 {entry['sha256'][:12]}…)" if entry
             else "nothing published")
    print(f"profile {profile_name}: runs in {_runs_root_named(profile_name)}; {manifest_path()}: {where}")
    rows = inventory(profile_name)
    if not rows:
        print("  (no runs)")
    for row in rows:
        loc, pub = row["local"], row["published"]
        local_txt = "local: none"
        if loc:
            local_txt = (f"local: {'finished' if loc['finished'] else 'unfinished'}, key {loc['key']}"
                         + (f", {loc['steps']} steps, {_minutes(loc['train_seconds'])} min, {_size(loc['bytes'])}"
                            if loc["finished"] and loc["bytes"] is not None else ""))
        pub_txt = "published: none"
        if pub:
            same = " (same key)" if loc and loc["key"] == pub.get("key") else ""
            pub_txt = (f"published: key {pub.get('key')}{same}, {pub.get('steps')} steps, "
                       f"{_minutes(pub.get('train_seconds'))} min on {pub.get('device', '?')}"
                       + (f", {_size(pub['model_bytes'])}" if pub.get("model_bytes") else ""))
        print(f"  {row['name']:<20} {local_txt} | {pub_txt}")


def main(argv: list[str] | None = None) -> int:
    """``python -m avscene.course.hub pack|list ...`` (``make weights`` runs ``pack``)."""
    parser = argparse.ArgumentParser(prog="python -m avscene.course.hub",
                                     description="Pack, publish and list trained runs and published weights.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("pack", help="pack the finished runs of a profile into a weights archive and manifest")
    p.add_argument("--profile", default=os.environ.get(config.ENV_VAR, "cpu"), choices=config.PROFILE_NAMES)
    p.add_argument("--out", type=Path, default=Path("build/weights"), help="folder of the archive and manifest.json")
    p.add_argument("--names", nargs="+", help="only these runs (e.g. shift cam)")
    p.add_argument("--base-url", help="the archive's base URL written into manifest.json (default: its folder)")
    p.add_argument("--runs", type=Path, help="the runs folder of the profile (default: runs_root)")
    p.add_argument("--publish", action="store_true",
                   help="also write the profile's entry into lib/avscene/course/weights.json")
    q = sub.add_parser("list", help="what is local, finished and published, with keys and sizes")
    q.add_argument("--profile", choices=config.PROFILE_NAMES, help="one profile (default: all)")
    args = parser.parse_args(argv)
    try:
        if args.command == "pack":
            manifest = pack(args.profile, args.out, names=args.names, base_url=args.base_url, runs=args.runs)
            if args.publish:
                publish(args.profile, manifest)
        else:
            for name in [args.profile] if args.profile else config.PROFILE_NAMES:
                _print_inventory(name)
    except WeightsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
