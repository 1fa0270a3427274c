"""``python -m avscene.bench train``: the pretraining step as notebook 03 runs it (step 6).

Times real training steps (the shift task through ``avscene.train.Trainer``, data from the profile's
synthetic world through the DataLoader), then reports clips/s (examples: each video gives an aligned
and a shifted one), achieved FLOP/s and its ratio to the fp32 matmul rate measured in the same run,
the data loader's rate alone, and peak memory.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from typing import Any

from .common import measure_matmul_flops, print_table


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--profile", nargs="+", default=None, help="default: cpu, and gpu when CUDA is present")
    p.add_argument("--steps", type=int, default=40, help="timed steps (after 5 warm-up steps)")


def run(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from .. import config, runtime
    from ..shift.pretraining import pretrain
    from ..shift.dataset import ShiftDataset
    from ..shift.task import ShiftTask
    from ..datasets.sources import SyntheticSource
    from .data import measure_loader
    from .model import _train_flops

    device = runtime.pick_device()
    names = args.profile or (["cpu", "gpu"] if device.type == "cuda" else ["cpu"])
    rows = []
    for name in names:
        cfg = config.get(name)
        warm, steps = 5, args.steps
        times: list[float] = []
        with tempfile.TemporaryDirectory() as run_dir:
            t_cfg = cfg.replace(**{"train.steps": warm + steps, "train.eval_clips": 2, "train.evals": 0,
                                   "train.checkpoint_every": 10**9, "synth.curriculum": ()})
            task = ShiftTask()
            stamp = {"t": None}

            def clock(step: int) -> None:  # called by the loop before each step
                now = time.perf_counter()
                if stamp["t"] is not None and step > warm:
                    times.append(now - stamp["t"])
                stamp["t"] = now

            task.on_step = clock  # type: ignore[method-assign]
            pretrain(t_cfg, run_dir=run_dir, device=device, task=task)
        matmul = measure_matmul_flops(device=str(device))
        seconds = sum(times) / len(times)
        examples = 2 * cfg.train.batch
        flops = _train_flops(cfg) * examples / seconds
        loader = measure_loader(ShiftDataset(SyntheticSource.pretext(cfg, "train"), cfg, seed=cfg.seed),
                                cfg.train.batch, cfg.train.num_workers, 10)
        rows.append({"profile": name, "s_per_step": seconds, "clips_per_s": examples / seconds,
                     "GFLOP_per_s": flops / 1e9, "matmul_GFLOP_per_s": matmul / 1e9, "ratio": flops / matmul,
                     "loader_clips_per_s": 2 * loader["videos_per_s"],
                     "loader_over_step": 2 * loader["videos_per_s"] / (examples / seconds)})
    print_table(f"pretraining step on {device} ({torch.get_num_threads()} threads)", rows)
    return {"device": str(device), "rows": rows}
