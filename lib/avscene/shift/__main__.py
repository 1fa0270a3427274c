"""``python -m avscene.shift pretrain --profile gpu --data PATH``: pretraining outside notebooks;
``python -m avscene.shift sync --profile cpu --seeds 0 1 2``: the sync-offset seed study of notebook 09
(``figures/seeds/<profile>_sync.json``; ``make seeds`` runs it).

Batch runs for researchers (several GPUs: ``torchrun --nproc_per_node N -m avscene.shift pretrain ...``).
``--data synthetic`` (default) trains on the synthetic world; a folder or CSV of real videos (e.g. the
AudioSet download of ``data_scripts/audioset.py``) is scanned, cached at the profile's rates and split
into training and held-out videos (a ``split`` column, else a stable 2 % by file name). The run resumes
from its last checkpoint when started again with the same ``--run-dir``.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path


def _held_out(path: str, fraction: float) -> bool:
    digest = hashlib.sha1(Path(path).name.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < fraction


def real_sources(cfg, data: str, cache_dir: str | None, eval_fraction: float = 0.02):
    """(train, held-out) ``CacheSource``s over the usable videos of a folder or CSV, and a name for the
    training videos (the folder and a hash of their paths: the run's settings key depends on it)."""
    from .. import sampling
    from ..datasets import scan
    from ..datasets.sources import CacheSource
    from ..io import ClipCache

    need_s = sampling.min_video_frames(cfg.media.clip_frames, cfg.shift.max_overlap_frames) / cfg.media.fps
    index = scan(data, min_duration=need_s)
    if len(index) == 0:
        raise SystemExit(f"{data}: no usable videos (see the skip report {index.report_path})")
    cache = ClipCache.from_profile(cache_dir or Path(data if Path(data).is_dir() else Path(data).parent)
                                   / f".avscene-cache-{cfg.name}", cfg)
    paths = [e.path for e in index]
    failures = cache.build_all(paths)
    usable = [p for p in paths if p not in set(failures or {})]
    split = {e.path: e.extra.get("split", "") for e in index}
    held = [p for p in usable if split[p] in ("test", "eval", "val") or (not split[p] and _held_out(p, eval_fraction))]
    train = [p for p in usable if p not in set(held)]
    if not held or not train:
        raise SystemExit(f"{data}: need both training and held-out videos (got {len(train)} and {len(held)})")
    print(f"{len(train)} training and {len(held)} held-out videos; {len(index.skipped)} skipped by the scan")
    name = f"{data} ({len(train)} videos, {hashlib.sha1(chr(10).join(sorted(train)).encode()).hexdigest()[:12]})"
    return CacheSource(cache, train), CacheSource(cache, held), name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m avscene.shift", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pretrain", help="self-supervised shift-task pretraining")
    p.add_argument("--profile", default="gpu")
    p.add_argument("--data", default="synthetic", help="'synthetic', or a folder / CSV of videos")
    p.add_argument("--cache", default=None, help="clip cache folder for real data")
    p.add_argument("--run-dir", default=None, help="default: runs/<profile>/shift")
    p.add_argument("--steps", type=int, default=None)
    p.add_argument("--retrain", action="store_true", help="discard an existing run in --run-dir")
    q = sub.add_parser("sync", help="sync offsets of each seed's shift run on held-out synthetic clips")
    q.add_argument("--profile", default="cpu")
    q.add_argument("--seeds", type=int, nargs="+", default=None, help="default: 0 .. sync.seeds - 1")
    q.add_argument("--n-clips", type=int, default=None, help="clips per seed (default: sync.study_clips)")
    q.add_argument("--out", default=None, help="default: figures/seeds/<profile>_sync.json")
    args = parser.parse_args(argv)
    if args.cmd == "sync":
        from .. import runtime
        from .sync import run_study

        runtime.flush_denormals()
        run_study(args.profile, args.seeds, n_clips=args.n_clips, out=args.out)
        return 0

    from .. import config, runtime
    from ..train import distributed
    from .pretraining import pretrain

    runtime.flush_denormals()
    device = distributed.init_from_env()
    cfg = config.get(args.profile)
    sources = {} if args.data == "synthetic" else dict(zip(("train_source", "eval_source", "data"),
                                                           real_sources(cfg, args.data, args.cache)))
    try:
        result = pretrain(cfg, run_dir=args.run_dir, retrain=args.retrain, steps=args.steps, device=device,
                          **sources)
    finally:
        distributed.shutdown()
    if result.history and distributed.rank() == 0:
        print(json.dumps(result.history[-1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
