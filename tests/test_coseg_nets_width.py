"""avscene.coseg.nets, the narrower image net and the per-location visual activation: ``resnet18_backbone(64)``
is torchvision's ResNet-18 features, ``ImageNet(width=)`` keeps the topology at other widths (no weights to
download), and ``ImageNet.vectors(per_location=)`` applies the activation before or after the max."""
from __future__ import annotations

import pytest
import torch
import torchvision
from avscene.coseg import nets
from avscene.coseg.nets import AudioUNet, ImageNet, SoundOfPixels, Synthesizer, resnet18_backbone
from torch import nn

K = 5

pytestmark = pytest.mark.usefixtures("one_thread")


def _softmax(x: torch.Tensor) -> torch.Tensor:
    return torch.softmax(x / 0.5, dim=1)


# ---------------------------------------------------------------- resnet18_backbone
def test_backbone_at_64_is_torchvisions_resnet18_features() -> None:
    torch.manual_seed(0)
    ours = resnet18_backbone(64).eval()
    theirs = nn.Sequential(*list(torchvision.models.resnet18(weights=None).children())[:-2]).eval()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (name, a), b in zip(ours.state_dict().items(), theirs.state_dict().values(), strict=True):
        assert a.shape == b.shape, name
    theirs.load_state_dict(ours.state_dict(), strict=True)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        out = ours(x)
        assert out.shape == (2, 512, 2, 2)
        torch.testing.assert_close(out, theirs(x), atol=0, rtol=0)


def test_backbone_widths_and_initialisation() -> None:
    net = resnet18_backbone(4)
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    assert convs[0].out_channels == 4 and convs[-1].out_channels == 32  # stages 4, 8, 16, 32
    assert [net[i][-1].conv2.out_channels for i in range(4, 8)] == [4, 8, 16, 32]
    bns = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    assert all(torch.equal(b.weight, torch.ones_like(b.weight)) and not b.bias.any() for b in bns)
    with torch.no_grad():
        assert net.eval()(torch.randn(1, 3, 64, 64)).shape == (1, 32, 2, 2)
    with pytest.raises(ValueError, match="width"):
        resnet18_backbone(0)


# ---------------------------------------------------------------- ImageNet(width=)
def test_narrow_image_net_shapes_and_fc() -> None:
    net = ImageNet(K, width=8).eval()
    assert net.width == 8 and net.stride == 16
    assert (net.fc.in_channels, net.fc.out_channels, net.fc.kernel_size) == (64, K, (3, 3))
    frames = torch.randn(2, 3, 3, 64, 64)  # [B, T, 3, H, W]
    with torch.no_grad():
        assert net.pixel_maps(frames).shape == (2, K, 4, 4)
        assert net(frames).shape == (2, K)
        assert ImageNet(K, width=8, dilate=False).eval().pixel_maps(frames).shape == (2, K, 2, 2)
    # layer4 dilated as torchvision's: its strided conv at stride 1, the rest dilation 2
    layer4 = [(n, c.stride, c.dilation) for n, c in net.backbone[-1].named_modules() if isinstance(c, nn.Conv2d)]
    assert layer4 == [("0.conv1", (1, 1), (1, 1)), ("0.conv2", (1, 1), (2, 2)), ("0.downsample.0", (1, 1), (1, 1)),
                      ("1.conv1", (1, 1), (2, 2)), ("1.conv2", (1, 1), (2, 2))]
    # far smaller than ResNet-18
    assert nets.count_parameters(net.backbone) < nets.count_parameters(ImageNet(K).backbone) / 50


def test_pretrained_narrow_image_net_is_refused_without_a_download(monkeypatch) -> None:
    def no_download(*args, **kwargs):
        raise AssertionError("torchvision's resnet18 must not be built")

    monkeypatch.setattr(nets, "resnet18", no_download)
    with pytest.raises(ValueError, match="64"):
        ImageNet(K, width=8, pretrained=True)
    ImageNet(K, width=8)  # narrower nets never touch torchvision's constructor


# ---------------------------------------------------------------- vectors(per_location=)
def _net_and_frames() -> tuple[ImageNet, torch.Tensor]:
    torch.manual_seed(0)
    net = ImageNet(K, width=4).eval()
    with torch.no_grad():
        net.fc.bias.copy_(torch.randn(K))  # channels that differ by more than noise
    return net, torch.randn(2, 3, 3, 48, 48)


def test_vectors_pooled_first_is_the_activation_of_the_logits() -> None:
    net, frames = _net_and_frames()
    with torch.no_grad():
        for act in (torch.sigmoid, _softmax):
            torch.testing.assert_close(net.vectors(frames, act), act(net(frames)))
            torch.testing.assert_close(net.vectors(frames, act, per_location=False), act(net(frames)))


def test_vectors_per_location_softmax_by_hand() -> None:
    net, frames = _net_and_frames()
    with torch.no_grad():
        got = net.vectors(frames, _softmax, per_location=True)
        b, t = frames.shape[:2]
        want = torch.empty(b, K)
        for i in range(b):
            per = []
            for j in range(t):
                maps = net.features(frames[i, j][None])[0]  # [K, h, w]
                per.append(torch.softmax(maps / 0.5, dim=0))  # over the channels at each location
            want[i] = torch.stack(per).amax(dim=(0, 2, 3))  # max over frames and locations
        pooled_first = net.vectors(frames, _softmax)
    torch.testing.assert_close(got, want)
    assert got.shape == (b, K) and not torch.allclose(got, pooled_first)


def test_per_location_softmax_differs_from_pooled_first_on_a_constructed_map(monkeypatch) -> None:
    net = ImageNet(2, width=4)
    # one frame, two locations: channel 0 wins at the first, channel 1 at the second
    maps = torch.tensor([[2.0, 0.0], [0.0, 2.0]]).view(1, 1, 2, 1, 2)  # [B, T, K, h, w]
    monkeypatch.setattr(net, "_frame_maps", lambda frames: maps)
    frames = torch.zeros(1, 1, 3, 16, 16)

    def softmax(x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(x, dim=1)

    # pooled first: max logits (2, 2) -> softmax (1/2, 1/2); per location: max of (0.881, 0.119) and (0.119, 0.881)
    torch.testing.assert_close(net.vectors(frames, softmax), torch.tensor([[0.5, 0.5]]))
    s = float(torch.sigmoid(torch.tensor(2.0)))  # softmax((2, 0))[0] = sigmoid(2)
    torch.testing.assert_close(net.vectors(frames, softmax, per_location=True), torch.tensor([[s, s]]))
    # the sigmoid is elementwise and monotone: both orders agree
    torch.testing.assert_close(net.vectors(frames, torch.sigmoid, per_location=True),
                               net.vectors(frames, torch.sigmoid))


def test_sigmoid_orders_agree_on_a_real_net() -> None:
    net, frames = _net_and_frames()
    with torch.no_grad():
        torch.testing.assert_close(net.vectors(frames, torch.sigmoid, per_location=True),
                                   net.vectors(frames, torch.sigmoid))


def test_sound_of_pixels_forward_per_location() -> None:
    torch.manual_seed(0)
    model = SoundOfPixels(AudioUNet(3, 4, K), ImageNet(K, width=4), Synthesizer(K)).eval()
    log_mix = torch.randn(2, 1, 16, 16)
    frames = torch.randn(2, 2, 2, 3, 32, 32)  # B=2, N=2 sources, T=2
    with torch.no_grad():
        got = model(log_mix, frames, _softmax, per_location=True)
        sound = model.audio(log_mix)
        want = torch.stack([model.synth(model.image.vectors(frames[:, n], _softmax, per_location=True), sound)
                            for n in range(2)], dim=1)
        pooled = model(log_mix, frames, _softmax)
        sig = model(log_mix, frames), model(log_mix, frames, torch.sigmoid, per_location=True)
    assert got.shape == (2, 2, 16, 16)
    torch.testing.assert_close(got, want)
    assert not torch.allclose(got, pooled)
    torch.testing.assert_close(*sig)
