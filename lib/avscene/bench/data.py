"""``python -m avscene.bench data``: shift-task examples per second through the DataLoader (step 4).

Measures what the training loop is fed: items (one video's frames + aligned + shifted audio) per
second from the synthetic world (generated on the fly) or from a clip cache, with 0..N workers.
"""
from __future__ import annotations

import argparse
import time

from .common import print_table


def measure_loader(dataset, batch: int, num_workers: int, n_batches: int) -> dict[str, float]:
    """Videos/s and batches/s of ``n_batches`` batches (after one warm-up batch), as training reads them."""
    from ..shift.dataset import collate, to_device
    from ..train import LoaderSource
    import torch

    source = LoaderSource(dataset, batch, n_batches + 1, num_workers=num_workers, collate=collate,
                          to_device=to_device)
    it = source.batches(0)
    source.to_device(next(it), torch.device("cpu"))  # warm-up: workers start, first batch
    start = time.perf_counter()
    for _ in range(n_batches):
        source.to_device(next(it), torch.device("cpu"))
    elapsed = time.perf_counter() - start
    return {"workers": num_workers, "videos_per_s": n_batches * batch / elapsed,
            "batches_per_s": n_batches / elapsed}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--profile", default="cpu")
    p.add_argument("--workers", type=int, nargs="*", default=[0, 1, 2])
    p.add_argument("--batches", type=int, default=20)


def run(args: argparse.Namespace) -> dict:
    from .. import config
    from ..shift.dataset import ShiftDataset
    from ..datasets.sources import SyntheticSource

    cfg = config.get(args.profile)
    ds = ShiftDataset(SyntheticSource.pretext(cfg, "train"), cfg, seed=cfg.seed)
    rows = [measure_loader(ds, cfg.train.batch, w, args.batches) for w in args.workers]
    print_table(f"shift-task data, synthetic world, profile {cfg.name} "
                f"({cfg.media.clip_frames} frames of {cfg.media.crop_size} px, batch {cfg.train.batch} videos)",
                rows)
    return {"profile": cfg.name, "rows": rows}
