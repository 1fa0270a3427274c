"""avscene.coseg.nets: the Sound of Pixels networks (reference notes §3.2).

Small sizes throughout, plus the official unet7 built (not run) for its channel plan and
parameter count, and one 224-px image-net forward per output stride. No downloads.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from avscene.coseg.nets import (
    AudioUNet,
    ImageNet,
    SoundOfPixels,
    Synthesizer,
    UNetBlock,
    count_parameters,
    init_official,
    unet_widths,
)
from torch import nn

LEVELS, NGF, K = 5, 4, 6  # small: 32 × 32 spectrograms
SPEC = 32


pytestmark = pytest.mark.usefixtures("one_thread")  # tiny convolutions run far slower when threads contend


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def _convs(module: nn.Module) -> list[nn.Conv2d]:
    return [m for m in module.modules() if isinstance(m, nn.Conv2d)]


def test_unet_shapes_and_encoder_resolutions() -> None:
    net = AudioUNet(LEVELS, NGF, K)
    x = torch.randn(2, 1, SPEC, 2 * SPEC)
    assert net(x).shape == (2, K, SPEC, 2 * SPEC)
    feats = net.encoder_features(x)
    assert len(feats) == LEVELS
    widths = unet_widths(LEVELS, NGF)
    assert widths == net.widths == [4, 8, 16, 32, 32]
    for i, f in enumerate(feats):  # depth i: resolution 2^-(i+1) of the input
        assert f.shape == (2, widths[i], SPEC // 2 ** (i + 1), 2 * SPEC // 2 ** (i + 1))


BAD_SHAPES = [(1, 1, 48, 32), (1, 1, 32, 40), (1, 2, 32, 32), (1, 32, 32)]


@pytest.mark.parametrize("shape", BAD_SHAPES)
def test_unet_rejects_bad_sizes(shape: tuple[int, ...]) -> None:
    net = AudioUNet(LEVELS, NGF, K)
    with pytest.raises(ValueError, match=r"F=48|T=40|\[B, 1, F, T\]"):
        net(torch.randn(*shape))
    with pytest.raises(ValueError):
        AudioUNet(1, NGF, K)


def test_unet_matches_official_inplace_forward() -> None:
    """The official forward equals the module's.

    Officially ``cat([x, model(x)])`` runs after an *in-place* LeakyReLU rewrote ``x``
    (the skips carry LeakyReLU(x)); the module concatenates the raw ``x``. The parent's
    ReLU cancels the difference. The reference walks the layers the official way.
    """

    def official(block: UNetBlock, x: torch.Tensor) -> torch.Tensor:
        h = x
        for layer in block.model:
            if isinstance(layer, UNetBlock):
                h = official(layer, h)
            elif isinstance(layer, nn.LeakyReLU):
                h = F.leaky_relu_(h, 0.2)  # in place: rewrites x if first
            else:
                h = layer(h)
        return h if block.outermost else torch.cat([x, h], dim=1)

    net = AudioUNet(LEVELS, NGF, K).eval()
    x = torch.randn(2, 1, SPEC, SPEC)
    with torch.no_grad():
        ours = net(x)
        ref = official(net.unet_block, net.bn0(x.clone()))
        inner = net.unet_block.model[1]  # depth 1: its skip differs before the ReLU
        h = torch.randn(2, NGF, SPEC // 2, SPEC // 2)
        skip_official = official(inner, h.clone())[:, :NGF]
    torch.testing.assert_close(ours, ref)
    torch.testing.assert_close(skip_official, F.leaky_relu(h, 0.2))
    assert torch.equal(inner(h)[:, :NGF], h)


def test_unet_block_structure() -> None:
    """The official block layouts.

    Down: outermost conv only; inner LeakyReLU -> conv -> BN; innermost LeakyReLU ->
    conv (no BN). Up: ReLU -> bilinear ×2 (align_corners) -> 3×3 conv -> BN; the
    outermost without BN, its conv with a bias.
    """
    net = AudioUNet(LEVELS, NGF, K)
    blocks, b = [], net.unet_block
    while True:
        blocks.append(b)
        subs = [m for m in b.model if isinstance(m, UNetBlock)]
        if not subs:
            break
        b = subs[0]
    assert len(blocks) == LEVELS and blocks[-1].innermost and blocks[0].outermost

    def kinds(block: UNetBlock) -> list[str]:
        return [type(m).__name__ for m in block.model]

    up = ["ReLU", "Upsample", "Conv2d"]
    assert kinds(blocks[0]) == ["Conv2d", "UNetBlock", *up]
    for block in blocks[1:-1]:
        down = ["LeakyReLU", "Conv2d", "BatchNorm2d"]
        assert kinds(block) == [*down, "UNetBlock", *up, "BatchNorm2d"]
    assert kinds(blocks[-1]) == ["LeakyReLU", "Conv2d", *up, "BatchNorm2d"]
    for block in blocks:
        down = block.model[0] if block.outermost else block.model[1]
        assert (down.kernel_size, down.stride, down.padding) == ((4, 4), (2, 2), (1, 1))
        assert down.bias is None
        ups = [m for m in block.model if isinstance(m, nn.Upsample)][0]
        assert (ups.scale_factor, ups.mode) == (2.0, "bilinear") and ups.align_corners
        upconv = [m for m in block.model if isinstance(m, nn.Conv2d)][-1]
        assert (upconv.kernel_size, upconv.padding) == ((3, 3), (1, 1))
        assert (upconv.bias is not None) == block.outermost
        leaky = [m for m in block.model if isinstance(m, nn.LeakyReLU)]
        assert all(m.negative_slope == 0.2 for m in leaky)
    assert isinstance(net.bn0, nn.BatchNorm2d) and net.bn0.num_features == 1


def test_official_unet7_channel_plan_and_parameters() -> None:
    """unet7, ngf 64, K 32 (built, not run): convs in module order, down then up."""
    net = AudioUNet(7, 64, 32)
    plan = [(c.in_channels, c.out_channels) for c in _convs(net)]
    down = [(1, 64), (64, 128), (128, 256), (256, 512)] + [(512, 512)] * 3
    # up, innermost first: the innermost takes its own 512, the others their child's
    # concat (2 × width)
    up = [(512, 512), (1024, 512), (1024, 512), (1024, 256), (512, 128), (256, 64)]
    up.append((128, 32))
    assert plan == down + up
    # the count from the layer list: conv weights (4×4 down, 3×3 up), the outermost up
    # conv's bias (K), BN γ and β: bn0, the down BNs of the five middle levels, the up
    # BNs of all but the outermost
    expected = sum(i * o * 16 for i, o in down) + sum(i * o * 9 for i, o in up) + 32
    expected += 2 * (1 + sum(o for _, o in down[1:-1]) + sum(o for _, o in up[:-1]))
    assert count_parameters(net) == expected == 30_274_210  # recorded: 30.3 M


def test_image_net_strides_and_dilations() -> None:
    """224 -> 14 (dilated: output stride 16) or 7 (plain); layer4's convs as set."""
    x = torch.randn(1, 3, 224, 224)
    for dilate, side in ((True, 14), (False, 7)):
        net = ImageNet(K, dilate=dilate).eval()
        with torch.no_grad():
            assert net.features(x).shape == (1, K, side, side)
        assert net.stride == 224 // side
    net = ImageNet(K)
    layer4 = net.backbone[-1]
    got = [
        (name, c.kernel_size, c.stride, c.dilation, c.padding)
        for name, c in layer4.named_modules()
        if isinstance(c, nn.Conv2d)
    ]
    assert got == [
        ("0.conv1", (3, 3), (1, 1), (1, 1), (1, 1)),  # was strided: dilation 1
        ("0.conv2", (3, 3), (1, 1), (2, 2), (2, 2)),
        ("0.downsample.0", (1, 1), (1, 1), (1, 1), (0, 0)),
        ("1.conv1", (3, 3), (1, 1), (2, 2), (2, 2)),
        ("1.conv2", (3, 3), (1, 1), (2, 2), (2, 2)),
    ]
    # layer1-4 end the backbone: no avgpool, no fc
    assert [type(m).__name__ for m in net.backbone][-4:] == ["Sequential"] * 4
    fc = net.fc
    assert (fc.in_channels, fc.out_channels) == (512, K)
    assert (fc.kernel_size, fc.padding) == ((3, 3), (1, 1))
    assert fc.bias is not None
    # ResNet-18 without its fc (11,176,512) + the 3×3 conv 512 -> 32 with bias
    backbone = count_parameters(net.backbone)
    assert backbone == 11_176_512
    assert count_parameters(ImageNet(32)) == backbone + 512 * 32 * 9 + 32 == 11_324_000


def test_image_net_pooling() -> None:
    net = ImageNet(K).eval()
    frames = torch.randn(2, 3, 3, 64, 64)  # [B, T, 3, H, W]
    with torch.no_grad():
        logits, maps = net(frames), net.pixel_maps(frames)
        per_frame = [net.features(frames[:, t]) for t in range(3)]
        per_frame = torch.stack(per_frame, dim=1)  # [B, T, K, 4, 4]
    assert logits.shape == (2, K) and maps.shape == (2, K, 4, 4)
    torch.testing.assert_close(maps, per_frame.amax(dim=1))
    torch.testing.assert_close(logits, per_frame.amax(dim=(1, 3, 4)))
    with pytest.raises(ValueError, match="T, 3, H, W"):
        net(torch.randn(2, 3, 64, 64))


def test_synthesizer_by_hand_and_pixelwise() -> None:
    synth = Synthesizer(2)
    assert torch.equal(synth.scale.data, torch.ones(2))
    assert torch.equal(synth.bias.data, torch.zeros(1))
    with torch.no_grad():
        synth.scale.copy_(torch.tensor([2.0, -0.5]))
        synth.bias.fill_(0.25)
    v = torch.tensor([[0.5, 4.0]])
    s = torch.tensor([[[[1.0, 2.0]], [[3.0, -1.0]]]])  # [1, 2, F=1, T=2]
    # bin 0: 2·0.5·1 + (-0.5)·4·3 + 0.25 = -4.75
    # bin 1: 2·0.5·2 + (-0.5)·4·(-1) + 0.25 = 4.25
    torch.testing.assert_close(synth(v, s), torch.tensor([[[-4.75, 4.25]]]))

    synth = Synthesizer(K)
    with torch.no_grad():
        synth.scale.copy_(torch.randn(K))
        synth.bias.fill_(-0.3)
    maps, audio = torch.randn(2, K, 3, 4), torch.randn(2, K, 8, 16)
    z = synth.pixelwise(maps, audio)
    assert z.shape == (2, 3, 4, 8, 16)
    for i, j in ((0, 0), (2, 3), (1, 2)):
        torch.testing.assert_close(z[:, i, j], synth(maps[:, :, i, j], audio))
    with pytest.raises(ValueError):
        synth(torch.randn(2, K + 1), audio)


def test_init_official_statistics() -> None:
    conv, bn, lin = nn.Conv2d(256, 256, 3), nn.BatchNorm2d(4096), nn.Linear(99, 512)
    init_official(nn.Sequential(conv, bn, lin))
    assert abs(conv.weight.std().item() - 1e-3) < 5e-5
    assert abs(conv.weight.mean().item()) < 5e-5
    assert abs(bn.weight.mean().item() - 1.0) < 2e-3
    assert abs(bn.weight.std().item() - 0.02) < 2e-3
    assert torch.count_nonzero(bn.bias) == 0
    assert abs(lin.weight.std().item() - 1e-4) < 5e-6
    # PyTorch defaults at construction: init_official is explicit
    net = AudioUNet(LEVELS, NGF, K)
    assert _convs(net)[3].weight.std().item() > 0.01
    init_official(net)
    assert all(c.weight.std().item() < 2e-3 for c in _convs(net))


def test_sound_of_pixels_forward() -> None:
    model = SoundOfPixels(AudioUNet(LEVELS, NGF, K), ImageNet(K), Synthesizer(K)).eval()
    log_mix = torch.randn(2, 1, SPEC, SPEC)
    frames = torch.randn(2, 2, 1, 3, 32, 32)  # B=2, N=2 sources, T=1

    def softmax(v: torch.Tensor) -> torch.Tensor:
        return torch.softmax(v / 0.5, dim=1)

    with torch.no_grad():
        z = model(log_mix, frames)
        soft = model(log_mix, frames, visual_activation=softmax)
        sound = model.audio(log_mix)
        visual = [torch.sigmoid(model.image(frames[:, n])) for n in range(2)]
        ref = torch.stack([model.synth(v, sound) for v in visual], dim=1)
    assert z.shape == soft.shape == (2, 2, SPEC, SPEC)
    torch.testing.assert_close(z, ref)
    assert not torch.allclose(z, soft)
    with pytest.raises(ValueError, match="K differs"):
        SoundOfPixels(AudioUNet(LEVELS, NGF, K), ImageNet(K + 1), Synthesizer(K))
