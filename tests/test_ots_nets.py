"""avscene.ots.nets and .spectrogram: the Objects-that-Sound networks' shapes, wiring, losses and audio input
(reference notes §2.1-§2.4), at small widths except one paper-size forward."""
from __future__ import annotations

import math

import pytest
import torch
from avscene.ots import nets
from avscene.ots import spectrogram as S
from avscene.ots.nets import AVENet, AVOLNet, L3Net, Subnet, map_shape

W = 8  # a small width: the spatial shapes do not depend on it


pytestmark = pytest.mark.usefixtures("one_thread")  # tiny convolutions run far slower when threads contend


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def test_paper_map_shapes() -> None:
    """Notes §2.2's table: 224×224 -> 14×14, 257×200 (and 199) -> 16×12, channels 8w; block by block."""
    assert map_shape(224, 224) == (14, 14)
    assert map_shape(257, 200) == map_shape(257, 199) == (16, 12)
    vision, audio = Subnet(3, W).eval(), Subnet(1, W).eval()
    with torch.no_grad():
        v = vision(torch.randn(1, 3, 224, 224))
        a = audio(torch.randn(1, 1, 257, 200))
        # intermediate sizes of the table: after each pool 56, 28, 14 (vision) and 64x50, 32x25, 16x12 (audio)
        x, y, sizes = torch.randn(1, 3, 224, 224), torch.randn(1, 1, 257, 200), []
        for layer_v, layer_a in zip(vision.layers, audio.layers):
            x, y = layer_v(x), layer_a(y)
            if isinstance(layer_v, torch.nn.MaxPool2d):
                sizes.append((tuple(x.shape[1:]), tuple(y.shape[1:])))
    assert v.shape == (1, 8 * W, 14, 14) and a.shape == (1, 8 * W, 16, 12)
    assert sizes == [((W, 56, 56), (W, 64, 50)), ((2 * W, 28, 28), (2 * W, 32, 25)),
                     ((4 * W, 14, 14), (4 * W, 16, 12))]
    assert vision.map_shape(32, 32) == (2, 2) and Subnet(3, W, pools=1).map_shape(32, 32) == (8, 8)


def test_paper_width_parameters_and_forward() -> None:
    """At width 64 the subnetwork has the VGG-like count (bias-free convs + BN γ, β), and AVE-Net runs."""
    convs = [(3, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 512), (512, 512)]
    expected = sum(9 * i * o + 2 * o for i, o in convs)
    assert nets.count_parameters(Subnet(3, 64)) == expected
    net = AVENet(width=64).eval()
    head = 512 * 128 + 128 + 128 * 128 + 128
    assert nets.count_parameters(net) == expected + (expected - 9 * 3 * 64 + 9 * 64) + 2 * head + 4
    with torch.no_grad():
        logits = net(torch.randn(1, 3, 224, 224), torch.randn(1, 1, 257, 200))
    assert logits.shape == (1, 2) and torch.isfinite(logits).all()


def test_ave_net_embeddings_and_distance_decision() -> None:
    net = AVENet(width=W, dim=16, hidden=32).eval()
    image, spec = torch.randn(3, 3, 32, 32), torch.randn(3, 1, 33, 199)
    with torch.no_grad():
        v, a = net.embed_image(image), net.embed_audio(spec)
        logits = net(image, spec)
    assert v.shape == a.shape == (3, 16)
    torch.testing.assert_close(v.norm(dim=1), torch.ones(3))
    torch.testing.assert_close(a.norm(dim=1), torch.ones(3))
    torch.testing.assert_close(logits, net.logits_from_embeddings(v, a))
    # only the distance reaches the decision, and at initialisation a larger distance favours "mismatch"
    d = torch.linspace(0, 2, 9)[:, None]
    margin = net.fusion(d)[:, nets.MATCH] - net.fusion(d)[:, nets.MISMATCH]
    assert (margin.diff() < 0).all() and margin[0] > 0 > margin[-1]
    same = net.logits_from_embeddings(v, v)
    assert (same.argmax(1) == nets.MATCH).all()
    assert (net.logits_from_embeddings(v, -v).argmax(1) == nets.MISMATCH).all()
    # a finite gradient at zero distance
    e = v.clone().requires_grad_(True)
    net.logits_from_embeddings(e, v.detach()).sum().backward()
    assert torch.isfinite(e.grad).all()


def test_avol_net_map_mil_and_localize() -> None:
    net = AVOLNet(width=W, dim=16, hidden=32).eval()
    image, spec = torch.randn(2, 3, 64, 48), torch.randn(2, 1, 65, 199)
    with torch.no_grad():
        prob, prob_map = net(image, spec)
        logit, _ = net.logits(image, spec)
        heat = net.localize(image, spec)
        v, a = net.embed_locations(image), net.embed_audio(spec)
    assert prob.shape == (2,) and prob_map.shape == (2, 4, 3) and v.shape == (2, 16, 4, 3) and a.shape == (2, 16)
    assert ((prob_map >= 0) & (prob_map <= 1)).all()
    torch.testing.assert_close(prob, prob_map.flatten(1).amax(1))  # MIL: the spatial max
    torch.testing.assert_close(prob, torch.sigmoid(logit))
    # the map is the scaled, shifted dot product of each location's embedding with the audio embedding
    with torch.no_grad():
        net.scale.fill_(0.5)
        net.bias.fill_(-0.25)
        _, m = net.logits(image, spec)
    torch.testing.assert_close(m, 0.5 * (v * a[:, :, None, None]).sum(1) - 0.25)
    assert heat.shape == (2, 64, 48) and ((heat >= 0) & (heat <= 1)).all()
    assert sum(p.numel() for p in (net.scale, net.bias)) == 2
    normed = AVOLNet(width=W, dim=16, hidden=32, normalize=True).eval()
    with torch.no_grad():
        torch.testing.assert_close(normed.embed_locations(image).norm(dim=1), torch.ones(2, 4, 3))


def test_l3_net_and_losses_backpropagate() -> None:
    net = L3Net(width=W, hidden=32)
    image, spec = torch.randn(4, 3, 32, 32), torch.randn(4, 1, 33, 199)
    label = torch.tensor([1, 0, 1, 0])
    assert net.features_image(image).shape == net.features_audio(spec).shape == (4, 8 * W)
    assert net.fc1.in_features == 16 * W
    logits = net(image, spec)
    assert logits.shape == (4, 2)
    loss = nets.avc_loss(logits, label)
    loss.backward()
    assert net.vision.layers[0].weight.grad is not None and net.audio.layers[0].weight.grad is not None
    avol = AVOLNet(width=W, dim=16, hidden=32)
    prob, _ = avol(image, spec)
    logit, _ = avol.logits(image, spec)
    torch.testing.assert_close(nets.avol_loss(prob, label), nets.avol_loss(logit, label, from_logits=True))
    nets.avol_loss(logit, label, from_logits=True).backward()
    assert avol.scale.grad is not None and avol.bias.grad is not None
    assert nets.avc_predict(torch.tensor([[0.0, 1.0], [1.0, 0.0]])).tolist() == [True, False]
    assert nets.avc_predict(torch.tensor([0.7, 0.2])).tolist() == [True, False]


@pytest.mark.parametrize("sr, sizes, frames", [(48000, (480, 240, 512, 257), 199), (8000, (80, 40, 128, 65), 199),
                                                (4000, (40, 20, 64, 33), 199)])
def test_spectrogram_sizes(sr: int, sizes: tuple[int, int, int, int], frames: int) -> None:
    s = S.spec_sizes(sr)
    assert (s.window, s.hop, s.n_fft, s.bins) == sizes and s.frames(sr) == frames
    spec = S.log_spectrogram(torch.randn(2, sr) * 0.1, sr)
    assert spec.shape == (2, 1, sizes[3], frames) and torch.isfinite(spec).all()
    assert S.log_spectrogram(torch.zeros(sr), sr).shape == (1, sizes[3], frames)
    # silence sits at the floor (log EPS, standardised)
    floor = (math.log(S.EPS) - S.LOG_MEAN) / S.LOG_STD
    torch.testing.assert_close(S.log_spectrogram(torch.zeros(1, sr), sr), torch.full((1, 1, sizes[3], frames), floor))


@pytest.mark.parametrize("sr, k", [(48000, 40), (8000, 17), (4000, 9)])
def test_pure_tone_peaks_at_its_bin(sr: int, k: int) -> None:
    s = S.spec_sizes(sr)
    t = torch.arange(sr, dtype=torch.float64) / sr
    tone = (0.5 * torch.sin(2 * math.pi * s.bin_frequency(k) * t)).float()
    mag = S.magnitude(tone, s)
    assert (mag.argmax(dim=0) == k).all()
    torch.testing.assert_close(mag[k], torch.full_like(mag[k], 0.25), atol=2e-3, rtol=0)  # A / 2
    spec = S.log_spectrogram(tone[None], sr)
    assert (spec[0, 0].argmax(dim=0) == k).all()


def test_spectrogram_frames_are_the_scipy_frames() -> None:
    """Frame t covers samples [t·hop, t·hop + window): an impulse at sample n lights frames whose window holds it."""
    sr = 8000
    s = S.spec_sizes(sr)
    x = torch.zeros(sr)
    n = 1000
    x[n] = 1.0
    energy = S.magnitude(x, s).sum(dim=0)
    hot = torch.nonzero(energy > 1e-6).flatten().tolist()
    expected = [t for t in range(s.frames(sr)) if t * s.hop < n < t * s.hop + s.window]  # Hann is 0 at its start
    assert hot == expected


def test_audio_pools_set_the_audio_subnet_alone() -> None:
    """The cpu profile's choice: a finer image map (one pool) with the paper's three pools on the audio."""
    net = AVOLNet(width=4, dim=8, hidden=8, pools=1, audio_pools=3)
    assert net.vision.pools == 1 and net.audio.pools == 3
    assert net.vision.map_shape(32, 32) == (8, 8) and net.audio.map_shape(65, 199) == map_shape(65, 199, pools=3)
    prob, where = net(torch.zeros(2, 3, 32, 32), torch.zeros(2, 1, 65, 199))
    assert prob.shape == (2,) and where.shape == (2, 8, 8)
    assert AVENet(width=4, dim=8, hidden=8, pools=2).audio.pools == 2  # default: as the image
