"""Action-recognition fine-tuning speed (step 10; notebook 05): a fine-tuning step of ``ActionNet`` on the
action set's clips through the step-indexed loader, its FLOP rate against the fp32 matmul rate measured in
the same run (as ``python -m avscene.bench train`` does for the pretraining step), a linear-probe step
(frozen body), test clips per second, and what the notebook's ablation then costs.

``python -m avscene.bench action --profile cpu``.
"""
from __future__ import annotations

import argparse
from typing import Any

import torch

from avscene import config, runtime
from avscene.action import ActionNet
from avscene.action.data import ActionDataset, clip_samples, collate, synthetic, to_device
from avscene.action.task import ActionTask, predict
from avscene.bench.common import measure_matmul_flops, print_table, profile_rows, rate, train_step
from avscene.models.summary import example_inputs, flops_per_clip
from avscene.synthetic.datasets import N_ACTIONS
from avscene.train import LoaderSource, freeze, make_optimizer


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", nargs="+", default=["cpu"], choices=config.PROFILE_NAMES,
                        help="profiles to measure (default: cpu)")
    parser.add_argument("--seconds", type=float, default=5.0, help="minimum timing per measurement")


def step_flops(cfg: config.Profile) -> float:
    """Forward + backward FLOPs per clip of ``ActionNet`` at the profile's action clips (meta device)."""
    a, m = cfg.action, cfg.media
    with torch.device("meta"):
        net = ActionNet.from_config(cfg, N_ACTIONS)
        frames, audio = example_inputs(a.clip_frames, m.crop_size, clip_samples(cfg), m.channels, batch=2,
                                       device="meta")
        return flops_per_clip(net, frames, audio, backward=True)


def runs_in_notebook(cfg: config.Profile) -> dict[str, int]:
    """Fine-tuning runs notebook 05 trains and their steps, per kind of step: the table's rows (the linear
    probe apart), the curve's other budgets (pretrained and scratch) and the set's check (the two probes and
    their full model, which is the curve's last point when ``probe_steps`` is the recipe's)."""
    a = cfg.action
    steps, check = a.finetune.steps, a.probe_steps or a.finetune.steps
    curve_extra = len([n for n in a.curve if n != a.labels_per_class])
    shared = check == steps and a.curve[-1] >= a.train_per_class
    ablation = a.seeds * (4 + 2 * curve_extra)
    probes = a.seeds * (2 if shared else 3)
    return {"full": ablation + probes, "linear_probe": a.seeds,
            "full_steps": ablation * steps + probes * check, "linear_probe_steps": a.seeds * steps}


def measure(cfg: config.Profile, device: torch.device, seconds: float) -> dict[str, Any]:
    """Rates for one profile (fresh weights: speed does not depend on them)."""
    a = cfg.action
    spec = a.finetune
    train_src = synthetic(cfg, "train", a.labels_per_class)
    items = ActionDataset(train_src, range(len(train_src)), cfg, train=True)
    task = ActionTask(smoothing=a.label_smoothing)

    def stepper(head_only: bool):
        torch.manual_seed(0)
        net = ActionNet.from_config(cfg, N_ACTIONS).to(device).train()
        frozen = freeze(net, ("sf", "im")) if head_only else ()
        opt = make_optimizer(net, spec)
        batches = LoaderSource(items, spec.batch, 10**6, collate=collate, to_device=to_device).batches(0)
        return train_step(net, task, opt, batches, to_device, device, frozen)

    full = rate(stepper(False), spec.batch, warmup=2, min_seconds=seconds)
    probe = rate(stepper(True), spec.batch, warmup=2, min_seconds=seconds)
    matmul = measure_matmul_flops(device=str(device))
    test_src = synthetic(cfg, "test", 2)
    test = ActionDataset(test_src, range(len(test_src)), cfg, train=False)
    net = ActionNet.from_config(cfg, N_ACTIONS).to(device).eval()
    scored = rate(lambda: predict(net, test, task), len(test), warmup=1, min_seconds=seconds)
    flops = step_flops(cfg) * spec.batch / full["s_per_call"]
    runs = runs_in_notebook(cfg)
    minutes = (runs["full_steps"] * full["s_per_call"] + runs["linear_probe_steps"] * probe["s_per_call"]) / 60
    return {"profile": cfg.name, "clip": f"{a.clip_frames}x{cfg.media.crop_size}", "batch": spec.batch,
            "s_per_step": full["s_per_call"], "clips_per_s": full["items_per_s"], "GFLOP_per_s": flops / 1e9,
            "matmul_GFLOP_per_s": matmul / 1e9, "ratio": flops / matmul,
            "probe_s_per_step": probe["s_per_call"], "test_clips_per_s": scored["items_per_s"],
            "runs": runs["full"] + runs["linear_probe"], "ablation_minutes": minutes}


def run(args: argparse.Namespace) -> dict[str, Any]:
    device = runtime.pick_device()
    rows = profile_rows(measure, args.profile, device, args.seconds)
    print_table(f"action fine-tuning on {device} ({torch.get_num_threads()} threads; steps include the loader; "
                "ablation_minutes: every fine-tuning run of notebook 05, evaluations and pretraining excluded)", rows)
    return {"device": str(device), "rows": rows}
