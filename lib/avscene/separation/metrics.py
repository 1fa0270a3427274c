"""Separation metrics (paper §6; reference notes §1.7 and §5): BSS-eval SDR/SIR/SAR, SI-SDR and its
improvement over the mixture, and on/off-screen assignment accuracy.

* BSS-eval is ``mir_eval.separation.bss_eval_sources`` (v3, 512-tap distortion filters). ``mir_eval``
  evaluates one example at a time and refuses all-zero references or estimates; :func:`bss_eval`
  loops over the batch, and **skips** such examples (NaN rows) and counts them instead of crashing.
  ``mir_eval`` 0.8 marks ``bss_eval_sources`` deprecated (removal planned for 0.9); the pinned 0.8.2
  still has it, and its ``FutureWarning`` is silenced here.
* SI-SDR is ``torchmetrics.functional.audio.scale_invariant_signal_distortion_ratio`` with
  ``zero_mean=True`` (both signals made zero-mean first, Le Roux et al. 2019), vectorised over any
  leading dimensions.
* Assignment accuracy: an example counts as correctly assigned when the on-screen output is closer
  **by SI-SDR** to the true on-screen source than the off-screen output is.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import torch
from mir_eval.separation import bss_eval_sources
from torchmetrics.functional.audio import scale_invariant_signal_distortion_ratio


@dataclass
class BssEval:
    """BSS-eval results for a batch: ``sdr``, ``sir``, ``sar`` ``[B, n_src]`` in dB and ``perm``
    ``[B, n_src]`` (estimate index matched to each reference; identity unless ``permute``). Rows of
    skipped examples are NaN (``perm`` -1)."""

    sdr: np.ndarray
    sir: np.ndarray
    sar: np.ndarray
    perm: np.ndarray
    silent_reference: int  # examples skipped because a reference source is all zeros
    silent_estimate: int  # examples skipped because an estimate is all zeros

    @property
    def evaluated(self) -> int:
        return int(np.isfinite(self.sdr).all(axis=1).sum())


def bss_eval(reference: np.ndarray, estimate: np.ndarray, *, permute: bool = False) -> BssEval:
    """SDR/SIR/SAR with ``mir_eval``: ``reference, estimate [n_src, N]`` or ``[B, n_src, N]``.

    ``permute=False`` scores estimate ``j`` against reference ``j`` (the on/off-screen order is part
    of the task); ``permute=True`` lets ``mir_eval`` pick the best assignment (the blind PIT baseline).
    """
    ref = np.asarray(reference, dtype=np.float64)
    est = np.asarray(estimate, dtype=np.float64)
    if ref.shape != est.shape or ref.ndim not in (2, 3):
        raise ValueError(f"reference and estimate must both be [n_src, N] or [B, n_src, N]; "
                         f"got {ref.shape} and {est.shape}")
    if ref.ndim == 2:
        ref, est = ref[None], est[None]
    b, n_src = ref.shape[:2]
    sdr, sir, sar = (np.full((b, n_src), np.nan) for _ in range(3))
    perm = np.full((b, n_src), -1, dtype=np.int64)
    ref_silent = ~ref.any(axis=-1).all(axis=-1)  # [B]: some reference is all zeros
    est_silent = ~est.any(axis=-1).all(axis=-1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        for i in np.flatnonzero(~(ref_silent | est_silent)):  # mir_eval has no batch axis
            sdr[i], sir[i], sar[i], perm[i] = bss_eval_sources(ref[i], est[i], compute_permutation=permute)
    return BssEval(sdr, sir, sar, perm, int(ref_silent.sum()), int((est_silent & ~ref_silent).sum()))


def si_sdr(estimate: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Scale-invariant SDR in dB (zero-mean): ``[..., N]`` twice -> ``[...]``."""
    return scale_invariant_signal_distortion_ratio(estimate, reference, zero_mean=True)


def si_sdr_improvement(estimate: torch.Tensor, reference: torch.Tensor, mixture: torch.Tensor) -> torch.Tensor:
    """SI-SDRi in dB: ``si_sdr(estimate, reference) - si_sdr(mixture, reference)``, ``[..., N]`` -> ``[...]``."""
    return si_sdr(estimate, reference) - si_sdr(mixture, reference)


def assignment_correct(on: torch.Tensor, off: torch.Tensor, on_reference: torch.Tensor) -> torch.Tensor:
    """Per example, is the on-screen output closer (by SI-SDR) to the on-screen source than the
    off-screen output is? ``on, off, on_reference [B, N]`` -> ``[B]`` bool."""
    return si_sdr(on, on_reference) > si_sdr(off, on_reference)


def assignment_accuracy(on: torch.Tensor, off: torch.Tensor, on_reference: torch.Tensor) -> float:
    """The fraction of examples with :func:`assignment_correct`: ``[B, N]`` three times -> float."""
    return assignment_correct(on, off, on_reference).float().mean().item()
