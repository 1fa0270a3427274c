"""The L³-Net / Objects-that-Sound audio input: 1 s of mono audio -> a standardised log-magnitude
spectrogram ``[B, 1, F, T]`` (notebook 07; reference notes §2.1 and §2.8.5).

Sizes follow from the sample rate alone (:func:`spec_sizes`): a **10-ms** window
(``round(0.01 · sr)`` samples), hop half of it (50 % overlap), FFT size the next power of two ≥ the
window, ``F = n_fft / 2 + 1`` bins, and the frames of ``scipy.signal.spectrogram`` (the
re-implementation's): frame ``t`` covers samples ``[t · hop, t · hop + window)``, no padding, so
``T = 1 + (N - window) // hop``.

=========  ======  ===  =====  ===  ==========
rate (Hz)  window  hop  n_fft    F  T for 1 s
=========  ======  ===  =====  ===  ==========
48 000        480  240    512  257  199
16 000        160   80    256  129  199
 8 000         80   40    128   65  199
 4 000         40   20     64   33  199
=========  ======  ===  =====  ===  ==========

(The paper quotes 257 × 200; the subnetwork gives the same 16 × 12 map for 199 or 200 frames.)

Computed with ``torch.stft`` (``center=False``): the window is padded to ``n_fft`` inside each FFT frame,
so the signal is padded by ``(n_fft - window) / 2`` at both ends to put every window exactly on the
scipy frame above. Window: periodic Hann (scipy's ``spectrogram`` defaults to Tukey(0.25); a stated
deviation). The magnitude is divided by the window's sum, so a sine of amplitude ``A`` on a bin centre
reads ``A / 2`` at every sample rate, then

    spec = (log(|X| / Σw + EPS) - LOG_MEAN) / LOG_STD

with ``EPS = 1e-5`` (-100 dB, the separation front end's floor), ``LOG_MEAN = -8.5`` and
``LOG_STD = 3.0``: fixed constants, rounded from the log-magnitudes of 24 synthetic ``SoloDuetSet``
clips (mean -8.2 / -9.1 and std 2.9 / 2.6 at the ``smoke`` / ``cpu`` profiles; about a quarter of the
synthetic world's cells are silent and sit at log(1e-5) = -11.5). The re-implementation instead divides
``10 log10(psd)`` by 12. Real audio at other levels may want other constants (``mean``, ``std``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

WINDOW_SECONDS = 0.01
EPS = 1e-5
LOG_MEAN = -8.5
LOG_STD = 3.0


@dataclass(frozen=True)
class SpecSizes:
    """STFT sizes at one sample rate (samples, except ``bins``)."""

    sample_rate: int
    window: int
    hop: int
    n_fft: int
    bins: int

    def frames(self, n_samples: int) -> int:
        """Frames ``T`` for ``n_samples`` of audio: ``1 + (N - window) // hop``."""
        if n_samples < self.window:
            raise ValueError(f"{n_samples} samples are shorter than one {self.window}-sample window")
        return 1 + (n_samples - self.window) // self.hop

    def bin_frequency(self, k: int) -> float:
        """Centre frequency of bin ``k`` in Hz: ``k · sr / n_fft``."""
        return k * self.sample_rate / self.n_fft

    def hann(self, device: torch.device | None = None, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """The periodic Hann window ``[window]``."""
        return torch.hann_window(self.window, periodic=True, device=device, dtype=dtype)


def spec_sizes(sample_rate: int, window_seconds: float = WINDOW_SECONDS) -> SpecSizes:
    """The sizes at ``sample_rate``: 48 kHz -> window 480, hop 240, n_fft 512, 257 bins; 8 kHz -> 80, 40, 128, 65."""
    window = round(window_seconds * sample_rate)
    if window < 2:
        raise ValueError(f"sample rate {sample_rate} Hz is too low for a {window_seconds * 1000:g}-ms window")
    n_fft = 1 << math.ceil(math.log2(window))
    return SpecSizes(int(sample_rate), window, window // 2, n_fft, n_fft // 2 + 1)


def magnitude(audio: torch.Tensor, sizes: SpecSizes) -> torch.Tensor:
    """``|X| / Σw``: mono audio ``[..., N]`` -> ``[..., F, T]`` (frequency first, as the paper's 257 × 200)."""
    lead, n = audio.shape[:-1], audio.shape[-1]
    x = audio.reshape(-1, n).float()
    left = (sizes.n_fft - sizes.window) // 2
    x = F.pad(x, (left, sizes.n_fft - sizes.window - left))
    w = sizes.hann(x.device)
    spec = torch.stft(x, sizes.n_fft, sizes.hop, sizes.window, window=w, center=False, return_complex=True)
    mag = spec.abs() / w.sum()
    return mag.reshape(*lead, *mag.shape[-2:])


def log_spectrogram(audio: torch.Tensor, sample_rate: int, *, mean: float = LOG_MEAN, std: float = LOG_STD,
                    eps: float = EPS) -> torch.Tensor:
    """The network's audio input: mono ``[B, N]`` (or ``[N]``) -> ``[B, 1, F, T]`` (or ``[1, F, T]``).

    ``(log(|X| / Σw + eps) - mean) / std``; at 48 kHz, 1 s gives ``[B, 1, 257, 199]``, at 8 kHz
    ``[B, 1, 65, 199]``.
    """
    mag = magnitude(audio, spec_sizes(sample_rate))
    return ((mag + eps).log() - mean).div(std).unsqueeze(-3)


def to_mono(audio: torch.Tensor) -> torch.Tensor:
    """``[..., C, N] -> [..., N]``: the mean over channels."""
    return audio.mean(dim=-2)
