"""Objects-that-Sound speed (notebook 07): ``python -m avscene.bench ots --profile cpu [--seconds 5]``.

For each network (``ave``: AVE-Net, ``avol``: AVOL-Net, ``l3``: L³-Net) at the profile it trains at
(``ots.variants.profile``), fresh weights (speed does not depend on them): one optimizer step as the Trainer
takes it (``common.train_step``: the AVC loss of :class:`avscene.ots.task.AVCTask`, backward, the
optimizer of ``avscene.train.make_optimizer``) on the next batch of AVC pairs through the step-indexed
loader (``LoaderSource``, as ``ots.runs.train`` reads them), the share of that step spent building the batch
(the pairs cut and collated alone), its FLOPs (``FlopCounterMode`` over one forward + backward) and their
rate against the fp32 matmul rate measured once in the same run. At test: AVE-Net's embeddings of the
retrieval set (``ots.embed.inputs`` + ``ots.embed.embeddings``: ``items_per_s``) and AVOL-Net's maps on
notebook 04's distractor scenes (``ots.localize.avol_maps``, four mirrored views, default frames:
``scenes_per_s``). ``notebook_train_minutes``: every training run of notebook 07 at the profile (``ave``,
``avol``, ``l3``, ``ave_shortcut``, each seed; ``ave_shortcut`` is AVE-Net's step), evaluation excluded.

The videos are a reduced set (at most :data:`N_VIDEOS` training and test clips of the variant's world) to keep
the benchmark quick: a step's cost does not depend on how many videos its pairs are cut from. Nothing is
trained to completion and no run folder is written.
"""
from __future__ import annotations

import argparse
import dataclasses
import itertools
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
from avscene.ots import embed, localize, variants
from avscene.ots import runs as R
from avscene.ots.task import AVCTask
from avscene.train import LoaderSource, make_optimizer

#: the networks measured (``ave_shortcut`` trains AVE-Net: its step is ``ave``'s)
NETWORKS = ("ave", "avol", "l3")
#: at most this many training and test videos per variant (the profile's own numbers when smaller)
N_VIDEOS = 16
#: distractor scenes of notebook 04's benchmark that AVOL-Net maps
N_SCENES = 16
#: step-indexed pairs drawn for the timing (lazily, per index): the loader never runs out
TIMING_STEPS = 10**6


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", nargs="+", default=["cpu"], choices=config.PROFILE_NAMES,
                        help="profiles to measure (default: cpu)")
    parser.add_argument("--seconds", type=float, default=5.0, help="minimum timing per measurement")


def reduced_data(cfg: config.Profile, variant: str) -> R.OtsData:
    """The synthetic videos of ``variant``'s profile, at most :data:`N_VIDEOS` training and test clips."""
    vcfg = variants.profile(cfg, variant)
    o = vcfg.ots
    return R.synthetic_data(vcfg.replace(**{"ots.n_train": min(N_VIDEOS, o.n_train),
                                            "ots.n_test": min(N_VIDEOS, o.n_test)}))


def run_steps(cfg: config.Profile, network: str) -> int:
    """Training steps per seed of notebook 07's runs of ``network`` (``ave``: ``ave`` and ``ave_shortcut``)."""
    return sum(variants.profile(cfg, v).ots.train.steps for v, spec in variants.VARIANTS.items()
               if spec.net == network)


def measure_network(cfg: config.Profile, variant: str, device: torch.device, seconds: float,
                    ) -> tuple[dict[str, Any], torch.nn.Module, R.OtsData]:
    """The training step of ``variant``'s network; returns its row, the network and its videos."""
    vcfg = variants.profile(cfg, variant)
    t = vcfg.ots.train
    data = reduced_data(cfg, variant)
    timing = vcfg.replace(**{"ots.train": dataclasses.replace(t, steps=TIMING_STEPS)})
    items = R.train_pairs(timing, data, 0)
    torch.manual_seed(0)
    net = R.build(vcfg, variant).to(device).train()
    opt = make_optimizer(net, t)
    task = AVCTask()
    source = LoaderSource(items, t.batch, TIMING_STEPS, collate=items.collate)
    step = rate(train_step(net, task, opt, source.batches(0), source.to_device, device), t.batch, warmup=2,
                min_seconds=seconds)

    first = itertools.count(TIMING_STEPS // 2)  # pairs the steps above did not draw

    def build_batch() -> None:
        k = next(first) * t.batch
        items.collate([items[i] for i in range(k, k + t.batch)])
    loader = rate(build_batch, t.batch, warmup=1, min_seconds=seconds)

    batch = source.to_device(items.collate([items[i] for i in range(t.batch)]), device)
    with FlopCounterMode(display=False) as counter:
        loss, _ = task.loss(net, batch)
        loss.backward()
    net.zero_grad(set_to_none=True)
    flops = counter.get_total_flops()
    s = step["s_per_call"]
    row = {"profile": cfg.name, "variant": variant, "batch": t.batch, "s_per_step": s,
           "pairs_per_s": t.batch / s, "loader_fraction": loader["s_per_call"] / s,
           "GFLOP_per_step": flops / 1e9, "GFLOP_per_s": flops / s / 1e9}
    return row, net, data


def measure(cfg: config.Profile, device: torch.device, seconds: float, matmul: float) -> list[dict[str, Any]]:
    """Rows for one profile: one per network (fresh weights: speed does not depend on them)."""
    rows, nets, data = {}, {}, {}
    for v in NETWORKS:
        rows[v], nets[v], data[v] = measure_network(cfg, v, device, seconds)
        rows[v].update(matmul_GFLOP_per_s=matmul / 1e9, ratio=rows[v]["GFLOP_per_s"] * 1e9 / matmul,
                       run_steps=run_steps(cfg, v), seeds=cfg.ots.seeds)

    test = data["ave"].test
    crop = variants.profile(cfg, "ave").media.crop_size
    rows["ave"]["items_per_s"] = rate(lambda: embed.embeddings(nets["ave"], *embed.inputs(test, crop)),
                                      len(test), warmup=1, min_seconds=seconds)["items_per_s"]

    bench = localize.benchmark(cfg, "distractor", n=N_SCENES)
    geo = localize.geometry(variants.profile(cfg, "avol"))
    rows["avol"]["scenes_per_s"] = rate(lambda: localize.avol_maps(nets["avol"], bench, geo), len(bench),
                                        warmup=1, min_seconds=seconds)["items_per_s"]

    minutes = sum(r["s_per_step"] * r["run_steps"] * r["seeds"] for r in rows.values()) / 60
    return [{**r, "notebook_train_minutes": minutes} for r in rows.values()]


def run(args: argparse.Namespace) -> dict[str, Any]:
    device = runtime.pick_device()
    matmul = measure_matmul_flops(device=str(device), min_seconds=min(args.seconds, 2.0))
    rows = profile_rows(measure, args.profile, device, args.seconds, matmul)  # a row per network
    print_table(f"Objects that Sound (notebook 07) on {device} ({torch.get_num_threads()} threads; fresh weights, "
                "fp32; s_per_step: one optimizer step, the loader included; pairs_per_s: batch / s_per_step; "
                "loader_fraction: share of a step spent cutting and collating its pairs; GFLOP_per_step: forward + "
                "backward; ratio: GFLOP_per_s / matmul_GFLOP_per_s; run_steps: training steps per seed of the "
                "notebook's runs of this network (ave: ave and ave_shortcut); items_per_s: AVE-Net embeddings of "
                "the retrieval set; scenes_per_s: AVOL-Net maps of distractor scenes, four mirrored views; "
                "notebook_train_minutes: Σ s_per_step × run_steps × seeds / 60, every run of notebook 07, "
                "evaluation excluded)", rows)
    return {"device": str(device), "rows": rows}
