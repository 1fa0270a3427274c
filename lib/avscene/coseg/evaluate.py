"""Sound of Pixels separation scoring for notebook ``08_coseg`` (reference notes §3.4, the official
``calc_metrics``).

* :func:`reconstruct`: predicted masks (warped, probabilities) back to waveforms. Un-warp to the linear
  bins with ``grid_sample`` (:func:`avscene.coseg.spectrogram.unwarp`), threshold at 0.5 for binary
  models, multiply by the mixture magnitude (:func:`avscene.coseg.masks.apply_masks`), inverse STFT with
  the **mixture phase**, clip to [-1, 1]. This is the official order: threshold *after* un-warping.
* :func:`bss`: ``mir_eval.separation.bss_eval_sources(refs, ests, compute_permutation=False)`` per mixture,
  averaged over the N sources, plus the SDR of the mixture used as every estimate (``sdr_mix``) and
  NSDR = SDR - SDR_mix. Mixtures with a silent reference or estimate are skipped and counted. The loop
  over mixtures and ``mir_eval``'s ``FutureWarning`` are handled by notebook 06's
  :func:`avscene.separation.metrics.bss_eval`, reused here.
* :func:`ideal_binary_masks`: the oracle (the binary training target itself), to be scored through
  :func:`reconstruct` and :func:`bss` like any model.

The official code scores against the reference sounds cropped to the reconstruction's length, and scores
the mixture as ``istft(mag_mix, phase_mix)``. Callers pass the same ``length`` to :func:`reconstruct` and
crop references and mixture to it (``(T - 1) · hop``, librosa's default, reproduces the official crop).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..separation.metrics import bss_eval
from . import masks as masks_
from . import spectrogram

__all__ = ["BssScores", "bss", "ideal_binary_masks", "mixture_sdr", "reconstruct"]


def reconstruct(masks: torch.Tensor, mag_mix: torch.Tensor, phase_mix: torch.Tensor, *, n_fft: int, hop: int,
                length: int, binary: bool = True) -> torch.Tensor:
    """Waveforms of the masked mixture (§3.4 steps 1-3).

    ``masks [B, N, rows, T]`` (probabilities on the warped grid), ``mag_mix``, ``phase_mix [B, 1, F, T]``
    (linear grid, ``F = n_fft // 2 + 1``) -> ``[B, N, length]`` in [-1, 1]. The masks are un-warped to ``F``
    bins, thresholded at 0.5 when ``binary`` (ratio masks are used as they are), multiplied by ``mag_mix``
    and inverted with the mixture phase.
    """
    if masks.dim() != 4 or mag_mix.dim() != 4 or mag_mix.shape[1] != 1 or phase_mix.shape != mag_mix.shape:
        raise ValueError(f"expected masks [B, N, rows, T] and mag_mix, phase_mix [B, 1, F, T]; got "
                         f"{tuple(masks.shape)}, {tuple(mag_mix.shape)}, {tuple(phase_mix.shape)}")
    if mag_mix.shape[-2] != n_fft // 2 + 1:
        raise ValueError(f"mag_mix has {mag_mix.shape[-2]} bins, n_fft {n_fft} gives {n_fft // 2 + 1}")
    linear = spectrogram.unwarp(masks.to(mag_mix.dtype), mag_mix.shape[-2])  # [B, N, F, T]
    mags = masks_.apply_masks(linear, mag_mix[:, 0], binary=binary)  # [B, N, F, T]
    wavs = spectrogram.istft(mags, phase_mix.expand_as(mags), n_fft, hop, length=length)
    return wavs.clamp(-1.0, 1.0)


@dataclass
class BssScores:
    """BSS-eval over ``M`` scored mixtures: ``sdr``, ``sir``, ``sar``, ``sdr_mix``, ``nsdr`` float ``[M]`` in dB,
    each already averaged over the N sources (``nsdr = sdr - sdr_mix``); ``skipped`` mixtures (a silent
    reference or estimate) are not in the arrays; ``kept`` bool ``[M + skipped]`` marks the scored ones among
    all mixtures given."""

    sdr: np.ndarray
    sir: np.ndarray
    sar: np.ndarray
    sdr_mix: np.ndarray
    nsdr: np.ndarray
    skipped: int
    kept: np.ndarray | None = None

    def mean(self) -> dict[str, float]:
        """Mean of each metric over the scored mixtures (NaN when none was scored)."""
        return {k: float(np.mean(v)) if v.size else float("nan")
                for k, v in (("sdr", self.sdr), ("sir", self.sir), ("sar", self.sar),
                             ("sdr_mix", self.sdr_mix), ("nsdr", self.nsdr))}


def bss(references: np.ndarray, estimates: np.ndarray, mixtures: np.ndarray, *,
        silence: float = 1e-8, sdr_mix: np.ndarray | None = None) -> BssScores:
    """Per-mixture SDR/SIR/SAR, SDR of the mixture as the estimate, and NSDR (§3.4 steps 4-5).

    ``references``, ``estimates [M, N, L]``, ``mixtures [M, L]`` -> :class:`BssScores`. A mixture is skipped
    (and counted) when any reference, any estimate or the mixture (the estimate of the ``sdr_mix`` call) has
    **mean square** ``<= silence``. ``mir_eval`` itself only refuses exactly all-zero sources
    (``mir_eval.separation.validate``); the threshold also drops near-silent ones, whose scores are noise.
    Scoring is ``bss_eval_sources(refs, ests, compute_permutation=False)`` (estimate ``n`` against reference
    ``n``) and ``bss_eval_sources(refs, [mix] * N, compute_permutation=False)`` for ``sdr_mix``.
    """
    ref = np.asarray(references, dtype=np.float64)
    est = np.asarray(estimates, dtype=np.float64)
    mix = np.asarray(mixtures, dtype=np.float64)
    if ref.ndim != 3 or est.shape != ref.shape or mix.shape != (ref.shape[0], ref.shape[2]):
        raise ValueError(f"expected references, estimates [M, N, L] and mixtures [M, L]; got {ref.shape}, "
                         f"{est.shape}, {mix.shape}")
    silent = ((np.mean(ref ** 2, axis=-1) <= silence).any(axis=-1)
              | (np.mean(est ** 2, axis=-1) <= silence).any(axis=-1)
              | (np.mean(mix ** 2, axis=-1) <= silence))  # [M]
    keep = ~silent
    scored = bss_eval(ref[keep], est[keep])
    sdr, sir, sar = (x.mean(axis=1) for x in (scored.sdr, scored.sir, scored.sar))
    if sdr_mix is None:
        sdr_mix = mixture_sdr(ref[keep], mix[keep])
    else:
        sdr_mix = np.asarray(sdr_mix, dtype=np.float64)
        if sdr_mix.shape != (ref.shape[0],):
            raise ValueError(f"sdr_mix must be [M={ref.shape[0]}], got {sdr_mix.shape}")
        sdr_mix = sdr_mix[keep]
    return BssScores(sdr, sir, sar, sdr_mix, sdr - sdr_mix, int(silent.sum()), keep)


def mixture_sdr(references: np.ndarray, mixtures: np.ndarray) -> np.ndarray:
    """SDR of the mixture as every source's estimate, averaged over the sources: ``references [M, N, L]``,
    ``mixtures [M, L]`` -> float64 ``[M]`` (NaN where a reference is all zeros)."""
    ref = np.asarray(references, dtype=np.float64)
    mix = np.asarray(mixtures, dtype=np.float64)
    return bss_eval(ref, np.repeat(mix[:, None], ref.shape[1], axis=1)).sdr.mean(axis=1)


def ideal_binary_masks(source_mags: torch.Tensor, mix_mag_warped: torch.Tensor) -> torch.Tensor:
    """The oracle binary masks: ``source_mags [B, N, rows, T]``, ``mix_mag_warped [B, 1, rows, T]`` ->
    ``[B, N, rows, T]``, i.e. the binary training target ``source > 0.5 · mixture`` on the warped grid
    (:func:`avscene.coseg.masks.binary_masks`). Score it with :func:`reconstruct` and :func:`bss`."""
    if mix_mag_warped.dim() != 4 or mix_mag_warped.shape[1] != 1:
        raise ValueError(f"expected mix_mag_warped [B, 1, rows, T], got {tuple(mix_mag_warped.shape)}")
    return masks_.binary_masks(source_mags, mix_mag_warped[:, 0])
