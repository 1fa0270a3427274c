"""``python -m avscene.bench model`` and ``measure_matmul_flops`` (step 5), at smoke size."""
from __future__ import annotations

import argparse

import pytest
import torch

from avscene.bench import common, model
from avscene.models import ShiftNet
from avscene.models.summary import example_inputs


def test_measure_matmul_flops_is_a_plausible_rate():
    flops = common.measure_matmul_flops(128, min_seconds=0.05)
    assert 1e8 < flops < 1e14  # between 0.1 GFLOP/s and 100 TFLOP/s


def test_model_benchmark_reports_rate_flops_and_ratio():
    parser = argparse.ArgumentParser()
    model.add_arguments(parser)
    args = parser.parse_args(["--profile", "smoke", "--seconds", "0.2", "--matmul-n", "128",
                              "--device", "cpu"])
    result = model.run(args)
    (row,) = result["rows"]
    assert row["profile"] == "smoke" and row["batch"] == 4 and row["steps"] >= 3
    assert row["clips_per_s"] > 0 and row["gflop_per_clip"] > 0
    assert row["achieved_gflops"] == pytest.approx(row["gflop_per_clip"] * row["clips_per_s"])
    assert row["ratio_to_matmul"] == pytest.approx(row["achieved_gflops"] / row["matmul_gflops"])


def test_channels_last_gives_the_same_logits():
    torch.manual_seed(0)
    net = ShiftNet(4).eval()
    frames, audio = example_inputs(16, 32, 8000, batch=2, device="cpu")
    with torch.no_grad():
        ref = net(frames, audio)
        net = net.to(memory_format=torch.channels_last_3d)
        got = net(frames.contiguous(memory_format=torch.channels_last_3d), audio)
    assert torch.allclose(ref, got, atol=1e-4, rtol=1e-4)
