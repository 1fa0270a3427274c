"""Separation on the held-out mixtures, every method through one path (notebook 08; reference notes §3.4).

:func:`held_out_set` cuts the held-out mixtures once (``runs.held_out``: the test videos' middle windows) and
keeps their spectrograms, references (each source's share ``source / N``, cropped to the reconstruction's
``(T - 1) · hop`` samples, as the official ``calc_metrics``) and the mixtures' own SDR. A *method* maps a batch
and its spectrograms to source magnitude estimates ``[B, N, F, T]`` on the linear grid, and
:func:`estimates` turns them into waveforms with the mixture's phase:

* :func:`model_method`: a trained network's masks (binary ones thresholded after un-warping, ratio ones as
  they are: :func:`avscene.coseg.evaluate.reconstruct`'s path);
* :func:`no_frames_method`: the same network **without frames**, each source's visual vector a one-hot on
  the channel assigned to its class (co-segmentation, §3.5);
* :func:`ibm_method`: the ideal binary mask (the training target itself), an oracle;
* :func:`nmf_method`: NMF with per-class bases (:mod:`avscene.coseg.nmf`), told which classes are mixed.

:func:`score` runs ``mir_eval`` (:func:`avscene.coseg.evaluate.bss`: silent mixtures skipped and counted).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from . import evaluate, nmf, spectrogram
from .data import collate
from .masks import apply_masks
from .nets import SoundOfPixels
from .task import MixSeparateTask, mask_probs

__all__ = ["HeldOut", "Method", "estimates", "held_out_set", "ibm_method", "model_method", "nmf_bases",
           "nmf_method", "no_frames_method", "score"]

#: ``(batch, spectrograms) -> source magnitudes [B, N, F, T]`` (linear grid).
Method = Callable[[dict[str, torch.Tensor], dict[str, torch.Tensor]], torch.Tensor]
BATCH = 16


@dataclass
class HeldOut:
    """The held-out mixtures: ``batches`` (collated items and their spectrograms), ``references`` float32
    ``[M, N, L]``, ``mixtures`` ``[M, L]``, ``classes`` int64 ``[M, N]``, ``same_class`` bool ``[M]``, and
    ``sdr_mix`` ``[M]`` (the mixture as every estimate, dB); ``n_fft``, ``hop`` of the spectrograms."""

    batches: list[tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]]
    references: np.ndarray
    mixtures: np.ndarray
    classes: np.ndarray
    same_class: np.ndarray
    sdr_mix: np.ndarray
    n_fft: int
    hop: int

    def __len__(self) -> int:
        return len(self.mixtures)

    @property
    def length(self) -> int:
        return self.references.shape[-1]


def held_out_set(dataset, task: MixSeparateTask, *, batch_size: int = BATCH) -> HeldOut:
    """Every mixture of ``dataset`` (a ``MixSeparateDataset``) in batches of ``batch_size``, with the
    spectrograms of ``task``'s sizes, the cropped references and mixtures and the mixtures' SDR."""
    batches, refs, mixes, classes, same = [], [], [], [], []
    length = None
    for first in range(0, len(dataset), batch_size):
        batch = collate([dataset[i] for i in range(first, min(len(dataset), first + batch_size))])
        spec = task.spectrograms(batch)
        length = (spec["mag_mix"].shape[-1] - 1) * task.hop
        n = batch["sources"].shape[1]
        batches.append((batch, spec))
        refs.append((batch["sources"] / n)[..., :length].numpy())
        mixes.append(batch["mixture"][..., :length].numpy())
        classes.append(batch["classes"].numpy())
        same.append(batch["same_class"].numpy())
    references, mixtures = np.concatenate(refs), np.concatenate(mixes)
    return HeldOut(batches, references, mixtures, np.concatenate(classes), np.concatenate(same),
                   evaluate.mixture_sdr(references, mixtures), task.n_fft, task.hop)


def _device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


def _linear(masks: torch.Tensor, spec: dict[str, torch.Tensor], binary: bool) -> torch.Tensor:
    """Warped masks ``[B, N, rows, T]`` -> magnitudes ``[B, N, F, T]``: un-warped, thresholded when binary,
    times the mixture magnitude (the official evaluation)."""
    mag_mix = spec["mag_mix"]
    linear = spectrogram.unwarp(masks.float().cpu(), mag_mix.shape[-2])
    return apply_masks(linear, mag_mix[:, 0], binary=binary)


def model_method(model: SoundOfPixels, task: MixSeparateTask) -> Method:
    """A trained network with its frames: ``task``'s visual activation (at the task's current step: set it with
    ``task.on_step`` to the run's last step) and output activation."""

    @torch.no_grad()
    def run(batch: dict[str, torch.Tensor], spec: dict[str, torch.Tensor]) -> torch.Tensor:
        model.eval()
        dev = _device(model)
        masks, _ = task.masks(model, {"frames": batch["frames"].to(dev)},
                              {k: v.to(dev) for k, v in spec.items() if k == "log_mix"})
        return _linear(masks, spec, task.mask == "binary")

    return run


def no_frames_method(model: SoundOfPixels, task: MixSeparateTask, channel_of_class: np.ndarray) -> Method:
    """The network without frames: source ``n``'s visual vector is one-hot on ``channel_of_class[class_n]``
    (``[C]`` channel indices, an assignment of :mod:`avscene.coseg.assign`)."""
    table = torch.as_tensor(np.asarray(channel_of_class), dtype=torch.long)

    @torch.no_grad()
    def run(batch: dict[str, torch.Tensor], spec: dict[str, torch.Tensor]) -> torch.Tensor:
        model.eval()
        dev = _device(model)
        sound = model.audio(spec["log_mix"].to(dev))  # [B, K, rows, T]
        onehot = F.one_hot(table[batch["classes"]], model.synth.channels).float().to(dev)  # [B, N, K]
        logits = torch.stack([model.synth(onehot[:, n], sound) for n in range(onehot.shape[1])], dim=1)
        return _linear(mask_probs(logits, task.mask), spec, task.mask == "binary")

    return run


def ibm_method() -> Method:
    """The ideal binary mask: ``source share > 0.5 × mixture`` on the warped grid, through the model path."""

    def run(batch: dict[str, torch.Tensor], spec: dict[str, torch.Tensor]) -> torch.Tensor:
        return _linear(evaluate.ideal_binary_masks(spec["mags"], spec["log_mix"].exp()), spec, True)

    return run


def nmf_bases(solo, classes: np.ndarray, n_classes: int, *, n_fft: int, hop: int, components: int, clips: int,
              seed: int = 0) -> list[np.ndarray]:
    """Per class, ``components`` KL-NMF bases ``[F, components]`` learned from the magnitudes of up to ``clips``
    solo *training* videos of it: ``solo`` a ``MixSeparateDataset`` over the training videos (each video's
    middle window, :meth:`~avscene.coseg.data.MixSeparateDataset.middle`), ``classes`` int ``[V]`` theirs."""
    classes = np.asarray(classes)
    out = []
    for c in range(n_classes):
        videos = [int(v) for v in np.intersect1d(np.flatnonzero(classes == c), solo.eligible)[:clips]]
        if not videos:
            raise ValueError(f"class {c} has no solo training video long enough for NMF bases")
        sounds = torch.from_numpy(np.stack([solo.middle(v)[1] for v in videos]))  # [V_c, S]
        mags = spectrogram.stft(sounds, n_fft, hop).abs().double().numpy()  # [V_c, F, T]
        out.append(nmf.learn_bases(list(mags), components, seed=seed))
    return out


def nmf_method(bases: list[np.ndarray]) -> Method:
    """NMF told the mixed classes: the bases of each source's class, activations fitted on the mixture,
    Wiener-style masks (:func:`avscene.coseg.nmf.separate`)."""

    def run(batch: dict[str, torch.Tensor], spec: dict[str, torch.Tensor]) -> torch.Tensor:
        mags = spec["mag_mix"][:, 0].double().numpy()  # [B, F, T]
        out = [nmf.separate(m, [bases[int(c)] for c in cls]) for m, cls in zip(mags, batch["classes"].tolist())]
        return torch.from_numpy(np.stack(out)).float()

    return run


def estimates(held: HeldOut, method: Method) -> np.ndarray:
    """Waveforms ``[M, N, L]`` of ``method``'s magnitudes with each mixture's phase (clipped to [-1, 1])."""
    out = []
    for batch, spec in held.batches:
        mags = method(batch, spec)  # [B, N, F, T]
        phase = spec["phase_mix"].expand_as(mags)
        out.append(spectrogram.istft(mags, phase, held.n_fft, held.hop, length=held.length).clamp(-1, 1).numpy())
    return np.concatenate(out)


def score(held: HeldOut, ests: np.ndarray) -> evaluate.BssScores:
    """``mir_eval`` SDR / SIR / SAR / NSDR of ``ests [M, N, L]`` (silent mixtures skipped and counted)."""
    return evaluate.bss(held.references, ests, held.mixtures, sdr_mix=held.sdr_mix)


def scores(held: HeldOut, methods: Mapping[str, Method]) -> dict[str, evaluate.BssScores]:
    """``{name: BssScores}`` of every method on the same mixtures."""
    return {name: score(held, estimates(held, m)) for name, m in methods.items()}
