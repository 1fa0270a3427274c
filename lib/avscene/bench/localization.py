"""Localization speed (step 7; notebook 04): benchmark scenes built, CAMs mapped (one view and mirrored),
maps scored, and CAM-model fine-tuning steps, per second, at each profile's localization sizes.

``python -m avscene.bench localization --profile cpu`` (add ``smoke colab``).
"""
from __future__ import annotations

import argparse
from typing import Any

import torch
import torch.nn.functional as F

from avscene import config, runtime
from avscene.bench.common import peak_rss_mib, print_table, rate
from avscene.localization import benchmark, cam, cam_model, metrics
from avscene.models import ShiftNet
from avscene.models.summary import example_inputs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", nargs="+", default=["cpu"], choices=config.PROFILE_NAMES,
                        help="profiles to measure (default: cpu)")
    parser.add_argument("--scenes", type=int, default=32, help="benchmark scenes built and mapped")
    parser.add_argument("--device", default=None, help="default: runtime.pick_device()")
    parser.add_argument("--seconds", type=float, default=3.0, help="minimum timing per measurement")


def measure(cfg: config.Profile, scenes: int, device: torch.device, seconds: float) -> dict[str, Any]:
    """Rates for one profile (untrained weights: speed does not depend on them)."""
    lcfg = cam_model.profile(cfg)
    L = cfg.localization
    torch.manual_seed(0)
    net = ShiftNet.from_config(lcfg).to(device).eval()
    bench = benchmark.build(lcfg, "distractor", scenes)
    built = rate(lambda: benchmark.build(lcfg, "distractor", max(scenes // 4, 1)), max(scenes // 4, 1),
                 warmup=0, min_seconds=seconds)
    one = rate(lambda: cam.cam_clips(net, bench.frames, bench.audio, batch_size=L.batch_size, device=device),
               scenes, min_seconds=seconds)
    both = rate(lambda: cam.cam_clips(net, bench.frames, bench.audio, batch_size=L.batch_size, device=device,
                                      mirror=True), scenes, min_seconds=seconds)
    r = cam.cam_clips(net, bench.frames, bench.audio, batch_size=L.batch_size, device=device, mirror=True)
    maps = cam.to_frames(r, lcfg.media.crop_size).numpy()
    gt = bench.gt_window()
    scored = rate(lambda: metrics.score(maps, gt), scenes, min_seconds=seconds)

    batch = 2 * cfg.train.batch
    tnet = ShiftNet.from_config(lcfg).to(device).train()
    opt = torch.optim.Adam(tnet.parameters(), 1e-4)
    frames, audio = example_inputs(lcfg.media.clip_frames, lcfg.media.crop_size, lcfg.media.clip_samples,
                                   lcfg.media.channels, batch=batch, device=device)
    labels = (torch.arange(batch, device=device) % 2).float()

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        F.binary_cross_entropy_with_logits(tnet(frames, audio), labels).backward()
        opt.step()
        if device.type == "cuda":
            torch.cuda.synchronize()

    train = rate(step, batch, warmup=1, min_seconds=seconds)
    cells = tuple(r.maps.shape[-2:])
    return {"profile": cfg.name, "crop": lcfg.media.crop_size, "cam_levels": lcfg.net.cam_levels, "map": f"{cells[0]}x{cells[1]}",
            "scenes_built_per_s": built["items_per_s"], "cam_clips_per_s": one["items_per_s"],
            "cam_mirrored_clips_per_s": both["items_per_s"], "maps_scored_per_s": scored["items_per_s"],
            "finetune_s_per_step": train["s_per_call"], "finetune_clips_per_s": train["items_per_s"],
            "finetune_minutes": train["s_per_call"] * L.finetune.steps / 60}


def run(args: argparse.Namespace) -> dict[str, Any]:
    device = torch.device(args.device) if args.device else runtime.pick_device()
    rows = []
    for name in args.profile:  # peak memory so far, after each profile (the largest profile last shows it)
        rows.append({**measure(config.get(name), args.scenes, device, args.seconds),
                     "peak_rss_mib": round(peak_rss_mib(), 1)})
    print_table(f"localization speed on {device} ({torch.get_num_threads()} threads; fine-tuning steps "
                f"exclude data loading)", rows)
    return {"device": str(device), "rows": rows}
