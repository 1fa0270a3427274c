"""avscene.coseg.spectrogram: STFT sizes, round trip and the log-frequency warp (reference notes §3.1, §3.4, §3.6)."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from avscene.coseg import spectrogram as S

BINS = S.N_FFT // 2 + 1  # 512


def _noise(shape: tuple[int, ...], seed: int = 0) -> torch.Tensor:
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed))


# ------------------------------------------------------------------------------------------ STFT
def test_official_sizes_give_512_bins_by_256_frames() -> None:
    audio = 0.1 * torch.randn(2, S.AUDIO_LEN, generator=torch.Generator().manual_seed(0))
    mag, phase = S.magnitude_phase(audio, S.N_FFT, S.HOP)
    assert BINS == 512 and 1 + S.AUDIO_LEN // S.HOP == 256
    assert mag.shape == phase.shape == (2, 512, 256)
    assert S.stft(audio[0], S.N_FFT, S.HOP).shape == (512, 256)  # no leading dims
    assert S.stft(audio.reshape(2, 1, -1), S.N_FFT, S.HOP).shape == (2, 1, 512, 256)
    assert mag.min() >= 0 and phase.abs().max() <= math.pi
    # librosa.istft's default length: (T - 1) · hop
    assert S.istft(mag, phase, S.N_FFT, S.HOP).shape == (2, 255 * 256)


def test_stft_matches_a_hand_framed_dft_with_reflect_padding() -> None:
    n_fft, hop, n = 16, 4, 40
    audio = torch.randn(n, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    padded = F.pad(audio.view(1, 1, -1), (n_fft // 2, n_fft // 2), mode="reflect").view(-1)
    window = 0.5 - 0.5 * torch.cos(2 * math.pi * torch.arange(n_fft, dtype=torch.float64) / n_fft)
    frames = padded.unfold(0, n_fft, hop) * window  # [T, n_fft], periodic Hann
    expected = torch.fft.rfft(frames, dim=-1).T  # [F, T]
    got = S.stft(audio, n_fft, hop)
    assert got.shape == (n_fft // 2 + 1, 1 + n // hop)
    torch.testing.assert_close(got, expected)


def test_stft_istft_round_trip() -> None:
    audio = 0.3 * torch.randn(3, 20000, generator=torch.Generator().manual_seed(2))
    mag, phase = S.magnitude_phase(audio, S.N_FFT, S.HOP)
    back = S.istft(mag, phase, S.N_FFT, S.HOP, length=audio.shape[-1])
    assert back.shape == audio.shape
    rel = (back - audio).norm() / audio.norm()
    assert rel < 1e-4, rel


# --------------------------------------------------------------------------------- warp grid maps
def test_warp_map_endpoints_monotone_and_inverse() -> None:
    y = torch.linspace(-1, 1, 100001, dtype=torch.float64)
    u = S.warp_coord(y)
    assert u[0].item() == -1.0 and abs(u[-1].item() - 1.0) < 1e-12
    assert (u.diff() > 0).all()  # monotone
    assert (u <= y + 1e-12).all()  # convex below the diagonal: low frequencies get more rows
    torch.testing.assert_close(S.unwarp_coord(u), y, atol=1e-6, rtol=0)
    torch.testing.assert_close(S.warp_coord(S.unwarp_coord(y)), y, atol=1e-6, rtol=0)
    # bottom rows ~0.3 bins apart, top rows ~6.4 bins apart at 512 -> 256
    slope = torch.tensor([-1.0, 1.0], dtype=torch.float64)
    spacing = math.log(21) / 20 * torch.pow(21.0, (slope + 1) / 2) * (BINS - 1) / (S.WARP_ROWS - 1)
    torch.testing.assert_close(spacing, torch.tensor([0.305, 6.41], dtype=torch.float64), atol=5e-3, rtol=0)


def test_grid_layout_x_is_time_y_is_frequency() -> None:
    grid = S.warp_grid(5, 7)
    assert grid.shape == (1, 5, 7, 2) and grid.dtype == torch.float32
    x = torch.linspace(-1, 1, 7)
    torch.testing.assert_close(grid[0, :, :, 0], x.expand(5, 7))  # time along columns
    y = S.warp_coord(torch.linspace(-1, 1, 5, dtype=torch.float64)).float()
    torch.testing.assert_close(grid[0, :, :, 1], y[:, None].expand(5, 7))  # frequency along rows
    inv = S.unwarp_grid(6, 3, dtype=torch.float64)
    assert inv.shape == (1, 6, 3, 2) and inv.dtype == torch.float64
    torch.testing.assert_close(inv[0, :, 0, 1], S.unwarp_coord(torch.linspace(-1, 1, 6, dtype=torch.float64)))
    assert S.WARP_ALIGN_CORNERS is True


# ---------------------------------------------------------------------------------- warp / unwarp
def test_warp_of_frequency_constant_spectrum_stays_constant() -> None:
    per_frame = _noise((2, 3, 1, 40))  # [B, C, 1, T], constant along frequency
    spec = per_frame.expand(2, 3, BINS, 40).contiguous()
    warped = S.warp(spec, S.WARP_ROWS)
    assert warped.shape == (2, 3, S.WARP_ROWS, 40)
    # bilinear weights sum to 1, so only float32 rounding remains (values in [0, 1): ~1e-6)
    torch.testing.assert_close(warped, per_frame.expand_as(warped), atol=1e-5, rtol=0)
    torch.testing.assert_close(S.unwarp(warped, BINS), spec, atol=1e-5, rtol=0)
    exact = S.warp(spec.double(), S.WARP_ROWS)
    torch.testing.assert_close(exact, per_frame.double().expand_as(exact), atol=1e-12, rtol=0)


def test_smooth_polynomial_survives_warp_unwarp_within_the_bilinear_bound() -> None:
    # f(u) = 1 + 0.5 u - 0.3 u^2 on the normalised linear frequency u in [-1, 1]. Each bilinear step
    # errs by at most h^2/8 · max|second derivative| (h = sample spacing):
    #   warp   (in u, h = 2/511):  max|f''| = 0.6
    #   unwarp (in y, h = 2/255):  max|(f∘g)''| <= max|f''| g'^2 + max|f'| g'' with
    #                              g' <= ln21/20 · 21 and g'' = ln21/2 · g'
    # which gives about 9e-5 in total. In float64 the grids add nothing, so the bound is the tolerance.
    u = torch.linspace(-1, 1, BINS, dtype=torch.float64)
    f = 1 + 0.5 * u - 0.3 * u**2
    spec = f.view(1, 1, BINS, 1).expand(1, 1, BINS, 8).contiguous()
    g1 = math.log(21) / 20 * 21
    g2 = math.log(21) / 2 * g1
    bound = (2 / 511) ** 2 / 8 * 0.6 + (2 / 255) ** 2 / 8 * (0.6 * g1**2 + 1.1 * g2)
    warped = S.warp(spec, S.WARP_ROWS)
    # the warped samples are f at the forward-mapped positions, up to the first step's error
    u_rows = S.warp_coord(torch.linspace(-1, 1, S.WARP_ROWS, dtype=torch.float64))
    expected_warped = 1 + 0.5 * u_rows - 0.3 * u_rows**2
    assert (warped[0, 0, :, 0] - expected_warped).abs().max() <= (2 / 511) ** 2 / 8 * 0.6 + 1e-12
    err = (S.unwarp(warped, BINS) - spec).abs().max().item()
    assert bound < 1e-4 and err <= bound, (err, bound)


def test_wide_low_frequency_bump_survives_warp_unwarp() -> None:
    # A Gaussian bump (sigma 4 bins) at bin 30, where the warp upsamples (about 0.66 bins per row).
    # Two bilinear steps, each within h^2/8 · 1/sigma^2 of the peak: 1/128 + 0.66^2/128 < 0.012.
    bins = torch.arange(BINS, dtype=torch.float64)
    bump = torch.exp(-0.5 * ((bins - 30) / 4) ** 2).view(1, 1, BINS, 1)
    err = (S.unwarp(S.warp(bump, S.WARP_ROWS), BINS) - bump).abs().max().item()
    assert err < 0.012, err


def test_impulse_lands_on_the_row_the_forward_map_predicts() -> None:
    rows = S.WARP_ROWS
    y = torch.linspace(-1, 1, rows, dtype=torch.float64)
    pos = (S.warp_coord(y) + 1) / 2 * (BINS - 1)  # bin position each row reads (align_corners=True)
    for b in (0, 7, 20, 100, 300, 511):
        spec = torch.zeros(1, 1, BINS, 3, dtype=torch.float64)
        spec[:, :, b] = 1.0
        column = S.warp(spec, rows)[0, 0, :, 1]
        # bilinear reading of a unit impulse is a unit triangle around bin b
        torch.testing.assert_close(column, (1 - (pos - b).abs()).clamp_min(0), atol=1e-9, rtol=0)
        u_b = torch.tensor(-1 + 2 * b / (BINS - 1), dtype=torch.float64)  # bin b's normalised frequency
        predicted_row = (S.unwarp_coord(u_b) + 1) / 2 * (rows - 1)
        assert int(column.argmax()) == int(torch.round(predicted_row)), (b, predicted_row)
    # below ~58 bins a bin spans several rows, so the impulse is seen by more than one row
    spec = torch.zeros(1, 1, BINS, 1)
    spec[:, :, 7] = 1.0
    assert (S.warp(spec, rows) > 0).sum() >= 3


def test_unwarp_error_concentrates_at_high_frequencies() -> None:
    # 512 -> 256 -> 512 on random magnitudes: the bottom half of the bins gets about 201 of the 256
    # rows and the top half about 55, so the top half loses far more detail.
    spec = _noise((2, 1, BINS, 256), seed=3)
    err = (S.unwarp(S.warp(spec, S.WARP_ROWS), BINS) - spec).abs()
    low, high = err[:, :, :BINS // 2].mean(), err[:, :, BINS // 2:].mean()
    assert low < high, (low, high)
    # and it grows steadily with frequency (per-quarter means about 0.10, 0.19, 0.22, 0.24)
    quarters = err.mean(dim=(0, 1, 3)).view(4, -1).mean(dim=1)
    assert (quarters.diff() > 0).all(), quarters
    # the lowest bins are upsampled (3 rows per bin), so they lose the least
    assert err[:, :, :20].mean() < 0.25 * high
    rows_for_low_half = (S.unwarp_coord(torch.tensor(0.0)) + 1) / 2 * (S.WARP_ROWS - 1)
    assert 200 < rows_for_low_half < 202


def test_warp_keeps_batch_channels_and_dtype() -> None:
    spec = _noise((3, 2, BINS, 17)).double()
    warped = S.warp(spec, 64)
    assert warped.shape == (3, 2, 64, 17) and warped.dtype == torch.float64
    assert S.unwarp(warped, BINS).shape == (3, 2, BINS, 17)
    # the time axis is sampled exactly at the input's columns
    torch.testing.assert_close(S.warp(spec[..., 5:6], 64)[..., 0], warped[..., 5])
