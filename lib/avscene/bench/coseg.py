"""Sound of Pixels speed (notebook 08): ``python -m avscene.bench coseg --profile cpu [--seconds 5]``.

For the two runs of notebook 08 (``sop``: Mix-and-Separate with the sigmoid; ``coseg``: the same network with
the co-segmentation softmax over the K channels at every location, reference notes §3.5), fresh weights
(speed does not depend on them; ``avscene.coseg.runs.build``): one optimizer step as the Trainer takes it
(``common.train_step``: the loss of ``runs.task``, backward, ``avscene.train.make_optimizer`` with the image
backbone's lr scale) on the next batch of training mixtures through the step-indexed loader
(``runs.train_mixtures`` through ``LoaderSource`` with ``coseg.data.collate``, as ``runs.train`` reads them),
the share of that step spent building the batch (the mixtures cut and collated alone), its FLOPs
(``FlopCounterMode`` over one loss + backward; the STFT is not counted) and their rate against the fp32 matmul
rate measured once in the same run, and the split of a step's forward between the image net (each source's
frames, as ``SoundOfPixels.forward`` calls it), the audio u-net and the synthesizer (each module's forward
timed alone on the step's inputs, in training mode with autograd on; the spectrograms are not part of it).

At test (reference notes §3.4): held-out mixtures separated per second through ``avscene.coseg.scores``
(``held_out_set`` once, then ``estimates`` of ``model_method``: masks, un-warping, inverse STFT; ``mir_eval``
excluded), ``mir_eval``'s scoring alone (``scores.score`` of the ideal binary mask's estimates, which are not
silent as an untrained network's may be: seconds per scored mixture), and the pixel sound maps of notebook 04's
distractor scenes per second (``avscene.coseg.localize.sound_maps``).
``notebook_train_minutes``: (sop steps × sop step + ``coseg_steps`` × coseg step) × seeds, evaluation
excluded, beside ``budget_minutes`` (:data:`BUDGET_MINUTES`).

The videos are a reduced set (at most :data:`N_VIDEOS` training and test solo videos): a step's cost does not
depend on how many videos its mixtures are cut from. Nothing is trained to completion and no run folder is
written.
"""
from __future__ import annotations

import argparse
import dataclasses
import itertools
from collections.abc import Callable
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
from avscene.coseg import localize, runs, scores
from avscene.coseg.data import collate
from avscene.coseg.nets import SoundOfPixels
from avscene.coseg.task import MixSeparateTask, image_inputs
from avscene.ots import localize as ots_localize
from avscene.separation.runs import SeparationData
from avscene.train import LoaderSource, make_optimizer

#: the runs measured: ``sop`` (sigmoid) and ``coseg`` (the per-location softmax), as notebook 08 trains them
VARIANTS = ("sop", "coseg")
#: at most this many training and test solo videos (the profile's own numbers when smaller)
N_VIDEOS = 16
#: held-out mixtures separated (the profile's ``n_test`` when smaller)
N_HELD = 16
#: distractor scenes of notebook 04's benchmark mapped
N_SCENES = 16
#: step-indexed mixtures drawn for the timing (lazily, per index): the loader never runs out
TIMING_STEPS = 10**6
#: minutes a notebook should take at the profile: ``cpu`` 15 (notebook 06, "Under budget?"), ``colab`` 20
#: (``config``: "at most 20 minutes a notebook"); none for ``smoke`` and ``gpu``
BUDGET_MINUTES: dict[str, float] = {"cpu": 15.0, "colab": 20.0}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", nargs="+", default=["cpu"], choices=config.PROFILE_NAMES,
                        help="profiles to measure (default: cpu)")
    parser.add_argument("--seconds", type=float, default=5.0, help="minimum timing per measurement")


def reduced_data(cfg: config.Profile) -> SeparationData:
    """The profile's synthetic solo videos, at most :data:`N_VIDEOS` training and test videos."""
    c = cfg.coseg
    return runs.synthetic_data(cfg.replace(**{"coseg.n_train": min(N_VIDEOS, c.n_train),
                                              "coseg.n_test_videos": min(N_VIDEOS, c.n_test_videos)}))


def timing_profile(cfg: config.Profile) -> config.Profile:
    """``cfg`` with :data:`TIMING_STEPS` steps in both runs (the training streams never run out)."""
    return cfg.replace(**{"coseg.train": dataclasses.replace(cfg.coseg.train, steps=TIMING_STEPS),
                          "coseg.coseg_steps": TIMING_STEPS})


def forward_split(net: SoundOfPixels, task: MixSeparateTask, batch: dict[str, torch.Tensor],
                  seconds: float) -> dict[str, float]:
    """Seconds of each module's forward on ``batch``'s inputs, as ``SoundOfPixels.forward`` calls them (training
    mode, autograd on): the image net once per source, the audio u-net once, the synthesizer once per source."""
    spec = task.spectrograms(batch)
    log_mix, frames = spec["log_mix"], image_inputs(batch["frames"])
    act, sources = task.visual_activation(), frames.shape[1]
    sync = torch.cuda.synchronize if log_mix.device.type == "cuda" else (lambda: None)

    def image() -> list[torch.Tensor]:
        return [net.image.vectors(frames[:, n], act, per_location=task.per_location) for n in range(sources)]
    sound, visual = net.audio(log_mix), image()

    def timed(fn: Callable[[], Any]) -> float:
        def call() -> None:
            fn()
            sync()
        return rate(call, 1, warmup=1, min_seconds=seconds)["s_per_call"]
    return {"image_s": timed(image), "audio_s": timed(lambda: net.audio(log_mix)),
            "synth_s": timed(lambda: [net.synth(v, sound) for v in visual])}


def measure_variant(cfg: config.Profile, variant: str, data: SeparationData, device: torch.device,
                    seconds: float) -> tuple[dict[str, Any], SoundOfPixels, MixSeparateTask]:
    """The training step of ``variant``; returns its row, the network (fresh weights) and its task."""
    c = cfg.coseg
    t = c.train
    items = runs.train_mixtures(timing_profile(cfg), data, variant, 0)
    torch.manual_seed(0)
    net = runs.build(cfg).to(device).train()
    task = runs.task(cfg, variant)
    opt = make_optimizer(net, t, {"image.backbone": c.backbone_lr_scale})
    source = LoaderSource(items, t.batch, TIMING_STEPS, collate=collate)
    step = rate(train_step(net, task, opt, source.batches(0), source.to_device, device), t.batch, warmup=2,
                min_seconds=seconds)

    first = itertools.count(TIMING_STEPS // 2)  # mixtures the steps above did not draw

    def build_batch() -> None:
        k = next(first) * t.batch
        collate([items[i] for i in range(k, k + t.batch)])
    loader = rate(build_batch, t.batch, warmup=1, min_seconds=seconds)

    batch = source.to_device(collate([items[i] for i in range(t.batch)]), device)
    with FlopCounterMode(display=False) as counter:
        loss, _ = task.loss(net, batch)
        loss.backward()
    net.zero_grad(set_to_none=True)
    flops = counter.get_total_flops()
    split = forward_split(net, task, batch, seconds)
    forward = sum(split.values())
    s = step["s_per_call"]
    row = {"profile": cfg.name, "variant": variant, "batch": t.batch, "s_per_step": s,
           "mixtures_per_s": t.batch / s, "loader_fraction": loader["s_per_call"] / s,
           "GFLOP_per_step": flops / 1e9, "GFLOP_per_s": flops / s / 1e9, "forward_s": forward,
           "image_share": split["image_s"] / forward, "audio_share": split["audio_s"] / forward,
           "synth_share": split["synth_s"] / forward}
    return row, net, task


def measure(cfg: config.Profile, device: torch.device, seconds: float, matmul: float) -> list[dict[str, Any]]:
    """Rows for one profile: one per variant of :data:`VARIANTS` (fresh weights: speed does not depend on them)."""
    c = cfg.coseg
    data = reduced_data(cfg)
    held = scores.held_out_set(runs.held_out(cfg, data, n=min(N_HELD, c.n_test)), runs.task(cfg, "sop"))
    bench = ots_localize.benchmark(cfg, "distractor", n=N_SCENES)
    rows = {}
    for v in VARIANTS:
        row, net, task = measure_variant(cfg, v, data, device, seconds)
        method = scores.model_method(net, task)  # puts the network in eval mode
        scores.estimates(held, method)  # the warm-up
        row["mixtures_separated_per_s"] = rate(lambda: scores.estimates(held, method), len(held), warmup=0,
                                               min_seconds=seconds)["items_per_s"]
        act = task.visual_activation()
        row["maps_per_s"] = rate(lambda: localize.sound_maps(cfg, net, task, act, bench), len(bench), warmup=1,
                                 min_seconds=seconds)["items_per_s"]
        row.update(matmul_GFLOP_per_s=matmul / 1e9, ratio=row["GFLOP_per_s"] * 1e9 / matmul,
                   run_steps=runs.train_spec(cfg, v).steps, seeds=c.seeds)
        rows[v] = row
    # mir_eval on the ideal binary mask's estimates: an untrained network's may be silent, and silent mixtures
    # are skipped (never scored); the cost per scored mixture does not depend on how good the estimates are
    ibm = scores.estimates(held, scores.ibm_method())
    scored = len(scores.score(held, ibm).sdr)  # the warm-up
    mir_eval = rate(lambda: scores.score(held, ibm), len(held), warmup=0, min_seconds=seconds)["s_per_call"]
    minutes = sum(r["s_per_step"] * r["run_steps"] * r["seeds"] for r in rows.values()) / 60
    return [{**r, "mir_eval_mixtures": scored, "mir_eval_s_per_mixture": mir_eval / max(scored, 1),
             "notebook_train_minutes": minutes, "budget_minutes": BUDGET_MINUTES.get(cfg.name)}
            for r in rows.values()]


def run(args: argparse.Namespace) -> dict[str, Any]:
    device = runtime.pick_device()
    matmul = measure_matmul_flops(device=str(device), min_seconds=min(args.seconds, 2.0))
    rows = profile_rows(measure, args.profile, device, args.seconds, matmul)  # a row per variant
    print_table(f"Sound of Pixels and co-segmentation (notebook 08) on {device} ({torch.get_num_threads()} threads; "
                "fresh weights, fp32; s_per_step: one optimizer step, the loader included; mixtures_per_s: batch / "
                "s_per_step; loader_fraction: share of a step spent cutting and collating its mixtures; "
                "GFLOP_per_step: loss forward + backward, STFT not counted; ratio: GFLOP_per_s / "
                "matmul_GFLOP_per_s; forward_s: image net + audio u-net + synthesizer forwards, each module's "
                "share of it; mixtures_separated_per_s: held-out mixtures through coseg.scores.estimates, mir_eval "
                "excluded; mir_eval_s_per_mixture: scores.score alone, per scored mixture (mir_eval_mixtures of "
                "them: the ideal binary mask's estimates, silent mixtures skipped); maps_per_s: pixel sound maps of "
                "distractor scenes; run_steps: training steps per seed; notebook_train_minutes: Σ s_per_step × "
                "run_steps × seeds / 60, both runs of notebook 08, evaluation excluded; budget_minutes: what a "
                "notebook should take at the profile)", rows)
    return {"device": str(device), "rows": rows}
