"""The synthetic audio-visual world (avscene.synthetic): shapes, timeline, determinism, ground truth."""
import numpy as np
import pytest

from avscene import config
from avscene.synthetic import N_CLASSES, SceneSpec, World, difficulty, objects as O, render as R
from avscene.synthetic.scene import OFFSCREEN

SMOKE = config.get("smoke")
CPU = config.get("cpu")


def _same(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in [(a.frames, b.frames), (a.audio, b.audio), (a.masks, b.masks),
                                                 (a.stems, b.stems)]) and all(
        np.array_equal(x, y) for x, y in zip(a.events, b.events))


@pytest.mark.parametrize("profile", ["smoke", "cpu"])
def test_shapes_and_shared_timeline(profile):
    cfg = config.get(profile)
    m = cfg.media
    for i in range(4):
        c = World(m, seed=0).clip(i)
        k = len(c.object_classes)
        assert c.frames.shape == (m.video_frames, m.frame_size, m.frame_size, 3) and c.frames.dtype == np.uint8
        assert c.audio.shape == (m.channels, m.video_samples) and c.audio.dtype == np.float32
        assert c.masks.shape == (k, m.video_frames, m.frame_size, m.frame_size) and c.masks.dtype == bool
        assert c.stems.shape[1:] == c.audio.shape and c.stems.dtype == np.float32
        assert 1 <= k <= 3 and len(c.sounding) == k and c.sounding.any()
        assert np.abs(c.audio).max() <= 1.0
        assert len(c.events) == k + int((~c.stem_onscreen).sum())
        for ev in c.events:
            assert np.all((ev >= 0) & (ev < m.video_seconds))


def test_gpu_profile_sizes():
    m = config.get("gpu").media
    c = World(m, seed=0, seconds=1.0).clip(0)
    assert c.frames.shape == (int(m.fps), 256, 256, 3) and c.audio.shape == (2, 21000)


def test_deterministic_per_seed_and_index():
    a, b = World(CPU.media, seed=7).clip(3), World(CPU.media, seed=7).clip(3)
    assert _same(a, b)
    assert not np.array_equal(a.audio, World(CPU.media, seed=8).clip(3).audio)
    assert not np.array_equal(a.frames, World(CPU.media, seed=7).clip(4).frames)
    # generating other clips in between does not change a clip
    w = World(CPU.media, seed=7)
    w.clip(0), w.clip(99)
    assert _same(a, w.clip(3))


def test_stems_sum_to_mixture_and_flags_are_consistent():
    w = World(CPU.media, difficulty.get("hard"), seed=1)
    for i in range(6):
        c = w.clip(i)
        assert np.allclose(c.stems.sum(axis=0), c.audio, atol=1e-6, rtol=0)
        on = c.stem_onscreen
        assert np.array_equal(on, c.stem_object >= 0)
        assert np.array_equal(np.sort(c.stem_object[on]), np.flatnonzero(c.sounding))  # one stem per sounder
        assert np.all(c.stem_classes[on] == c.object_classes[c.stem_object[on]])


def test_sounding_events_are_those_of_the_sounding_visible_objects():
    w = World(SMOKE.media, "default", seed=3)
    clip = w.clip(0, SceneSpec(((0, True), (1, False), (3, True)), offscreen=(4,)))
    ev = clip.sounding_events
    expected = np.sort(np.concatenate([clip.events[0], clip.events[2]]))
    np.testing.assert_array_equal(ev, expected)
    assert len(ev) > 0 and not np.isin(clip.events[1], ev).any() and not np.isin(clip.events[3], ev).any()
    silent = w.clip(1, SceneSpec(((0, False),), offscreen=(1,)))
    assert silent.sounding_events.shape == (0,)


def test_masks_cover_exactly_the_rendered_objects():
    side, t = 64, 40
    rng = np.random.default_rng(0)
    tracks = []
    for k, cls in enumerate((0, 2, 5)):
        ctx = O.Ctx(fps=15.0, sr=8000, n_frames=t, n_samples=t * 533, size=side, home_x=side * (0.25 + 0.25 * k),
                    home_y=side / 2, radius=7.0, rate=2.0, min_gap=0.25)
        tracks.append(O.make(cls, np.random.default_rng(k), ctx))
    frames, masks, _ = R.render(tracks, side, t, np.random.default_rng(5))
    background, _, _ = R.render([], side, t, np.random.default_rng(5))
    changed = (frames != background).any(axis=-1)
    assert not (changed & ~masks.any(axis=0)).any()  # nothing drawn outside the masks
    assert masks.sum(axis=0).max() <= 1  # visible masks do not overlap
    for k, tr in enumerate(tracks):
        assert masks[k].any(axis=(1, 2)).all()  # every object visible in every frame
        colors = np.array([p.color for p in tr.parts], np.uint8)
        px = frames[masks[k]]  # [P, 3]
        assert (px[:, None, :] == colors[None]).all(-1).any(-1).all()  # masked pixels show the object


def test_offscreen_sources_have_no_pixels():
    w = World(CPU.media, seed=3)
    on_only = w.clip(0, SceneSpec(((1, True), (3, False))))
    with_off = w.clip(0, SceneSpec(((1, True), (3, False)), offscreen=(1, 4)))
    assert np.array_equal(on_only.frames, with_off.frames) and np.array_equal(on_only.masks, with_off.masks)
    off = ~with_off.stem_onscreen
    assert off.sum() == 2 and np.all(with_off.stem_object[off] == OFFSCREEN)
    assert with_off.masks.shape[0] == 2 and np.abs(with_off.stems[off]).max() > 0


def test_stereo_pans_by_horizontal_position():
    w = World(CPU.media, difficulty.get("easy"), seed=0)
    for slot, louder in ((0.1, 0), (0.9, 1)):
        c = w.clip(1, SceneSpec(((3, True),), slots=(slot,)))
        energy = np.square(c.audio).sum(axis=1)
        assert energy[louder] > 3 * energy[1 - louder]


@pytest.mark.parametrize("cls", range(N_CLASSES))
def test_sound_follows_the_visible_motion_events(cls):
    """Each class alone: picture change correlates with its own loudness far better than with shifted audio."""
    from avscene import sync_baseline as sb

    import dataclasses

    m = dataclasses.replace(CPU.media, frame_size=72, crop_size=64)  # the physics, at a size that shows it
    c = World(m, difficulty.get("easy"), seed=11).clip(0, SceneSpec(((cls, True),)))
    spf = int(m.samples_per_frame)
    aligned = float(sb.sync_score(c.frames, c.audio))
    shifted = [float(sb.sync_score(c.frames, np.roll(c.audio, s * spf, axis=-1))) for s in (-40, -27, 27, 40)]
    assert aligned > 0.35 and aligned > max(shifted) + 0.2, f"{O.CLASS_NAMES[cls]}: {aligned:.2f} vs {shifted}"


def test_difficulty_presets_and_errors():
    assert difficulty.get("easy").max_objects == 1
    assert difficulty.get(None) == difficulty.PRESETS["default"]
    with pytest.raises(ValueError, match="unknown difficulty"):
        difficulty.get("impossible")
    c = World(CPU.media, "easy", seed=0).clip(0)
    assert len(c.object_classes) == 1 and c.stem_onscreen.all()


def test_talker_voices_from_a_folder(tmp_path):
    from scipy.io import wavfile

    sr = 16000
    t = np.arange(3 * sr) / sr
    voice = (np.sin(2 * np.pi * 220 * t) * (np.sin(2 * np.pi * 1.5 * t) > 0.3)).astype(np.float32)
    wavfile.write(tmp_path / "voice.wav", sr, voice)
    w = World(SMOKE.media, seed=0, voices=tmp_path)
    c = w.clip(0, SceneSpec(((2, True),)))
    assert c.stems.shape[0] == 1 and np.abs(c.stems).max() > 0
    with pytest.raises(FileNotFoundError, match="no .wav"):
        World(SMOKE.media, voices=tmp_path / "nothing_here" if (tmp_path / "nothing_here").mkdir() is None else None)


# ---------------------------------------------------------------- datasets and writing
def test_datasets_labels_splits_and_regimes():
    from avscene.synthetic import datasets as D

    act = D.ActionSet(SMOKE.media, 24, split="train")
    assert len(act) == 24 and np.array_equal(act.labels, np.arange(24) % D.N_ACTIONS)
    for i in (0, 7):
        c = act[i]
        assert c.object_classes[c.sounding].tolist() == [act.actions[i][0]] and c.stem_onscreen.all()
        assert c.sounding.sum() == 1
    assert np.array_equal(act.labels[act.few_labels(2)], np.tile(np.arange(D.N_ACTIONS), 2))
    with pytest.raises(ValueError):
        act.few_labels(3)
    with pytest.raises(IndexError):
        act[24]
    test = D.ActionSet(SMOKE.media, 24, split="test")
    assert not np.array_equal(act[0].frames, test[0].frames)  # disjoint splits

    sep = D.SeparationSet(SMOKE.media, 60, p_same_class=0.5)
    same = sep.same_class
    assert 0.3 < same.mean() < 0.7
    c = sep[int(np.flatnonzero(same)[0])]
    assert c.stem_onscreen.tolist() == [True, False] and c.stem_classes[0] == c.stem_classes[1]

    sd = D.SoloDuetSet(SMOKE.media, 30, p_duet=0.5)
    duets = np.flatnonzero(sd.is_duet)
    assert 0 < len(duets) < 30
    c = sd[int(duets[0])]
    assert c.sounding.all() and len(set(c.object_classes.tolist())) == 2
    assert np.array_equal(sd.class_sets[duets[0]], np.isin(np.arange(N_CLASSES), c.object_classes))

    # silent objects beside solo sounders (notebook 07's AVOL-Net): the duets are drawn as before, every solo
    # scene gains one silent object of another class, which the sounding class sets leave out
    sil = D.SoloDuetSet(SMOKE.media, 30, p_duet=0.5, p_silent=1.0)
    assert np.array_equal(sil.is_duet, sd.is_duet) and np.array_equal(sil.class_sets, sd.class_sets)
    assert np.array_equal(sil.has_silent, ~sd.is_duet) and not sd.has_silent.any()
    for i in np.flatnonzero(~sd.is_duet)[:3]:
        c, before = sil[int(i)], sd[int(i)]
        assert c.sounding.tolist().count(False) == 1 and c.sounding.sum() == 1
        assert c.object_classes[c.sounding][0] == before.object_classes[0] != c.object_classes[~c.sounding][0]
        assert c.masks[~c.sounding].any()  # the silent object is on screen
    assert 0.2 < D.SoloDuetSet(SMOKE.media, 60, p_duet=0.0, p_silent=0.5).has_silent.mean() < 0.8
    with pytest.raises(ValueError, match="p_silent"):
        D.SoloDuetSet(SMOKE.media, 3, p_silent=1.5)

    pre = D.pretext(SMOKE, "eval")
    assert len(pre) == SMOKE.synth.n_eval and pre[0].frames.shape[0] == SMOKE.media.video_frames


@pytest.mark.parametrize("profile", ["smoke", "cpu"])
def test_write_dataset_round_trip(tmp_path, profile):
    import json

    import av

    from avscene.synthetic import datasets as D
    from avscene.synthetic.write import read_ground_truth, write_dataset

    m = config.get(profile).media
    ds = D.SoloDuetSet(m, 2)
    paths = write_dataset(tmp_path, ds)
    assert [p.name for p in paths] == ["000000.mp4", "000001.mp4"]
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert len(manifest["clips"]) == 2 and manifest["fps"] == m.fps and manifest["class_names"][0] == "ball"
    gt, clip = read_ground_truth(paths[1]), ds[1]
    assert np.array_equal(gt["masks"], clip.masks) and np.array_equal(gt["stems"], clip.stems)
    assert np.array_equal(gt["event_times"], np.concatenate(clip.events)) and int(gt["label"]) == clip.label
    with av.open(str(paths[1])) as f:
        assert f.streams.video[0].codec_context.name == "h264"
        assert f.streams.audio[0].codec_context.name == ("aac" if m.sample_rate == 8000 else "flac")
        frames = np.stack([fr.to_ndarray(format="rgb24") for fr in f.decode(video=0)])
    assert frames.shape == clip.frames.shape
    assert np.abs(frames.astype(int) - clip.frames).mean() < 6  # H.264 at crf 18
    write_dataset(tmp_path, ds)  # resumes: existing clips are skipped, the manifest is rewritten
    assert len(json.loads((tmp_path / "manifest.json").read_text())["clips"]) == 2


def test_flash_brightens_objects_right_after_their_events():
    """The curriculum's warm-up world: objects flash toward white at their own events, and only then."""
    import numpy as np

    from avscene import config
    from avscene.synthetic import World
    from avscene.synthetic.difficulty import get

    media = config.get("cpu").media
    plain = World(media, get("warmup").replace(flash=0.0), seed=3).clip(0)
    flashy = World(media, "warmup", seed=3).clip(0)
    assert np.array_equal(plain.masks, flashy.masks) and np.array_equal(plain.audio, flashy.audio)
    events = flashy.events[0]
    frame = int(np.ceil(events[len(events) // 2] * media.fps))  # first frame at or after an event
    m = flashy.masks[0, frame]
    assert flashy.frames[frame][m].mean() > plain.frames[frame][m].mean() + 20
    quiet = [k for k in range(flashy.frames.shape[0])
             if np.all(np.abs(k / media.fps - events) > 1.0) and k / media.fps > events[0]]
    for k in quiet[:3]:  # a second after any event the flash has faded (exp(-1 / 0.15) ~ 0.1 %)
        mk = flashy.masks[0, k]
        assert abs(float(flashy.frames[k][mk].mean()) - float(plain.frames[k][mk].mean())) < 1.0


def test_warmup_backdrop_is_plain():
    import numpy as np

    from avscene import config
    from avscene.synthetic import World

    clip = World(config.get("cpu").media, "warmup", seed=1).clip(0)
    background = clip.frames[~clip.masks.any(axis=0)]
    assert background.std() == 0  # only the object carries picture content
    textured = World(config.get("cpu").media, "default", seed=1).clip(0)
    assert textured.frames[~textured.masks.any(axis=0)].std() > 5


def test_anywhere_placement_spreads_objects_over_the_frame():
    """``placement="anywhere"``: object centres vary over the frame (x and y), stay apart, and are
    deterministic per index; the default world keeps its slots (y near the middle)."""
    spec = SceneSpec(((0, True), (1, False)))
    anywhere, slots = World(CPU.media, "anywhere", seed=0), World(CPU.media, seed=0)

    def centres(world):
        out = []
        for i in range(24):
            c = world.clip(i, spec)
            m = c.masks[:, 0]  # [objects, H, W] at frame 0
            out.append([np.argwhere(k).mean(axis=0) for k in m])
        return np.array(out) / CPU.media.frame_size  # [scenes, objects, (y, x)]

    a, s = centres(anywhere), centres(slots)
    assert a[..., 0].std() > 1.4 * s[..., 0].std()  # heights spread out (0.13 vs 0.08 of the side)
    assert np.abs(a[:, 0, 1] - a[:, 1, 1]).min() > 0.25  # the two objects never overlap horizontally
    assert a[..., 1].min() < 0.3 and a[..., 1].max() > 0.7
    np.testing.assert_array_equal(anywhere.clip(5, spec).masks, anywhere.clip(5, spec).masks)
    with pytest.raises(ValueError, match="placement"):
        difficulty.Difficulty(placement="nowhere")
