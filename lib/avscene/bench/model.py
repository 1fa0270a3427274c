"""ShiftNet training-step speed: forward + backward clips/s and FLOP/s per profile, as a fraction of the
machine's fp32 matmul FLOP/s measured in the same run (step 5; notebook 02).

``python -m avscene.bench model --profile cpu`` (add ``smoke colab``; ``--sweep`` tries memory
formats, oneDNN on/off and batch sizes for the first profile).
"""
from __future__ import annotations

import argparse
import contextlib
import itertools
import statistics
import time
import warnings
from typing import Any

import torch
import torch.nn.functional as F

from avscene import config, runtime
from avscene.bench.common import measure_matmul_flops, peak_rss_mib, print_table
from avscene.models import ShiftNet
from avscene.models.summary import example_inputs, flops_per_clip


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", nargs="+", default=["cpu"], choices=config.PROFILE_NAMES,
                        help="profiles to measure (default: cpu)")
    parser.add_argument("--batch", type=int, default=None,
                        help="clips per step (default: 2 × train.batch, aligned + shifted)")
    parser.add_argument("--device", default=None, help="default: runtime.pick_device()")
    parser.add_argument("--channels-last", action="store_true",
                        help="channels_last_3d frames and weights (slower on CPU in our measurements)")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    parser.add_argument("--seconds", type=float, default=4.0, help="minimum timing per measurement")
    parser.add_argument("--matmul-n", type=int, default=2048, help="matrix side for the matmul rate")
    parser.add_argument("--sweep", action="store_true",
                        help="also try memory format × batch (1/2, 1, 2 × default), oneDNN off and one "
                             "thread (matmul measured at the same thread count) on the first profile")


def _step_rate(cfg: config.Profile, batch: int, device: torch.device, channels_last: bool,
               seconds: float, matmul_n: int) -> dict[str, float]:
    """Time training steps interleaved with fp32 matmuls of about the same duration, so both see the
    same machine load (the machine may be shared); medians resist bursts of contention."""
    torch.manual_seed(0)
    net = ShiftNet.from_config(cfg).to(device).train()
    frames, audio = example_inputs(cfg.media.clip_frames, cfg.media.crop_size, cfg.media.clip_samples,
                                   cfg.media.channels, batch=batch, device=device)
    if channels_last:
        net = net.to(memory_format=torch.channels_last_3d)
        frames = frames.contiguous(memory_format=torch.channels_last_3d)
    labels = (torch.arange(batch, device=device) % 2).float()
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    a = torch.randn(matmul_n, matmul_n, device=device)
    b, c = torch.randn_like(a), torch.empty_like(a)

    def step() -> None:
        net.zero_grad(set_to_none=True)
        F.binary_cross_entropy_with_logits(net(frames, audio), labels).backward()
        sync()

    def matmul() -> None:
        torch.mm(a, b, out=c)
        sync()

    def per_call(fn, calls: int) -> float:
        t = time.perf_counter()
        for _ in range(calls):
            fn()
        return (time.perf_counter() - t) / calls

    per_call(step, 2), per_call(matmul, 2)  # warm-up (oneDNN builds its kernels on first use)
    step_one, mm_one = per_call(step, 1), per_call(matmul, 1)  # group sizes
    k_step = max(1, round(0.25 / step_one))  # rounds of ~0.25 s of steps, then ~0.25 s of matmuls
    k_mm = max(1, round(k_step * step_one / mm_one))
    step_s, mm_s = [], []
    start = time.perf_counter()
    while time.perf_counter() - start < seconds or len(step_s) < 3:
        step_s.append(per_call(step, k_step))
        mm_s.append(per_call(matmul, k_mm))
    r = {"s_per_step": statistics.median(step_s), "steps": len(step_s) * k_step,
         "matmul_flops": 2.0 * matmul_n**3 / statistics.median(mm_s),
         "step_s_min": min(step_s), "step_s_max": max(step_s)}
    if device.type == "cuda":
        r["peak_gpu_mib"] = torch.cuda.max_memory_allocated(device) / 2**20
    return r


def _train_flops(cfg: config.Profile) -> float:
    """Forward + backward FLOPs per clip, counted on the meta device (no memory, no time)."""
    with torch.device("meta"):
        net = ShiftNet.from_config(cfg)
        v, a = example_inputs(cfg.media.clip_frames, cfg.media.crop_size, cfg.media.clip_samples,
                              cfg.media.channels, batch=2, device="meta")
        return flops_per_clip(net, v, a, backward=True)


def _measure(cfg: config.Profile, batch: int, device: torch.device, channels_last: bool,
             mkldnn: bool, args: argparse.Namespace) -> dict[str, Any]:
    """One row: median step time and the median matmul rate measured between the steps."""
    with contextlib.ExitStack() as stack:
        if not mkldnn:
            stack.enter_context(warnings.catch_warnings())
            warnings.simplefilter("ignore", UserWarning)  # the flags' TF32-on-Intel-GPU notice
            stack.enter_context(torch.backends.mkldnn.flags(enabled=False))
        r = _step_rate(cfg, batch, device, channels_last, args.seconds, args.matmul_n)
    flops = _train_flops(cfg)
    clips = batch / r["s_per_step"]
    achieved = flops * clips
    row = {"profile": cfg.name, "device": str(device), "batch": batch,
           "format": "channels_last_3d" if channels_last else "contiguous",
           "onednn": mkldnn, "threads": torch.get_num_threads(), "steps": r["steps"],
           "clips_per_s": clips, "s_per_step": r["s_per_step"],
           "step_spread": r["step_s_max"] / r["step_s_min"],
           "gflop_per_clip": flops / 1e9, "achieved_gflops": achieved / 1e9,
           "matmul_gflops": r["matmul_flops"] / 1e9,
           "ratio_to_matmul": achieved / r["matmul_flops"], "peak_rss_mib": round(peak_rss_mib(), 1)}
    if "peak_gpu_mib" in r:
        row["peak_gpu_mib"] = round(r["peak_gpu_mib"], 1)
    return row


def run(args: argparse.Namespace) -> dict[str, Any]:
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device) if args.device else runtime.pick_device()
    rows = []
    for name in args.profile:
        cfg = config.get(name)
        batch = args.batch or 2 * cfg.train.batch
        rows.append(_measure(cfg, batch, device, args.channels_last, True, args))
    print_table("ShiftNet forward + backward (fp32); FLOPs counted by FlopCounterMode", rows)
    result: dict[str, Any] = {"rows": rows}
    if args.sweep:
        cfg = config.get(args.profile[0])
        base = args.batch or 2 * cfg.train.batch
        sweep = []
        threads = torch.get_num_threads()
        grid = [(cl, True, b, threads) for cl, b in itertools.product(
            (False, True), (max(1, base // 2), base, 2 * base))]
        if device.type == "cpu":
            grid += [(cl, False, base, threads) for cl in (False, True)]
            if threads > 1:  # one thread: no OpenMP barriers, which a busy machine makes costly
                grid.append((False, True, base, 1))
        for cl, mk, b, th in grid:
            torch.set_num_threads(th)
            sweep.append(_measure(cfg, b, device, cl, mk, args))
            torch.set_num_threads(threads)
            r = sweep[-1]
            print(f"  {r['format']:>16} onednn={mk!s:5} batch {b:3d} threads {th}: "
                  f"{r['clips_per_s']:.3g} clips/s, {r['ratio_to_matmul']:.2f} of matmul "
                  f"(spread {r['step_spread']:.2f})", flush=True)
        print_table(f"sweep on profile {cfg.name}", sweep)
        result["sweep"] = sweep
    mm = measure_matmul_flops(args.matmul_n, device=str(device), min_seconds=args.seconds / 2)
    result["matmul_gflops_alone"] = mm / 1e9
    print(f"\nfp32 matmul ({args.matmul_n}²) alone after the runs: {mm / 1e9:.1f} GFLOP/s. ratio_to_matmul ="
          " achieved FLOP/s (median step) / matmul FLOP/s (median, timed between the steps); "
          "step_spread = slowest / fastest round of steps (> 1.3: the machine was busy).")
    return result
