"""Our layers, loaded with TF-layout weights through ``avscene.convert.layout``, against outputs computed by
real TensorFlow (``tests/fixtures/original_numerics/fixture.npz``, written once by ``make_fixture.py`` with
TF 2.21 ops as the original's slim layers use them: channels-last, ``SAME``, inference-time batch norm).

Every case must match to 1e-5 (absolute); the last tests show that a wrong layout, a flipped transposed-conv
kernel or the wrong BN eps misses by far more, so the fixture really pins them.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

from avscene.convert.layout import conv_kernel, deconv_kernel, vector
from avscene.models.blocks import SameConv
from avscene.separation.unet import BN_MOMENTUM, DecoderLevel, EncoderLevel

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "original_numerics" / "fixture.npz"
ATOL = 1e-5


@pytest.fixture(scope="module")
def fx() -> dict[str, np.ndarray]:
    if not FIXTURE.exists():
        pytest.skip(f"TF numerics fixture missing ({FIXTURE}); regenerate it with make_fixture.py")
    with np.load(FIXTURE) as z:
        return {k: z[k] for k in z.files}


def _t(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a))


def _load_bn(bn: torch.nn.Module, fx: dict, scope: str) -> None:
    bn.bias.copy_(vector(fx[f"{scope}/beta"]))
    bn.running_mean.copy_(vector(fx[f"{scope}/moving_mean"]))
    bn.running_var.copy_(vector(fx[f"{scope}/moving_variance"]))
    if f"{scope}/gamma" in fx:
        assert bn.weight is not None, f"{scope} has gamma but our BN has no weight"
        bn.weight.copy_(vector(fx[f"{scope}/gamma"]))
    else:
        assert bn.weight is None, f"{scope} has no gamma but our BN has a weight"


# Each case: build our layer, load it, and map the TF input -> our layout and our output -> TF layout.
def _im_conv1(fx, kernel=conv_kernel):
    s = "im/conv1"
    c = fx[f"{s}/weights"].shape[-1]
    m = SameConv(3, 3, c, (5, 7, 7), 2)
    m.conv.weight.copy_(kernel(fx[f"{s}/weights"], 3))
    _load_bn(m.bn, fx, f"{s}/BatchNorm")
    return m, (lambda x: x.permute(0, 4, 1, 2, 3)), (lambda y: y.permute(0, 2, 3, 4, 1))


def _sf_conv1_1(fx, kernel=conv_kernel):
    s = "sf/conv1_1"
    c = fx[f"{s}/weights"].shape[-1]
    m = SameConv(1, 2, c, 65, 4)
    m.conv.weight.copy_(kernel(fx[f"{s}/weights"], 1))
    _load_bn(m.bn, fx, f"{s}/BatchNorm")
    # TF [B, N, 1, C] <-> ours [B, C, N]
    return m, (lambda x: x[:, :, 0].permute(0, 2, 1)), (lambda y: y.permute(0, 2, 1)[:, :, None])


def _im_conv2_2_2(fx, kernel=conv_kernel):
    s = "im/conv2_2_2"
    c = fx[f"{s}/weights"].shape[-1]
    m = SameConv(3, c, c, 3, 1, bn=False, relu=False)
    m.conv.weight.copy_(kernel(fx[f"{s}/weights"], 3))
    m.conv.bias.copy_(vector(fx[f"{s}/biases"]))
    return m, (lambda x: x.permute(0, 4, 1, 2, 3)), (lambda y: y.permute(0, 2, 3, 4, 1))


def _nhwc(m):
    return m, (lambda x: x.permute(0, 3, 1, 2)), (lambda y: y.permute(0, 2, 3, 1))


def _gen_conv2(fx, kernel=conv_kernel):
    s = "gen/conv2"
    c_in, c = fx[f"{s}/weights"].shape[-2:]
    m = EncoderLevel(c_in, c, (1, 2), BN_MOMENTUM)
    m.conv.weight.copy_(kernel(fx[f"{s}/weights"], 2))
    _load_bn(m.bn, fx, f"{s}/BatchNorm")
    return _nhwc(m)


def _gen_deconv3(fx, kernel=deconv_kernel):
    s = "gen/deconv3"
    c, c_in = fx[f"{s}/weights"].shape[-2:]
    m = DecoderLevel(c_in, c, (2, 2), BN_MOMENTUM, bn=True)
    m.conv.weight.copy_(kernel(fx[f"{s}/weights"]))
    _load_bn(m.bn, fx, f"{s}/BatchNorm")
    return _nhwc(m)


def _gen_fg(fx, kernel=deconv_kernel):
    s = "gen/fg"
    c, c_in = fx[f"{s}/weights"].shape[-2:]
    m = DecoderLevel(c_in, c, (1, 2), BN_MOMENTUM, bn=False)
    m.conv.weight.copy_(kernel(fx[f"{s}/weights"]))
    m.conv.bias.copy_(vector(fx[f"{s}/biases"]))
    return _nhwc(m)


CASES: dict[str, Callable] = {
    "im/conv1": _im_conv1,
    "sf/conv1_1": _sf_conv1_1,
    "im/conv2_2_2": _im_conv2_2_2,
    "gen/conv2": _gen_conv2,
    "gen/deconv3": _gen_deconv3,
    "gen/fg": _gen_fg,
}


@torch.no_grad()
def _run(fx, case: str, **kw) -> tuple[torch.Tensor, torch.Tensor]:
    m, to_ours, to_tf = CASES[case](fx, **kw)
    m.eval()
    y = to_tf(m(to_ours(_t(fx[f"{case}/input"]))))
    return y, _t(fx[f"{case}/output"])


def _err(y: torch.Tensor, want: torch.Tensor) -> float:
    assert y.shape == want.shape, (tuple(y.shape), tuple(want.shape))
    return (y - want).abs().max().item()


def test_fixture_is_complete(fx):
    for case in CASES:
        assert f"{case}/input" in fx and f"{case}/output" in fx, case
        assert np.abs(fx[f"{case}/output"]).max() > 1.0, f"{case}: outputs too small to pin anything"
    assert FIXTURE.stat().st_size < 200_000


@pytest.mark.parametrize("case", list(CASES))
def test_matches_tensorflow(fx, case, one_thread):
    y, want = _run(fx, case)
    assert y.shape == want.shape
    torch.testing.assert_close(y, want, atol=ATOL, rtol=0)


def _swap_hw(w, dims):  # the 3-D kernel with its height and width axes swapped (a wrong layout)
    return conv_kernel(w, dims).transpose(-1, -2).contiguous()


def _reverse_time(w, dims):  # the 1-D kernel reversed (convolution instead of correlation)
    return conv_kernel(w, dims).flip(-1).contiguous()


def _flip_deconv(w):  # the transposed-conv kernel flipped in space (as if TF's were a flipped correlation)
    return deconv_kernel(w).flip(-1, -2).contiguous()


def _swap_hw_deconv(w):  # the transposed-conv kernel with its height and width axes swapped
    return deconv_kernel(w).transpose(-1, -2).contiguous()


@pytest.mark.parametrize("case, wrong", [
    ("im/conv1", _swap_hw),
    ("im/conv2_2_2", _swap_hw),
    ("sf/conv1_1", _reverse_time),
    ("gen/conv2", _swap_hw),
    ("gen/deconv3", _flip_deconv),
    ("gen/fg", _flip_deconv),
    ("gen/fg", _swap_hw_deconv),
])
def test_wrong_layout_is_caught(fx, case, wrong, one_thread):
    """The 1e-5 check is sharp: a plausible layout slip misses by orders of magnitude."""
    assert _err(*_run(fx, case, kernel=wrong)) > 1e3 * ATOL


@torch.no_grad()
def test_wrong_bn_eps_is_caught(fx, one_thread):
    """The shift net's eps (1e-3) and the u-net's (1e-5) are pinned too."""
    m, to_ours, to_tf = _im_conv1(fx)
    m.eval()
    m.bn.eps = 1e-5
    assert _err(to_tf(m(to_ours(_t(fx["im/conv1/input"])))), _t(fx["im/conv1/output"])) > 10 * ATOL
    m, to_ours, to_tf = _gen_deconv3(fx)
    m.eval()
    m.bn.eps = 1e-3
    assert _err(to_tf(m(to_ours(_t(fx["gen/deconv3/input"])))), _t(fx["gen/deconv3/output"])) > 10 * ATOL


@torch.no_grad()
def test_max_errors(fx, one_thread):
    """All cases together, so a failure report shows every case's error at once."""
    errs = {case: _err(*_run(fx, case)) for case in CASES}
    print("max |ours - TF|:", {k: f"{v:.2e}" for k, v in errs.items()})
    assert max(errs.values()) <= ATOL, errs
