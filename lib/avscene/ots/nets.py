"""The Objects-that-Sound networks: the VGG-like subnetworks, AVE-Net, AVOL-Net and L³-Net (notebook 07).

Arandjelović & Zisserman, ECCV 2018, §3-§5 (and the L³-Net of ICCV 2017); reference notes §2.2-§2.4 and
§2.8. No official code exists; the structure follows the notes and the ``kyuyeonpooh/objects-that-sound``
re-implementation [3rd]. Every size is a constructor argument; ``width=64``, ``dim=128``,
``hidden=128`` are the paper's.

* :class:`Subnet` (vision: ``in_channels=3``; audio: ``in_channels=1``): four blocks of
  [conv3×3 (padding 1) -> BN -> ReLU] ×2, the first conv of block 1 with stride 2, a 2×2 max-pool
  (floor) after blocks 1-3, channels ``width · (1, 2, 4, 8)``. At the paper's sizes
  (:func:`map_shape`): image 224×224 -> 14×14×512, spectrogram 257×200 (or 199) -> 16×12×512.
* :class:`AVENet`: per branch, global max-pool -> FC 8w->hidden -> ReLU -> FC hidden->dim ->
  L2-normalise (no ReLU after the last FC, notes §2.8.3); the Euclidean distance ``d`` between the
  two unit vectors -> FC 1->2 -> logits ``[B, 2]`` over (mismatch, match).
* :class:`AVOLNet`: vision conv4 map -> 1×1 conv 8w->hidden -> ReLU -> 1×1 conv hidden->dim, one
  embedding per location; audio embedding as AVE-Net's; their dot product at each location ->
  one learnable scale and bias -> sigmoid: the localisation map ``[B, h, w]``; its spatial max is the
  correspondence probability (multiple-instance learning).
* :class:`L3Net`: the two max-pooled 8w feature vectors concatenated -> FC 16w->hidden -> ReLU ->
  FC hidden->2.

Conventions: label 1 = the frame and the sound correspond (a positive), 0 = they do not; logits are
ordered ``(mismatch, match)`` so that ``argmax == label``. Images are ``[B, 3, H, W]`` in [-1, 1]
(``avscene.models.inputs``), spectrograms ``[B, 1, F, T]`` (:mod:`avscene.ots.spectrogram`).

Choices where the sources are silent (documented guesses):

* the convolutions carry no bias (BN follows; the re-implementation keeps a redundant one); BN is
  PyTorch's (eps 1e-5), momentum a constructor argument; weights use PyTorch's default initialisation;
* the AVE-Net fusion FC starts at ``logit_match = -(d - √2)``, ``logit_mismatch = d - √2``
  (:data:`FUSION_SLOPE`, :data:`FUSION_CENTRE`): a larger distance favours "mismatch" from the first
  step, with the decision boundary at the distance of two random unit vectors in high dimension;
  the distance is ``sqrt(|v - a|² + 1e-12)`` so that its gradient is finite at ``v == a``;
* AVOL-Net's embeddings are **not** L2-normalised by default (as the re-implementation; the learnable
  scale and bias calibrate the raw dot products, notes §2.8.4); ``normalize=True`` normalises both.
  The calibration starts at scale 1, bias 0 (arguments ``scale_init``, ``bias_init``);
* ``pools`` and ``first_stride`` (defaults 3 and 2, the paper's) are arguments so that the small
  crops of the CPU profiles can keep a finer localisation map; ``audio_pools`` (default ``pools``) sets
  the audio subnet's alone (the ``cpu`` profile keeps the paper's 3 there: a quarter of the cost).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..models.shift_net import count_parameters

__all__ = ["AVENet", "AVOLNet", "L3Net", "Subnet", "avc_loss", "avc_predict", "avol_loss", "count_parameters",
           "map_shape"]

#: Block channels as multiples of ``width`` (the paper's 64, 128, 256, 512 at ``width=64``).
CHANNEL_MULT: tuple[int, ...] = (1, 2, 4, 8)
#: Initial slope and centre of AVE-Net's 1->2 fusion layer: ``logit_match = -SLOPE · (d - CENTRE)``.
FUSION_SLOPE = 1.0
FUSION_CENTRE = math.sqrt(2.0)
#: Added under the square root of the Euclidean distance (finite gradient at zero distance).
DIST_EPS = 1e-12
MATCH, MISMATCH = 1, 0


def map_shape(height: int, width: int, *, pools: int = 3, first_stride: int = 2) -> tuple[int, int]:
    """The conv4 map's ``(h, w)`` for an input of ``height × width``, by arithmetic alone.

    A 3×3 conv with padding 1 and stride ``s`` gives ``floor((n - 1) / s) + 1``; each 2×2 max-pool
    ``floor(n / 2)``. Paper sizes: ``(224, 224) -> (14, 14)``, ``(257, 200) -> (16, 12)``.
    """
    def one(n: int) -> int:
        n = (n - 1) // first_stride + 1
        for _ in range(pools):
            n //= 2
        return n

    return one(height), one(width)


class Subnet(nn.Module):
    """The VGG-like subnetwork: ``x [B, in_channels, H, W] -> conv4 map [B, 8w, h, w]`` (:func:`map_shape`).

    Block ``i`` (``i = 1..4``): [conv3×3 -> BN -> ReLU] ×2 with ``width · CHANNEL_MULT[i-1]`` channels,
    the very first conv with stride ``first_stride``; a 2×2 max-pool after the first ``pools`` blocks.
    """

    def __init__(self, in_channels: int, width: int = 64, *, pools: int = 3, first_stride: int = 2,
                 bn_momentum: float = 0.1, channel_mult: Sequence[int] = CHANNEL_MULT) -> None:
        super().__init__()
        if not 0 <= pools <= len(channel_mult) - 1:
            raise ValueError(f"pools must be in 0..{len(channel_mult) - 1}, got {pools}")
        self.in_channels, self.width, self.pools, self.first_stride = in_channels, width, pools, first_stride
        layers: list[nn.Module] = []
        c_in = in_channels
        for i, mult in enumerate(channel_mult):
            c_out = width * mult
            for j in range(2):
                stride = first_stride if (i, j) == (0, 0) else 1
                layers += [nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
                           nn.BatchNorm2d(c_out, momentum=bn_momentum), nn.ReLU(inplace=True)]
                c_in = c_out
            if i < pools:
                layers.append(nn.MaxPool2d(2))
        self.layers = nn.Sequential(*layers)
        self.out_channels = c_in

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"expected [B, {self.in_channels}, H, W], got {tuple(x.shape)}")
        return self.layers(x)

    def map_shape(self, height: int, width: int) -> tuple[int, int]:
        """This subnetwork's :func:`map_shape`."""
        return map_shape(height, width, pools=self.pools, first_stride=self.first_stride)


class EmbeddingHead(nn.Module):
    """Global max-pool -> FC ``c_in``->``hidden`` -> ReLU -> FC ``hidden``->``dim`` (-> L2-normalise):
    ``[B, c_in, h, w] -> [B, dim]``. No ReLU after the last FC (notes §2.8.3)."""

    def __init__(self, c_in: int, hidden: int = 128, dim: int = 128, *, normalize: bool = True) -> None:
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(c_in, hidden), nn.Linear(hidden, dim)
        self.normalize = normalize

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        x = features.amax(dim=(2, 3))
        x = self.fc2(F.relu(self.fc1(x)))
        return F.normalize(x, p=2, dim=1) if self.normalize else x


def _subnets(width: int, pools: int, first_stride: int, bn_momentum: float,
             audio_pools: int | None = None) -> tuple[Subnet, Subnet]:
    """The vision and audio subnets; ``audio_pools`` (default ``pools``) lets the audio keep the paper's
    three pools while small frames keep a finer map."""
    kw = {"first_stride": first_stride, "bn_momentum": bn_momentum}
    audio = pools if audio_pools is None else audio_pools
    return Subnet(3, width, pools=pools, **kw), Subnet(1, width, pools=audio, **kw)


class AVENet(nn.Module):
    """The audio-visual embedding network: ``forward(image [B, 3, H, W], spec [B, 1, F, T]) -> logits [B, 2]``.

    ``embed_image`` / ``embed_audio`` give the aligned unit embeddings ``[B, dim]`` used for retrieval
    (within and across modalities); :meth:`distance` the Euclidean distance ``[B]`` in ``[0, 2]``.
    """

    def __init__(self, width: int = 64, dim: int = 128, hidden: int = 128, *, pools: int = 3,
                 audio_pools: int | None = None,
                 first_stride: int = 2, bn_momentum: float = 0.1) -> None:
        super().__init__()
        self.vision, self.audio = _subnets(width, pools, first_stride, bn_momentum, audio_pools)
        self.image_head = EmbeddingHead(self.vision.out_channels, hidden, dim)
        self.audio_head = EmbeddingHead(self.audio.out_channels, hidden, dim)
        self.fusion = nn.Linear(1, 2)
        with torch.no_grad():  # logits (mismatch, match) = ±SLOPE · (d - CENTRE)
            self.fusion.weight.copy_(torch.tensor([[FUSION_SLOPE], [-FUSION_SLOPE]]))
            self.fusion.bias.copy_(torch.tensor([-FUSION_SLOPE * FUSION_CENTRE, FUSION_SLOPE * FUSION_CENTRE]))
        self.dim = dim

    def embed_image(self, image: torch.Tensor) -> torch.Tensor:
        """``image [B, 3, H, W] -> [B, dim]`` unit vectors."""
        return self.image_head(self.vision(image))

    def embed_audio(self, spec: torch.Tensor) -> torch.Tensor:
        """``spec [B, 1, F, T] -> [B, dim]`` unit vectors."""
        return self.audio_head(self.audio(spec))

    @staticmethod
    def distance(image_emb: torch.Tensor, audio_emb: torch.Tensor) -> torch.Tensor:
        """Euclidean distance ``[B]`` between ``[B, D]`` embeddings (``sqrt(Σ(v - a)² + 1e-12)``)."""
        return ((image_emb - audio_emb) ** 2).sum(dim=1).add(DIST_EPS).sqrt()

    def logits_from_embeddings(self, image_emb: torch.Tensor, audio_emb: torch.Tensor) -> torch.Tensor:
        """``[B, D]`` twice -> logits ``[B, 2]`` (mismatch, match) through the distance alone."""
        return self.fusion(self.distance(image_emb, audio_emb)[:, None])

    def forward(self, image: torch.Tensor, spec: torch.Tensor) -> torch.Tensor:
        return self.logits_from_embeddings(self.embed_image(image), self.embed_audio(spec))


class AVOLNet(nn.Module):
    """The audio-visual object localisation network.

    ``forward(image [B, 3, H, W], spec [B, 1, F, T]) -> (prob [B], map [B, h, w])``: the sigmoid map of
    "location (i, j) makes the sound" and its spatial max, the correspondence probability (MIL).
    :meth:`logits` gives the same before the sigmoid (``sigmoid(max) == max(sigmoid)``), for a stable
    BCE; :meth:`localize` the map upsampled to the image.
    """

    def __init__(self, width: int = 64, dim: int = 128, hidden: int = 128, *, pools: int = 3,
                 audio_pools: int | None = None,
                 first_stride: int = 2, bn_momentum: float = 0.1, normalize: bool = False,
                 scale_init: float = 1.0, bias_init: float = 0.0) -> None:
        super().__init__()
        self.vision, self.audio = _subnets(width, pools, first_stride, bn_momentum, audio_pools)
        self.image_conv1 = nn.Conv2d(self.vision.out_channels, hidden, 1)
        self.image_conv2 = nn.Conv2d(hidden, dim, 1)
        self.audio_head = EmbeddingHead(self.audio.out_channels, hidden, dim, normalize=normalize)
        self.scale = nn.Parameter(torch.tensor(float(scale_init)))
        self.bias = nn.Parameter(torch.tensor(float(bias_init)))
        self.normalize, self.dim = normalize, dim

    def embed_locations(self, image: torch.Tensor) -> torch.Tensor:
        """``image [B, 3, H, W] -> [B, dim, h, w]``: one embedding per conv4 location."""
        x = self.image_conv2(F.relu(self.image_conv1(self.vision(image))))
        return F.normalize(x, p=2, dim=1) if self.normalize else x

    def embed_audio(self, spec: torch.Tensor) -> torch.Tensor:
        """``spec [B, 1, F, T] -> [B, dim]``."""
        return self.audio_head(self.audio(spec))

    def logits(self, image: torch.Tensor, spec: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(max logit [B], logit map [B, h, w])``: ``scale · <v_ij, a> + bias`` at every location."""
        v, a = self.embed_locations(image), self.embed_audio(spec)
        dots = torch.einsum("bdhw,bd->bhw", v, a)
        logit_map = self.scale * dots + self.bias
        return logit_map.flatten(1).amax(dim=1), logit_map

    def forward(self, image: torch.Tensor, spec: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logit, logit_map = self.logits(image, spec)
        return torch.sigmoid(logit), torch.sigmoid(logit_map)

    def localize(self, image: torch.Tensor, spec: torch.Tensor) -> torch.Tensor:
        """The sigmoid map upsampled (bilinear, half-pixel centres) to the image: ``[B, H, W]`` in [0, 1]."""
        _, prob_map = self(image, spec)
        return F.interpolate(prob_map[:, None], size=image.shape[-2:], mode="bilinear",
                             align_corners=False)[:, 0]


class L3Net(nn.Module):
    """The L³-Net baseline: ``forward(image, spec) -> logits [B, 2]`` (mismatch, match).

    ``features_image`` / ``features_audio`` give the max-pooled 8w-d conv4 features ``[B, 8w]``; they
    live in unrelated spaces (nothing aligns them), so they cannot be compared across modalities.
    """

    def __init__(self, width: int = 64, hidden: int = 128, *, pools: int = 3,
                 audio_pools: int | None = None, first_stride: int = 2,
                 bn_momentum: float = 0.1) -> None:
        super().__init__()
        self.vision, self.audio = _subnets(width, pools, first_stride, bn_momentum, audio_pools)
        c = self.vision.out_channels + self.audio.out_channels
        self.fc1, self.fc2 = nn.Linear(c, hidden), nn.Linear(hidden, 2)

    def features_image(self, image: torch.Tensor) -> torch.Tensor:
        """``image [B, 3, H, W] -> [B, 8w]`` (global max-pool of conv4)."""
        return self.vision(image).amax(dim=(2, 3))

    def features_audio(self, spec: torch.Tensor) -> torch.Tensor:
        """``spec [B, 1, F, T] -> [B, 8w]`` (global max-pool of conv4)."""
        return self.audio(spec).amax(dim=(2, 3))

    def forward(self, image: torch.Tensor, spec: torch.Tensor) -> torch.Tensor:
        x = torch.cat([self.features_image(image), self.features_audio(spec)], dim=1)
        return self.fc2(F.relu(self.fc1(x)))


def avc_loss(logits: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of AVE-Net / L³-Net: ``logits [B, 2]`` (mismatch, match), ``label [B]`` (1 = match)."""
    return F.cross_entropy(logits, label.long())


def avol_loss(output: torch.Tensor, label: torch.Tensor, *, from_logits: bool = False) -> torch.Tensor:
    """AVOL-Net's BCE on the max-pooled map: ``output [B]`` the probability (``forward``'s first result)
    or, with ``from_logits``, the max logit (:meth:`AVOLNet.logits`, numerically stable); ``label [B]``."""
    target = label.to(output.dtype)
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target)
    return F.binary_cross_entropy(output, target)


def avc_predict(output: torch.Tensor) -> torch.Tensor:
    """Predicted correspondence ``[B]`` bool from logits ``[B, 2]`` (argmax) or probabilities ``[B]`` (> 0.5)."""
    if output.dim() == 2:
        return output.argmax(dim=1) == MATCH
    return output > 0.5
