"""avscene.coseg.scores and the new parts of avscene.coseg.evaluate on a smoke held-out set: the references and
crops, the ideal binary mask far above the mixture, a mixture-as-estimate method scoring the mixture's SDR, the
network without frames, NMF's per-class bases, and ``bss``'s precomputed ``sdr_mix`` and ``kept``."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from avscene import config
from avscene.coseg import evaluate, scores
from avscene.coseg import runs as R
from avscene.coseg.data import MixSeparateDataset
from avscene.coseg.masks import apply_masks
from avscene.coseg.spectrogram import unwarp

SMOKE = config.get("smoke")
C = SMOKE.coseg
N = 4

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def held() -> scores.HeldOut:
    return scores.held_out_set(R.held_out(SMOKE, n=N), R.task(SMOKE, "sop"), batch_size=3)  # batches of 3 and 1


@pytest.fixture(scope="module")
def ibm(held) -> np.ndarray:
    return scores.estimates(held, scores.ibm_method())


@pytest.fixture(scope="module")
def scored(held) -> dict[str, evaluate.BssScores]:
    """The ideal binary mask and the mixture as every estimate, scored once (``mir_eval`` is slow)."""
    return scores.scores(held, {"ibm": scores.ibm_method(), "mix": _mixture_method})


def _mixture_method(batch, spec):
    return spec["mag_mix"].expand(-1, batch["sources"].shape[1], -1, -1)


def test_held_out_set_references_crops_and_labels(held) -> None:
    ds = R.held_out(SMOKE, n=N)
    t = 1 + C.samples // C.hop
    length = (t - 1) * C.hop
    assert len(held) == N and held.length == length and (held.n_fft, held.hop) == (C.n_fft, C.hop)
    assert [len(b["mixture"]) for b, _ in held.batches] == [3, 1]
    assert held.references.shape == (N, C.n_mix, length) and held.references.dtype == np.float32
    assert held.mixtures.shape == (N, length)
    for i in range(N):
        item = ds[i]
        np.testing.assert_array_equal(held.references[i], item["sources"].numpy()[:, :length] / C.n_mix)
        np.testing.assert_array_equal(held.mixtures[i], item["mixture"].numpy()[:length])
        np.testing.assert_array_equal(held.classes[i], item["classes"].numpy())
        assert held.same_class[i] == bool(item["same_class"])
    # the mixture is the sum of the references (each source's share)
    np.testing.assert_allclose(held.references.sum(axis=1), held.mixtures, atol=1e-6)
    np.testing.assert_allclose(held.sdr_mix[:1], evaluate.mixture_sdr(held.references[:1], held.mixtures[:1]))
    for batch, spec in held.batches:
        assert spec["mag_mix"].shape[-2:] == (C.n_fft // 2 + 1, t) and spec["log_mix"].shape[-2] == C.rows


def test_ideal_binary_mask_is_far_above_the_mixture(held, ibm, scored) -> None:
    assert ibm.shape == held.references.shape and np.abs(ibm).max() <= 1
    s = scored["ibm"]
    assert s.skipped == 0 and s.kept.all()
    assert s.sdr.min() > 10 and s.nsdr.mean() > 10
    np.testing.assert_allclose(s.sdr_mix, held.sdr_mix)
    np.testing.assert_allclose(s.nsdr, s.sdr - held.sdr_mix)


def test_the_mixture_as_every_estimate_scores_the_mixtures_sdr(held, scored) -> None:
    ests = scores.estimates(held, _mixture_method)
    # the mixture's magnitude and phase: the mixture itself, up to the STFT round trip
    for n in range(C.n_mix):
        np.testing.assert_allclose(ests[:, n], held.mixtures, atol=1e-4)
    s = scored["mix"]
    np.testing.assert_allclose(s.sdr, held.sdr_mix, atol=0.5)
    assert np.abs(s.nsdr).max() < 0.5
    assert list(scored) == ["ibm", "mix"] and scored["ibm"].mean()["sdr"] > s.mean()["sdr"] + 5


def test_no_frames_method_uses_the_channel_of_each_class(held) -> None:
    torch.manual_seed(0)
    model = R.build(SMOKE).eval()
    with torch.no_grad():
        model.synth.scale.copy_(torch.linspace(-3.0, 3.0, C.channels))
        model.synth.bias.zero_()  # the sign of each channel decides the binary mask
    table = (np.arange(6) * 3) % C.channels  # class -> channel
    task = R.task(SMOKE, "sop")
    method = scores.no_frames_method(model, task, table)
    batch, spec = held.batches[0]
    with torch.no_grad():
        mags = method(batch, spec)
        b = len(batch["mixture"])
        assert mags.shape == (b, C.n_mix, C.n_fft // 2 + 1, 1 + C.samples // C.hop)
        sound = model.audio(spec["log_mix"])  # [B, K, rows, T]
        for i in range(b):
            for n in range(C.n_mix):
                k = table[int(batch["classes"][i, n])]
                mask = torch.sigmoid(model.synth.scale[k] * sound[i, k] + model.synth.bias)  # [rows, T]
                linear = unwarp(mask[None, None], spec["mag_mix"].shape[-2])[0, 0]
                want = apply_masks(linear[None, None], spec["mag_mix"][i:i + 1, 0], binary=True)[0, 0]
                torch.testing.assert_close(mags[i, n], want)
    # another table gives other estimates
    other = scores.no_frames_method(model, task, (table + 1) % C.channels)(batch, spec)
    assert not torch.equal(other, mags)
    assert float(mags.min()) >= 0 and bool((mags <= spec["mag_mix"]).all())


def test_model_method_follows_the_network(held) -> None:
    torch.manual_seed(0)
    model = R.build(SMOKE)
    with torch.no_grad():
        model.synth.scale.zero_()
        model.synth.bias.fill_(5.0)  # every mask ~1: every estimate is the mixture
    ests = scores.estimates(held, scores.model_method(model, R.task(SMOKE, "sop")))
    for n in range(C.n_mix):
        np.testing.assert_allclose(ests[:, n], held.mixtures, atol=1e-4)
    with torch.no_grad():
        model.synth.bias.fill_(-5.0)  # every mask ~0: silence, skipped
    s = scores.score(held, scores.estimates(held, scores.model_method(model, R.task(SMOKE, "sop"))))
    assert s.skipped == N and not s.kept.any() and np.isnan(s.mean()["sdr"])


# a class whose only clips are silent at smoke: sklearn's stopping test divides by a zero initial error
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_nmf_bases_per_class() -> None:
    d = R.synthetic_data(SMOKE)
    solo = MixSeparateDataset(d.train, 1, n_mix=1, frames=C.frames, frame_spacing=C.frame_spacing,
                              samples=C.samples, train=False, seed=0)
    classes = np.asarray(d.train.classes)
    n_classes = int(classes.max()) + 1
    bases = scores.nmf_bases(solo, classes, n_classes, n_fft=C.n_fft, hop=C.hop, components=2, clips=2)
    assert len(bases) == n_classes
    for c, w in enumerate(bases):
        assert w.shape == (C.n_fft // 2 + 1, 2) and (w >= 0).all()
        sums = w.sum(axis=0)
        # unit-L1 columns; a component that died stays all zero (e.g. a class whose only clips are silent)
        assert np.all(np.isclose(sums, 1.0) | (np.abs(w).max(axis=0) == 0)), (c, sums)
        heard = [v for v in np.flatnonzero(classes == c)[:2] if np.abs(solo.middle(int(v))[1]).max() > 0]
        if heard:
            np.testing.assert_allclose(sums.max(), 1.0)
    with pytest.raises(ValueError, match=f"class {n_classes} "):
        scores.nmf_bases(solo, classes, n_classes + 1, n_fft=C.n_fft, hop=C.hop, components=2, clips=2)


def test_nmf_method_shapes(held) -> None:
    f = C.n_fft // 2 + 1
    rng = np.random.default_rng(0)
    bases = [rng.uniform(size=(f, 2)) for _ in range(6)]
    bases = [w / w.sum(axis=0) for w in bases]
    batch, spec = held.batches[1]
    mags = scores.nmf_method(bases)(batch, spec)
    assert mags.shape == (1, C.n_mix, f, spec["mag_mix"].shape[-1]) and mags.dtype == torch.float32
    # Wiener-style masks: the estimates add up to the mixture magnitude
    torch.testing.assert_close(mags.sum(dim=1), spec["mag_mix"][:, 0].float(), atol=1e-4, rtol=1e-3)


# ---------------------------------------------------------------- evaluate.bss(sdr_mix=), kept
def test_bss_with_a_precomputed_sdr_mix(held, ibm, scored) -> None:
    plain = evaluate.bss(held.references[:2], ibm[:2], held.mixtures[:2])  # two mixtures: mir_eval is slow
    given = scored["ibm"]  # scores.score passes the held-out set's sdr_mix
    for f in ("sdr", "sir", "sar", "sdr_mix", "nsdr", "kept"):
        np.testing.assert_allclose(getattr(given, f)[:2], getattr(plain, f), rtol=1e-12, atol=1e-12)
    assert given.skipped == plain.skipped == 0
    with pytest.raises(ValueError, match="sdr_mix"):
        evaluate.bss(held.references, ibm, held.mixtures, sdr_mix=held.sdr_mix[:-1])


def test_kept_marks_a_mixture_with_a_silent_reference(held, ibm, scored) -> None:
    refs = held.references.copy()
    refs[1, 0] = 0.0
    sdr_mix = held.sdr_mix.copy()
    sdr_mix[1:2] = evaluate.mixture_sdr(refs[1:2], held.mixtures[1:2])
    assert np.isnan(sdr_mix[1])  # NaN where a reference is all zeros
    s = scores.score(dataclasses.replace(held, references=refs, sdr_mix=sdr_mix), ibm)
    assert s.skipped == 1 and s.kept.tolist() == [True, False, True, True]
    assert len(s.sdr) == len(s.nsdr) == len(s.sdr_mix) == N - 1 and np.isfinite(s.nsdr).all()
    np.testing.assert_allclose(s.sdr, scored["ibm"].sdr[s.kept])
    np.testing.assert_allclose(s.sdr_mix, held.sdr_mix[s.kept])
    # the same without a precomputed sdr_mix (two mixtures: the silent one skipped)
    again = evaluate.bss(refs[:2], ibm[:2], held.mixtures[:2])
    assert again.kept.tolist() == [True, False] and again.skipped == 1
    np.testing.assert_allclose(again.nsdr, s.nsdr[:1])
