"""Separation training speed (step 11; notebook 06): a training step of the full ``SeparationNet`` (the
shift network's three scales into the u-net) on mixtures through the step-indexed loader, its FLOP rate
against the fp32 matmul rate measured in the same run, the audio-only u-net's step, and seconds of audio
separated per second at test: by the network alone on a batch of windows (``audio_s_per_s``), and through
``python -m avscene.separation separate``'s path from a video file (H.264 + FLAC; decode, 50 %-overlapping windows, the
stitching; writing excluded: ``separate_audio_s_per_s``).

``python -m avscene.bench separation --profile cpu``.
"""
from __future__ import annotations

import argparse
from typing import Any

import torch
from torch.utils.flop_counter import FlopCounterMode

from avscene import config, runtime
from avscene.bench.common import (
    measure_matmul_flops,
    print_table,
    profile_rows,
    rate,
    train_step,
)
from avscene.separation import runs as R
from avscene.separation.data import MixtureDataset, collate, synthetic, to_device
from avscene.separation.task import SeparationTask
from avscene.train import LoaderSource, freeze, make_optimizer


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", nargs="+", default=["cpu"], choices=config.PROFILE_NAMES,
                        help="profiles to measure (default: cpu)")
    parser.add_argument("--seconds", type=float, default=5.0, help="minimum timing per measurement")


def measure(cfg: config.Profile, device: torch.device, seconds: float) -> dict[str, Any]:
    """Rates for one profile (fresh weights: speed does not depend on them)."""
    s = cfg.separation
    src = synthetic(cfg, "train", 16)
    items = MixtureDataset(src, cfg, p_same_class=s.p_same_class, clip_frames=s.clip_frames)
    examples = 2 * s.train.batch  # each pair on screen both ways

    def stepper(variant: str):
        torch.manual_seed(0)
        net = R.build(cfg, variant).to(device).train()
        frozen = freeze(net, ("video",)) if net.video is not None and s.frozen_video else ()
        opt = make_optimizer(net, s.train)
        task = SeparationTask(pit=R.VARIANTS[variant].pit)
        batches = LoaderSource(items, s.train.batch, 10**6, collate=collate, to_device=to_device).batches(0)
        return train_step(net, task, opt, batches, to_device, device, frozen), net, task

    full_step, net, task = stepper("full")
    batch = to_device(collate([items[i] for i in range(s.train.batch)]), device)
    with FlopCounterMode(display=False) as counter:
        loss, _ = task.loss(net, batch)
        loss.backward()
    net.zero_grad(set_to_none=True)
    flops_per_example = counter.get_total_flops() / examples
    full = rate(full_step, examples, warmup=2, min_seconds=seconds)
    pit = rate(stepper("pit")[0], examples, warmup=2, min_seconds=seconds)
    matmul = measure_matmul_flops(device=str(device))
    net.eval()
    audio_seconds = examples * net.samples / cfg.media.sample_rate

    def separate() -> None:
        with torch.no_grad():
            on, off = task.outputs(net, batch)
            net.waveforms(on, batch["mixture"]), net.waveforms(off, batch["mixture"])
    test = rate(separate, audio_seconds, warmup=1, min_seconds=seconds)
    cli = separate_rate(cfg, net, device, seconds)
    flops = flops_per_example * full["items_per_s"]
    minutes = full["s_per_call"] * s.train.steps * 3 * s.seeds / 60 + pit["s_per_call"] * s.train.steps * s.seeds / 60
    return {"profile": cfg.name, "spec": f"{s.spec_frames}x{net.spec.bins}", "width": s.width, "examples": examples,
            "s_per_step": full["s_per_call"], "examples_per_s": full["items_per_s"], "GFLOP_per_s": flops / 1e9,
            "matmul_GFLOP_per_s": matmul / 1e9, "ratio": flops / matmul, "pit_s_per_step": pit["s_per_call"],
            "audio_s_per_s": test["items_per_s"], "separate_audio_s_per_s": cli, "variants_minutes": minutes}


def separate_rate(cfg: config.Profile, net: Any, device: torch.device, seconds: float) -> float:
    """Seconds of audio per second through ``separate.separate`` on one synthetic video of the profile's
    length written to a file (decoding included)."""
    import tempfile
    from pathlib import Path

    from avscene.io.write import write_av
    from avscene.separation.separate import separate
    from avscene.synthetic.datasets import SeparationSet

    m = cfg.media
    clip = SeparationSet(m, 1, seed=cfg.seed, split="eval")[0]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clip.mkv"  # FLAC takes every profile's rate (AAC not smoke's 4 kHz)
        write_av(path, clip.frames, clip.audio, m.fps, m.sample_rate, audio_codec="flac")
        audio_seconds = separate(path, net, cfg, device=device).seconds  # the warm-up, and what one call covers
        return rate(lambda: separate(path, net, cfg, device=device), audio_seconds, warmup=0,
                    min_seconds=seconds)["items_per_s"]


def run(args: argparse.Namespace) -> dict[str, Any]:
    device = runtime.pick_device()
    rows = profile_rows(measure, args.profile, device, args.seconds)
    print_table(f"separation training on {device} ({torch.get_num_threads()} threads; steps include the loader; "
                "audio_s_per_s: seconds of mixture separated per second by the net, separate_audio_s_per_s: through "
                "`separate` from a video file, decoding included; variants_minutes: full, single frame "
                "and scratch, and PIT, every seed, evaluation excluded)", rows)
    return {"device": str(device), "rows": rows}
