"""The waveform compression at the input of the sound branch (reference notes §1.1,
``shift_net.normalize_sfs``): ``sign(x) · log(1 + 255|x|) / log(256)``, continuous (not quantized,
unlike ``torchaudio.functional.mu_law_encoding``)."""
from __future__ import annotations

import math

import torch

MU = 255.0


def mu_law(x: torch.Tensor, mu: float = MU) -> torch.Tensor:
    """``x [...]`` in [-1, 1] -> same shape in [-1, 1], compressed (large steps near 0)."""
    return torch.sign(x) * torch.log1p(mu * x.abs()) / math.log1p(mu)
