"""Write synthetic clips to disk as real media files plus ground truth (step 3), so notebooks can run
the exact real-data path (scan, cache, load) on the synthetic world.

Layout under ``root``: ``<name>.mp4`` (H.264 + AAC through ``avscene.io.write_av``, streams starting
at 0; AAC has no 4 kHz or 21 kHz mode, so at those rates (``smoke``, ``gpu``) the audio is FLAC in mp4) and ``<name>.npz`` (``SceneClip.ground_truth()``: masks bit-packed along width, stems, classes,
events, ...) per clip, and ``manifest.json`` (sizes, class names, one record per clip).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from ..io.write import AAC_RATES, write_av
from .objects import CLASS_NAMES
from .scene import SceneClip


def audio_codec_for(sample_rate: int) -> str:
    """``aac`` where AAC can encode ``sample_rate``, else lossless ``flac`` (also muxable into mp4)."""
    return "aac" if int(sample_rate) in AAC_RATES else "flac"


def clip_name(clip: SceneClip) -> str:
    return f"{clip.index:06d}"


def write_clip(root: str | Path, clip: SceneClip, *, crf: int = 18) -> Path:
    """Write ``clip`` as ``root/<index>.mp4`` and ``root/<index>.npz``; returns the mp4 path."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{clip_name(clip)}.mp4"
    write_av(path, clip.frames, clip.audio, clip.fps, clip.sample_rate, crf=crf,
             audio_codec=audio_codec_for(clip.sample_rate))
    np.savez_compressed(root / f"{clip_name(clip)}.npz", **clip.ground_truth())
    return path


def write_dataset(root: str | Path, clips: Sequence[SceneClip] | Iterable[SceneClip], *, crf: int = 18,
                  progress: bool = False, overwrite: bool = False) -> list[Path]:
    """Write every clip of ``clips`` (e.g. a ``datasets.PretextSet``) under ``root``; returns the mp4 paths.

    Clips whose mp4 and npz already exist are skipped unless ``overwrite`` (so an interrupted write resumes).
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    n = len(clips) if isinstance(clips, Sequence) else None
    records, paths = [], []
    indices = range(n) if n is not None else None
    it = indices if indices is not None else clips
    if progress:
        from ..runtime import progress as bar
        it = bar(it, total=n, desc=f"writing {root.name}")
    meta = None
    for item in it:
        if isinstance(item, (int, np.integer)):
            name = f"{int(item):06d}"
            if not overwrite and (root / f"{name}.mp4").exists() and (root / f"{name}.npz").exists():
                paths.append(root / f"{name}.mp4")
                with np.load(root / f"{name}.npz") as gt:
                    records.append(_record(name, gt["label"], gt["object_classes"], gt["sounding"], gt["stem_onscreen"]))
                continue
            clip = clips[int(item)]  # type: ignore[index]
        else:
            clip = item
        paths.append(write_clip(root, clip, crf=crf))
        records.append(_record(clip_name(clip), clip.label, clip.object_classes, clip.sounding, clip.stem_onscreen))
        meta = meta or {"fps": clip.fps, "sample_rate": clip.sample_rate, "channels": int(clip.audio.shape[0]),
                        "frames": int(clip.frames.shape[0]), "frame_size": int(clip.frames.shape[1]),
                        "samples": int(clip.audio.shape[1]), "seed": clip.seed,
                        "audio_codec": audio_codec_for(clip.sample_rate), "video_codec": "libx264"}
    manifest = {"class_names": list(CLASS_NAMES), **(meta or {}), "clips": records}
    (root / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return paths


def _record(name: str, label, classes, sounding, onscreen) -> dict:
    return {"name": name, "label": int(label), "object_classes": [int(c) for c in classes],
            "sounding": [bool(s) for s in sounding], "n_offscreen": int((~np.asarray(onscreen, bool)).sum())}


def read_ground_truth(path: str | Path) -> dict[str, np.ndarray]:
    """Ground truth of one written clip (``.npz`` or its ``.mp4``): masks unpacked to bool ``[K, T, H, W]``."""
    path = Path(path).with_suffix(".npz")
    if not path.exists():
        raise FileNotFoundError(f"{path}: no ground-truth file next to the video")
    with np.load(path) as gt:
        out = {k: gt[k] for k in gt.files}
    shape = tuple(int(v) for v in out.pop("mask_shape"))
    out["masks"] = np.unpackbits(out["masks"], axis=-1, count=shape[-1]).astype(bool).reshape(shape)
    return out
