"""avscene.coseg.localize: where the image net's view and cells sit on notebook 04's benchmark, each scene's sound
(centred on its middle frame, padded, resampled) and the pixel sound maps of a smoke network."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from avscene import config
from avscene.coseg import localize
from avscene.coseg import runs as R
from avscene.coseg.nets import ImageNet
from avscene.localization.cam_model import profile as cam_profile
from avscene.ots import localize as ots_localize
from avscene.sampling import audio_offset

SMOKE = config.get("smoke")

pytestmark = pytest.mark.usefixtures("one_thread")


# ---------------------------------------------------------------- geometry
@pytest.mark.parametrize("name", config.PROFILE_NAMES)
def test_geometry_stays_in_the_crop_and_counts_the_cells(name: str) -> None:
    cfg = config.get(name)
    geo = localize.geometry(cfg)
    bench = cam_profile(cfg).media
    assert geo.bench_size == bench.crop_size
    assert geo.scale == pytest.approx(bench.frame_size / cfg.coseg.frame_size)
    # inside the crop, and the largest such view: one more input pixel would leave it
    assert geo.start >= 0 and geo.start + geo.scale * geo.input_size <= geo.bench_size + 1e-9
    assert geo.start < geo.scale  # the first input pixel that lies wholly inside the crop
    assert geo.start + geo.scale * (geo.input_size + 1) > geo.bench_size
    # the input pixels sit on the benchmark frame's grid at the training scale
    margin = (bench.frame_size - bench.crop_size) // 2
    first = (geo.start + margin) / geo.scale
    assert first == pytest.approx(round(first))
    # the cells are those of the actual image net on an input_size-pixel frame
    net = ImageNet(cfg.coseg.channels, width=min(cfg.coseg.image_width, 8)).eval()  # the width does not matter
    with torch.no_grad():
        maps = net.pixel_maps(torch.zeros(1, 1, 3, geo.input_size, geo.input_size))
    assert maps.shape[-2:] == (geo.cells, geo.cells)
    assert (geo.on_input.stride, geo.on_input.first_center) == (16.0, 0.5)


def test_geometry_known_values_at_smoke() -> None:
    # benchmark frames of 36 px cropped to 33; the network trains on 32-px frames: 1.125 benchmark px per pixel
    geo = localize.geometry(SMOKE)
    assert (geo.bench_size, geo.scale, geo.start, geo.input_size, geo.cells) == (33, 1.125, 0.125, 29, 2)


def test_geometry_refuses_a_tiny_view() -> None:
    with pytest.raises(ValueError, match="too small"):
        localize.geometry(SMOKE.replace(**{"coseg.frame_size": 8}))


# ---------------------------------------------------------------- scene_sound
def _bench(audio: np.ndarray, *, frames: int, fps: float, sample_rate: int) -> SimpleNamespace:
    return SimpleNamespace(audio=audio.astype(np.float32), frames=np.zeros((len(audio), frames, 2, 2, 3), np.uint8),
                           fps=fps, sample_rate=sample_rate)


def test_scene_sound_is_centred_on_the_middle_frame() -> None:
    fps, sr, t, n = 8.0, 4000, 16, 8000
    centre = int(audio_offset(t // 2, fps, sr))  # the middle frame's first sample
    assert centre == 4000
    audio = np.zeros((2, 2, n))
    audio[0, 0, centre] = 1.0  # left channel only: the mono mean halves it
    audio[1, :, centre + 10] = 0.25
    samples = 1001
    out = localize.scene_sound(_bench(audio, frames=t, fps=fps, sample_rate=sr), samples, sr)
    assert out.shape == (2, samples) and out.dtype == torch.float32
    want = torch.zeros(2, samples)
    want[0, samples // 2] = 0.5
    want[1, samples // 2 + 10] = 0.25
    torch.testing.assert_close(out, want)


def test_scene_sound_pads_a_shorter_scene_equally() -> None:
    fps, sr, t, n = 8.0, 4000, 16, 8000
    audio = np.zeros((1, 1, n))
    audio[0, 0, 0], audio[0, 0, 4000], audio[0, 0, n - 1] = 0.3, 1.0, 0.7  # first, middle-frame and last samples
    samples = 9001
    out = localize.scene_sound(_bench(audio, frames=t, fps=fps, sample_rate=sr), samples, sr)[0]
    assert out.shape == (samples,)
    lo = samples // 2 - 4000  # zeros before the first sample
    assert lo == 500
    want = torch.zeros(samples)
    want[lo], want[samples // 2], want[lo + n - 1] = 0.3, 1.0, 0.7
    torch.testing.assert_close(out, want)
    assert samples - (lo + n) == 501  # and after the last


def test_scene_sound_resamples_to_the_networks_rate() -> None:
    fps, bench_sr, sr, t, n = 8.0, 8000, 4000, 16, 16000
    centre = int(audio_offset(t // 2, fps, bench_sr))
    assert centre == 8000
    x = np.arange(n)
    bump = np.exp(-0.5 * ((x - centre) / 20.0) ** 2)  # smooth: survives the resampling as a bump
    samples = 2001
    out = localize.scene_sound(_bench(bump[None, None], frames=t, fps=fps, sample_rate=bench_sr), samples, sr)[0]
    assert out.shape == (samples,)
    assert int(out.argmax()) == samples // 2
    assert float(out.max()) == pytest.approx(1.0, abs=0.02)
    # same rate: no resampling, the same bump at full resolution
    same = localize.scene_sound(_bench(bump[None, None], frames=t, fps=fps, sample_rate=bench_sr), samples, bench_sr)
    torch.testing.assert_close(same[0], torch.from_numpy(bump[centre - 1000:centre + 1001]).float())


# ---------------------------------------------------------------- sound_maps
@pytest.fixture(scope="module")
def bench():
    return ots_localize.benchmark(SMOKE, "distractor", n=2)


def test_sound_maps_shape_and_range(bench) -> None:
    torch.manual_seed(0)
    model = R.build(SMOKE).eval()
    s = bench.frames.shape[-2]
    for variant in ("sop", "coseg"):
        task = R.task(SMOKE, variant)
        act = task.visual_activation(step=R.train_spec(SMOKE, variant).steps)
        maps = localize.sound_maps(SMOKE, model, task, act, bench)
        assert maps.shape == (2, s, s) and maps.dtype == np.float32
        assert np.isfinite(maps).all() and maps.min() >= 0 and maps.max() <= 1 + 1e-6
        np.testing.assert_allclose(localize.sound_maps(SMOKE, model, task, act, bench, batch_size=1), maps,
                                   atol=1e-6)


def test_sound_maps_known_answers(bench) -> None:
    torch.manual_seed(0)
    model = R.build(SMOKE).eval()
    task = R.task(SMOKE, "sop")
    s = bench.frames.shape[-2]
    with torch.no_grad():
        model.synth.scale.zero_()
        model.synth.bias.fill_(30.0)  # every mask 1: every location keeps all the energy
    np.testing.assert_allclose(localize.sound_maps(SMOKE, model, task, torch.sigmoid, bench), np.ones((2, s, s)),
                               atol=1e-6)
    with torch.no_grad():
        model.synth.bias.fill_(-30.0)  # every mask 0
    np.testing.assert_allclose(localize.sound_maps(SMOKE, model, task, torch.sigmoid, bench), 0.0, atol=1e-6)
    with torch.no_grad():
        model.synth.bias.fill_(0.0)  # sigmoid(0) = 1/2 everywhere: half the energy
    np.testing.assert_allclose(localize.sound_maps(SMOKE, model, task, torch.sigmoid, bench), 0.5, atol=1e-6)
