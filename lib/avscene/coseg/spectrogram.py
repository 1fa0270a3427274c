"""Sound of Pixels' audio front end for notebook 08: STFT, inverse STFT and the log-frequency warp.

Reference notes §3.1 (Mix-and-Separate data path), §3.4 (evaluation: un-warp, mixture phase,
inverse STFT) and §3.6 (pitfalls: ``grid_sample``'s ``align_corners``).

**STFT** (``dataset/base.py``: ``librosa.stft(audio, n_fft=1022, hop_length=256)`` with librosa 0.7.2,
the version in the official ``requirements.txt``):

* window: periodic Hann of ``n_fft`` samples (librosa's ``get_window("hann", n_fft, fftbins=True)``);
* ``center=True``: ``n_fft // 2`` samples of padding at both ends, so frame ``t`` is centred on sample
  ``t · hop`` and ``T = 1 + N // hop``;
* padding mode ``"reflect"``: librosa's default before 0.10 (0.10 switched to ``"constant"``). The
  official code ran in the reflect era, so reflect it is. This only changes the edge frames;
* all ``F = n_fft // 2 + 1`` bins are kept (no Nyquist drop, unlike notebook 06's
  :mod:`avscene.separation.spectrogram`). At the official sizes, 65535 samples, ``n_fft`` 1022 and
  hop 256 give **512 bins × 256 frames**.

:func:`istft` runs ``torch.istft`` with the same window and ``center=True``. Like
``librosa.istft``, it divides by the overlap-added squared window and trims the centre padding.
Called without ``length``, it returns ``(T - 1) · hop`` samples, which is librosa's default and
65280 at the official sizes.

**Log-frequency warp** (``utils.warpgrid``, ``main.py``): the network sees the linear-frequency
magnitude resampled by ``F.grid_sample`` (bilinear) onto 256 rows. Row ``i`` sits at
``y_i = linspace(-1, 1, rows)[i]`` and reads the linear spectrum at the normalised frequency

    u = g(y) = (21 ** ((y + 1) / 2) - 11) / 10,

so ``g(-1) = -1`` (DC), ``g(1) = 1`` (Nyquist), and ``g`` is convex: low frequencies get more rows.
At 512 → 256 the bottom rows are about 0.3 bins apart and the top rows about 6.4 bins apart. The
un-warp (evaluation, §3.4 step 1) reads the warped image at

    y = g⁻¹(u) = log(10 u + 11) / log(21) · 2 - 1

for the ``bins`` linear positions ``u = linspace(-1, 1, bins)``. The time axis is sampled at
``linspace(-1, 1, frames)``, which with ``align_corners=True`` is exactly the input's columns. The
grid's last axis is ``(x, y) = (time, frequency)``, as ``grid_sample`` expects.

Tensors are ``[..., F, T]`` (frequency, then time), the official layout, not notebook 06's
``[B, T, F]``.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

#: ``align_corners`` for both the warp and the un-warp (§3.6 pitfall 1). The released model was trained
#: on PyTorch 0.4, whose ``grid_sample`` behaved like ``align_corners=True``: normalised -1 and +1 are
#: the centres of the first and last bins. PyTorch 1.3 changed the default to ``False``, and the
#: official ``requirements.txt`` was later pinned to torch 1.11, where an unset value means
#: ``False``. We follow the trained model. Warp and un-warp must use the same value.
WARP_ALIGN_CORNERS = True
#: The official STFT sizes (``arguments.py``: ``stft_frame``, ``stft_hop``; ``audLen``).
N_FFT = 1022
HOP = 256
AUDIO_LEN = 65535
#: Rows of the log-frequency spectrogram the network sees.
WARP_ROWS = 256
_LOG21 = math.log(21.0)


def _window(n_fft: int, like: torch.Tensor) -> torch.Tensor:
    """Periodic Hann window ``[n_fft]`` on ``like``'s device, in its real dtype."""
    dtype = like.real.dtype if like.is_complex() else like.dtype
    return torch.hann_window(n_fft, periodic=True, device=like.device, dtype=dtype)


def stft(audio: torch.Tensor, n_fft: int = N_FFT, hop: int = HOP) -> torch.Tensor:
    """Complex STFT, librosa style: ``audio [..., N]`` -> ``[..., F, T]`` complex.

    ``F = n_fft // 2 + 1`` and ``T = 1 + N // hop``. The input is reflect-padded by ``n_fft // 2`` at
    both ends, which needs ``N > n_fft // 2``.
    """
    lead = audio.shape[:-1]
    x = torch.stft(audio.reshape(-1, audio.shape[-1]), n_fft, hop_length=hop, win_length=n_fft,
                   window=_window(n_fft, audio), center=True, pad_mode="reflect", return_complex=True)
    return x.reshape(*lead, *x.shape[-2:])


def magnitude_phase(audio: torch.Tensor, n_fft: int = N_FFT, hop: int = HOP,
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """Magnitude and phase (radians) of :func:`stft`: ``audio [..., N]`` -> two ``[..., F, T]`` tensors."""
    x = stft(audio, n_fft, hop)
    return x.abs(), x.angle()


def istft(mag: torch.Tensor, phase: torch.Tensor, n_fft: int = N_FFT, hop: int = HOP,
          length: int | None = None) -> torch.Tensor:
    """Inverse of :func:`stft` from magnitude and phase: ``[..., F, T]`` twice -> ``[..., length]``.

    ``length=None`` gives ``(T - 1) · hop`` samples, like ``librosa.istft``. Pass the original ``N``
    to get the input back exactly.
    """
    x = torch.polar(mag, phase)
    lead = x.shape[:-2]
    wave = torch.istft(x.reshape(-1, *x.shape[-2:]), n_fft, hop_length=hop, win_length=n_fft,
                       window=_window(n_fft, mag), center=True,
                       length=(x.shape[-1] - 1) * hop if length is None else length)
    return wave.reshape(*lead, wave.shape[-1])


def warp_coord(y: torch.Tensor) -> torch.Tensor:
    """Forward map ``g``: warped row coordinate ``y ∈ [-1, 1]`` -> linear frequency ``u ∈ [-1, 1]`` (any shape)."""
    return (torch.pow(21.0, (y + 1.0) / 2.0) - 11.0) / 10.0


def unwarp_coord(u: torch.Tensor) -> torch.Tensor:
    """Inverse map ``g⁻¹``: linear frequency ``u ∈ [-1, 1]`` -> warped row coordinate ``y ∈ [-1, 1]`` (any shape)."""
    return torch.log(10.0 * u + 11.0) / _LOG21 * 2.0 - 1.0


def _grid(freq: torch.Tensor, frames: int, device: torch.device | str | None,
          dtype: torch.dtype) -> torch.Tensor:
    """``grid_sample`` grid ``[1, len(freq), frames, 2]``: ``[..., 0]`` time x, ``[..., 1]`` frequency y."""
    x = torch.linspace(-1.0, 1.0, frames, dtype=torch.float64)
    # Clamp to [-1, 1]. The maps hit ±1 exactly in exact arithmetic, so this only removes rounding
    # that would otherwise pull in a little zero padding at the edges.
    yv, xv = torch.meshgrid(freq.clamp(-1.0, 1.0), x, indexing="ij")
    return torch.stack([xv, yv], dim=-1).unsqueeze(0).to(device=device, dtype=dtype)


def warp_grid(rows: int, frames: int, *, device: torch.device | str | None = None,
              dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The official ``warpgrid(1, rows, frames, warp=True)``: ``[1, rows, frames, 2]``.

    Computed in float64 and then cast, as the official numpy code did. ``grid[..., 0]`` is
    ``x = linspace(-1, 1, frames)`` (time) and ``grid[..., 1]`` is ``g(linspace(-1, 1, rows))``
    (frequency).
    """
    return _grid(warp_coord(torch.linspace(-1.0, 1.0, rows, dtype=torch.float64)), frames, device, dtype)


def unwarp_grid(bins: int, frames: int, *, device: torch.device | str | None = None,
                dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The official ``warpgrid(1, bins, frames, warp=False)``: ``[1, bins, frames, 2]``, with ``g⁻¹`` on ``y``."""
    return _grid(unwarp_coord(torch.linspace(-1.0, 1.0, bins, dtype=torch.float64)), frames, device, dtype)


def _sample(spec: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
    """Bilinear ``grid_sample`` of ``spec [B, C, H, T]`` on ``grid [1, H', T, 2]``, giving ``[B, C, H', T]``."""
    if spec.dim() != 4:
        raise ValueError(f"expected [B, C, F, T], got shape {tuple(spec.shape)}")
    return F.grid_sample(spec, grid.expand(spec.shape[0], -1, -1, -1), mode="bilinear",
                         padding_mode="zeros", align_corners=WARP_ALIGN_CORNERS)


def warp(spec: torch.Tensor, rows: int = WARP_ROWS) -> torch.Tensor:
    """Linear -> log frequency: ``spec [B, C, F, T]`` -> ``[B, C, rows, T]`` (time axis unchanged)."""
    return _sample(spec, warp_grid(rows, spec.shape[-1], device=spec.device, dtype=spec.dtype))


def unwarp(spec: torch.Tensor, bins: int = N_FFT // 2 + 1) -> torch.Tensor:
    """Log -> linear frequency: ``spec [B, C, rows, T]`` -> ``[B, C, bins, T]`` (time axis unchanged)."""
    return _sample(spec, unwarp_grid(bins, spec.shape[-1], device=spec.device, dtype=spec.dtype))
