"""Sound of Pixels' pixel sound maps on notebook 04's benchmark, scored as CAM and AVOL-Net are (notebook 08;
Zhao et al. 2018, its pixel-level sound maps; reference notes §3.2, the official ``forward_pixelwise``).

**The map.** For a scene, the audio net reads the log-warped mixture (``cfg.coseg.samples`` of the scene's
sound, mono, centred on its middle frame; zero-padded equally at both ends where the scene is shorter, resampled
to ``cfg.coseg``'s rate where it differs), the image net gives the K channels at every location of the frames
(max over the frames, through the visual activation), and the synthesizer gives a mask at every location
(:meth:`~avscene.coseg.nets.Synthesizer.pixelwise`). A location's *sound* is the mixture energy its mask keeps,
``Σ_{f,t} mask · |X|_warped``, divided by the scene's ``Σ |X|_warped`` (a share in [0, 1]).

**Geometry.** The benchmark is notebook 04's (:func:`avscene.ots.localize.benchmark`): the ``crop_size`` centre
crop of ``frame_size`` frames. The co-segmentation world draws positions and sizes as fractions of the frame
side, as every world does, and the networks train on whole ``cfg.coseg.frame_size`` frames, so they are shown
the largest part of the crop they can see at their training scale (``scale = L.frame_size / coseg.frame_size``
benchmark pixels per input pixel; :class:`avscene.ots.localize.Geometry`, area resampling), and their cells
(output stride 16: cell ``j`` centred on input pixel ``16 j + 0.5``, every stride-2 stage a centred kernel) are
put back on the benchmark's mask grid exactly as AVOL-Net's are (:func:`avscene.ots.localize.to_benchmark`).
"""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
import torchaudio.functional as AF

from .. import sampling
from ..config import Profile
from ..localization.benchmark import Benchmark
from ..localization.cam import CamGeometry
from ..localization.cam_model import profile as cam_profile
from ..ots import localize as ots_localize
from .nets import SoundOfPixels
from .task import MixSeparateTask, image_inputs, mask_probs

__all__ = ["geometry", "scene_sound", "sound_maps"]

Activation = Callable[[torch.Tensor], torch.Tensor]


def _cells(size: int) -> int:
    """Cells of the dilated ResNet on a ``size``-pixel side: conv1 (7, stride 2, pad 3), max-pool (3, 2, 1),
    layer2 and layer3 (3, 2, 1); layer4 keeps its size."""
    n = (size + 6 - 7) // 2 + 1
    for _ in range(3):
        n = (n + 2 - 3) // 2 + 1
    return n


def geometry(cfg: Profile) -> ots_localize.Geometry:
    """Where the network's input and cells sit on ``cfg``'s benchmark (module doc)."""
    bench = cam_profile(cfg).media
    big, crop, small = bench.frame_size, bench.crop_size, cfg.coseg.frame_size
    scale = big / small
    margin = (big - crop) // 2  # the crop's first pixel in the benchmark frame
    first = math.ceil(margin / scale - 1e-9)  # first input pixel inside the crop
    start = scale * first - margin
    size = int(math.floor((crop - start) / scale + 1e-9))
    if size < 16:
        raise ValueError(f"the network's view of the {crop}-pixel benchmark crop is {size} pixels: too small")
    return ots_localize.Geometry(bench_size=crop, input_size=size, start=float(start), scale=float(scale),
                                 cells=_cells(size), on_input=CamGeometry(stride=16.0, first_center=0.5))


def scene_sound(bench: Benchmark, samples: int, sample_rate: int) -> torch.Tensor:
    """float32 ``[N, samples]``: each scene's mono sound, ``samples`` long at ``sample_rate`` and centred on its
    middle frame (resampled where the rates differ; zero-padded equally at both ends where the scene is
    shorter)."""
    audio = torch.from_numpy(np.asarray(bench.audio, dtype=np.float32)).mean(dim=1)  # [N, n]
    centre = int(sampling.audio_offset(bench.frames.shape[1] // 2, bench.fps, int(bench.sample_rate)))
    if int(bench.sample_rate) != int(sample_rate):
        audio = AF.resample(audio, int(bench.sample_rate), int(sample_rate))
        centre = round(centre * sample_rate / bench.sample_rate)
    start = centre - samples // 2
    pad_lo, pad_hi = max(0, -start), max(0, start + samples - audio.shape[-1])
    audio = torch.nn.functional.pad(audio, (pad_lo, pad_hi))
    return audio[:, start + pad_lo:start + pad_lo + samples].contiguous()


@torch.no_grad()
def sound_maps(cfg: Profile, model: SoundOfPixels, task: MixSeparateTask, activation: Activation, bench: Benchmark,
               *, batch_size: int = 16) -> np.ndarray:
    """float32 ``[N, S, S]`` on the benchmark's mask grid: each location's share of the scene's warped mixture
    energy that its pixelwise mask keeps (module doc); ``activation``: the visual one (sigmoid, or the
    co-segmentation softmax at its final temperature)."""
    c = cfg.coseg
    geo = geometry(cfg)
    t = bench.frames.shape[1]
    offsets = np.rint((np.arange(c.frames) - c.frames // 2) * c.frame_spacing * bench.fps / c.fps).astype(int)
    idx = np.clip(t // 2 + offsets, 0, t - 1)
    sound = scene_sound(bench, c.samples, c.sample_rate or cfg.media.sample_rate)
    model.eval()
    dev = next(model.parameters()).device
    out = []
    for i in range(0, len(bench), batch_size):
        sl = slice(i, i + batch_size)
        mix = sound[sl]
        spec = task.spectrograms({"mixture": mix, "sources": mix[:, None]})
        frames = ots_localize.resample(bench.frames[sl][:, idx], geo)  # [b, T, c, c, 3]
        maps = model.image.pixel_maps(image_inputs(torch.from_numpy(frames)).to(dev))  # [b, K, h, w]
        audio = model.audio(spec["log_mix"].to(dev))  # [b, K, rows, T]
        probs = mask_probs(model.synth.pixelwise(activation(maps), audio), task.mask)  # [b, h, w, rows, T]
        energy = spec["log_mix"].exp().to(dev)[:, 0]  # [b, rows, T]
        share = (probs * energy[:, None, None]).sum(dim=(-2, -1)) / energy.sum(dim=(-2, -1))[:, None, None]
        out.append(ots_localize.to_benchmark(share.float().cpu(), geo))
    return torch.cat(out).numpy().astype(np.float32)
