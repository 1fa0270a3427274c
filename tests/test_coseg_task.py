"""avscene.coseg.task: the ImageNet normalisation, the output activations, and the Mix-and-Separate loss of a
smoke-size network (finite, backpropagating into every parameter group, under CPU bfloat16 autocast) with the
co-segmentation temperature following the training step."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from avscene import config
from avscene.coseg import runs as R
from avscene.coseg.data import collate
from avscene.coseg.task import IMAGENET_MEAN, IMAGENET_STD, MixSeparateTask, image_inputs, mask_probs

SMOKE = config.get("smoke")

pytestmark = pytest.mark.usefixtures("one_thread")


def _batch(variant: str = "sop", n: int = 2) -> dict[str, torch.Tensor]:
    ds = R.train_mixtures(SMOKE, R.synthetic_data(SMOKE), variant, 0)
    return collate([ds[i] for i in range(n)])


def _groups(model) -> dict[str, list[tuple[str, torch.nn.Parameter]]]:
    named = list(model.named_parameters())
    groups = {g: [(n, p) for n, p in named if n.startswith(g + ".")]
              for g in ("image.backbone", "image.fc", "audio", "synth")}
    assert sum(len(v) for v in groups.values()) == len(named)  # the four groups cover the network
    return groups


# ---------------------------------------------------------------- image_inputs, mask_probs
def test_image_inputs_shape_dtype_and_normalisation() -> None:
    frames = torch.randint(0, 256, (2, 3, 4, 5, 6, 3), dtype=torch.uint8)  # [B, N, T, H, W, 3]
    x = image_inputs(frames)
    assert x.shape == (2, 3, 4, 3, 5, 6) and x.dtype == torch.float32
    mean, std = torch.tensor(IMAGENET_MEAN), torch.tensor(IMAGENET_STD)
    # pixel (b, n, t, h, w, c) -> (b, n, t, c, h, w) = (value / 255 - mean_c) / std_c
    want = (frames[1, 2, 3, 4, 5].float() / 255 - mean) / std
    torch.testing.assert_close(x[1, 2, 3, :, 4, 5], want)
    # a frame of constant value 255 · mean is 0 everywhere after normalisation
    grey = (255 * mean).expand(1, 7, 9, 3).clone()  # [T, H, W, 3] float
    torch.testing.assert_close(image_inputs(grey), torch.zeros(1, 3, 7, 9), atol=1e-6, rtol=0)
    # white: (1 - mean) / std per channel
    white = image_inputs(torch.full((1, 2, 2, 3), 255, dtype=torch.uint8))
    torch.testing.assert_close(white[0, :, 1, 1], (1 - mean) / std)
    assert frames.dtype == torch.uint8 and int(frames.max()) <= 255  # the input is not modified
    with pytest.raises(ValueError, match="H, W, 3"):
        image_inputs(torch.zeros(1, 3, 8, 8))


def test_mask_probs_sigmoid_relu_and_unknown() -> None:
    x = torch.tensor([-2.0, 0.0, 3.0])
    torch.testing.assert_close(mask_probs(x, "binary"), torch.tensor([1 / (1 + np.e ** 2), 0.5, 1 / (1 + np.e ** -3)]))
    torch.testing.assert_close(mask_probs(x, "ratio"), torch.tensor([0.0, 0.0, 3.0]))
    with pytest.raises(ValueError, match="binary, ratio"):
        mask_probs(x, "soft")
    with pytest.raises(ValueError, match="'soft'"):
        MixSeparateTask(n_fft=126, hop=32, rows=32, mask="soft")


# ---------------------------------------------------------------- the loss
@pytest.mark.parametrize("variant", ["sop", "ratio", "coseg"])
def test_loss_is_finite_and_reaches_every_parameter_group(variant: str) -> None:
    torch.manual_seed(0)
    model = R.build(SMOKE).train()
    task = R.task(SMOKE, variant)
    batch = _batch(variant)
    loss, logs = task.loss(model, batch)
    assert loss.dim() == 0 and torch.isfinite(loss) and float(loss.detach()) > 0
    assert set(logs) == {"loss_mask"} and logs["loss_mask"] == pytest.approx(float(loss.detach()))
    loss.backward()
    for group, params in _groups(model).items():
        assert all(p.grad is not None and torch.isfinite(p.grad).all() for _, p in params), group
        assert sum(float(p.grad.abs().sum()) for _, p in params) > 0, f"no gradient reaches {group}"


def test_masks_shape_and_range_per_mask_kind() -> None:
    torch.manual_seed(0)
    model = R.build(SMOKE).eval()
    batch = _batch()
    c = SMOKE.coseg
    t = 1 + c.samples // c.hop
    for variant in ("sop", "ratio"):
        with torch.no_grad():
            pred, spec = R.task(SMOKE, variant).masks(model, batch)
        assert pred.shape == (2, c.n_mix, c.rows, t) and spec["log_mix"].shape == (2, 1, c.rows, t)
        assert float(pred.min()) >= 0
        if variant == "sop":
            assert float(pred.max()) <= 1


def test_per_location_only_for_the_coseg_softmax_when_the_profile_says_so() -> None:
    assert R.task(SMOKE, "sop").per_location is False and R.task(SMOKE, "sop").activation is None
    assert R.task(SMOKE, "ratio").per_location is False and R.task(SMOKE, "ratio").mask == "ratio"
    co = R.task(SMOKE, "coseg")
    assert co.per_location is SMOKE.coseg.softmax_per_location is False and co.mask == "binary"
    per = SMOKE.replace(**{"coseg.softmax_per_location": True})
    assert R.task(per, "coseg").per_location is True and R.task(per, "sop").per_location is False
    assert co.activation.switch_step == 0  # the softmax from the continued run's first step
    x = torch.randn(3, SMOKE.coseg.channels)
    torch.testing.assert_close(R.task(SMOKE, "sop").visual_activation()(x), torch.sigmoid(x))


def test_on_step_anneals_the_coseg_temperature() -> None:
    c = SMOKE.coseg
    task = R.task(SMOKE, "coseg")
    assert task.step == 0
    x = torch.randn(4, c.channels, 2, 3)
    at_start = task.visual_activation()(x)
    torch.testing.assert_close(at_start, torch.softmax(x / c.tau_start, dim=1))
    task.on_step(c.anneal_steps)
    assert task.step == c.anneal_steps
    at_end = task.visual_activation()(x)
    assert not torch.allclose(at_start, at_end)
    end = torch.softmax(x / c.tau_end, dim=1)
    torch.testing.assert_close(at_end, end)
    task.on_step(c.anneal_steps + 50)
    torch.testing.assert_close(task.visual_activation()(x), end)
    # an explicit step overrides the current one
    torch.testing.assert_close(task.visual_activation(step=0)(x), at_start)
    # halfway through a longer schedule: the geometric mean of the two temperatures
    longer = R.task(SMOKE.replace(**{"coseg.anneal_steps": 4}), "coseg")
    longer.on_step(2)
    torch.testing.assert_close(longer.visual_activation()(x),
                               torch.softmax(x / np.sqrt(c.tau_start * c.tau_end), dim=1))


def test_the_coseg_step_changes_the_loss() -> None:
    torch.manual_seed(0)
    model = R.build(SMOKE).eval()
    batch = _batch("coseg")
    task = R.task(SMOKE, "coseg")
    with torch.no_grad():
        first = float(task.loss(model, batch)[0])
        task.on_step(SMOKE.coseg.anneal_steps)
        last = float(task.loss(model, batch)[0])
    assert np.isfinite(first) and np.isfinite(last) and first != last


@pytest.mark.parametrize("variant", ["sop", "coseg"])
def test_loss_under_cpu_bfloat16_autocast(variant: str) -> None:
    torch.manual_seed(0)
    model = R.build(SMOKE).train()
    batch = _batch(variant)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss, logs = R.task(SMOKE, variant).loss(model, batch)
    assert loss.dtype == torch.float32 and torch.isfinite(loss) and np.isfinite(logs["loss_mask"])
    loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())


def test_oracle_control_uses_the_class_one_hot_and_never_the_image_net() -> None:
    """The ``oracle`` control: masks from the one-hot of each source's class, the same as the network without frames
    (``scores.no_frames_method``) with channel = class; the image net gets no gradient."""
    from avscene.coseg import scores

    torch.manual_seed(0)
    model = R.build(SMOKE)
    task = R.task(SMOKE, "oracle")
    assert task.oracle and not R.task(SMOKE, "sop").oracle
    batch = _batch()
    loss, _ = task.loss(model, batch)
    loss.backward()
    assert all(p.grad is None for p in model.image.parameters())
    assert model.audio.bn0.weight.grad is not None and model.synth.scale.grad is not None
    model.eval()
    with torch.no_grad():
        masks, spec = task.masks(model, batch)
        mags = scores.no_frames_method(model, task, np.arange(SMOKE.coseg.channels))(batch, spec)
    want = scores._linear(masks, spec, binary=True)
    torch.testing.assert_close(mags, want)
