"""Scene composition and ground truth: ``World(media, difficulty).clip(index) -> SceneClip`` (step 3).

A scene is a textured background (optional camera jitter, flicker, pixel noise), 1-3 visible objects
(some sounding, some silent distractors that move the same way) and optionally off-screen sources
(class sounds with no pixels). Frames and audio share one timeline from 0: frame i at ``i / fps``,
sample j at ``j / sample_rate``. Every clip comes with its ground truth (masks, sounding flags,
stems that sum to the mixture, classes, event times, on/off-screen flags), which the notebooks use
to *measure* localization, separation and transfer (Owens & Efros 2018, §4-5 show them qualitatively).

Deterministic: clip ``index`` of seed ``seed`` depends only on ``numpy.random.default_rng([seed, index, ...])``
streams, element-wise float math and fixed-order reductions; audio is quantized to the 16-bit grid and
frames to uint8 so that last-bit differences between machines cannot show.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..config import MediaSpec
from . import audio as A
from . import objects as O
from .difficulty import Difficulty, get as get_difficulty
from .render import render

OFFSCREEN = -1  # stem_object value of a source with no pixels
AMBIENT = -1  # stem_classes value of the ambient noise stem
QUANT = 32768.0  # audio is stored on the 16-bit grid


@dataclass(frozen=True)
class SceneSpec:
    """An explicit scene for dataset builders: visible ``(class, sounding)`` pairs and off-screen classes.

    ``offscreen_db`` overrides the difficulty's off-screen level; ``slots`` forces object positions
    (fractions of the frame width, one per visible object). The actions of notebook 05 add, per visible
    object, ``steady`` (events on a steady beat rather than at random) and ``drift`` (travel across the
    frame, in frame widths per second, centred on the video's middle), ``shake`` (a side-to-side tremble of
    that amplitude, in frame widths, with a period of eight frames: seen in motion, never in one frame, never
    heard), ``dubbed`` (its sound is another take of the same object, with events of its own: the sound no
    longer follows the impacts), and
    ``mono`` (every source recorded in the middle of the stereo field: where an object is cannot be heard).
    """

    visible: tuple[tuple[int, bool], ...]
    offscreen: tuple[int, ...] = ()
    offscreen_db: float | None = None
    slots: tuple[float, ...] | None = None
    steady: tuple[bool, ...] | None = None
    drift: tuple[float, ...] | None = None
    shake: tuple[float, ...] | None = None
    dubbed: tuple[bool, ...] | None = None
    mono: bool = False


@dataclass
class SceneClip:
    """One generated video and its ground truth. K visible objects, S audio stems.

    frames uint8 ``[T, H, W, 3]``; audio float32 ``[C, N]`` (= ``stems.sum(0)`` exactly);
    masks bool ``[K, T, H, W]`` (visible pixels); sounding bool ``[K]``; object_classes int ``[K]``;
    stems float32 ``[S, C, N]``; stem_classes int ``[S]`` (-1 = ambient noise); stem_onscreen bool ``[S]``;
    stem_object int ``[S]`` (index into the K objects, -1 if off-screen); events: one float64 array of
    event times (s) per visible object then per off-screen source; camera offsets int ``[T, 2]`` (x, y px).
    """

    frames: np.ndarray
    audio: np.ndarray
    masks: np.ndarray
    sounding: np.ndarray
    object_classes: np.ndarray
    stems: np.ndarray
    stem_classes: np.ndarray
    stem_onscreen: np.ndarray
    stem_object: np.ndarray
    events: list[np.ndarray]
    camera: np.ndarray
    fps: float
    sample_rate: int
    seed: int
    index: int
    meta: dict = field(default_factory=dict)

    @property
    def label(self) -> int:
        """Class of the loudest on-screen sounding object (the clip's action / retrieval label), -1 if none."""
        on = np.flatnonzero(self.stem_onscreen)
        if len(on) == 0:
            return -1
        energy = np.square(self.stems[on]).sum(axis=(1, 2))
        return int(self.stem_classes[on[int(np.argmax(energy))]])

    @property
    def sounding_events(self) -> np.ndarray:
        """Event times (s, sorted) of the visible objects that sound, float64 ``[E]``: the instants a
        picture and its aligned soundtrack share (notebooks 01 and 03 mark them)."""
        k = len(self.sounding)
        times = [e for e, s in zip(self.events[:k], self.sounding) if s]
        return np.sort(np.concatenate(times)) if times else np.zeros(0)

    def ground_truth(self) -> dict[str, np.ndarray]:
        """Every ground-truth array, flat, for ``np.savez`` (events as times + owner index)."""
        owners = np.concatenate([np.full(len(e), i) for i, e in enumerate(self.events)] or [np.zeros(0)])
        times = np.concatenate(self.events or [np.zeros(0)])
        return {"masks": np.packbits(self.masks, axis=-1), "mask_shape": np.array(self.masks.shape),
                "sounding": self.sounding, "object_classes": self.object_classes, "stems": self.stems,
                "stem_classes": self.stem_classes, "stem_onscreen": self.stem_onscreen,
                "stem_object": self.stem_object, "event_times": times.astype(np.float64),
                "event_owner": owners.astype(np.int64), "camera": self.camera,
                "fps": np.array(self.fps), "sample_rate": np.array(self.sample_rate),
                "seed": np.array(self.seed), "index": np.array(self.index), "label": np.array(self.label)}


def load_voices(folder: str | Path, sample_rate: int) -> list[np.ndarray]:
    """Mono float64 voices ``[N_i]`` at ``sample_rate`` from every .wav/.flac/.mp3 in ``folder`` (PyAV)."""
    import av
    from scipy.signal import resample_poly

    paths = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in (".wav", ".flac", ".mp3", ".ogg"))
    if not paths:
        raise FileNotFoundError(f"{folder}: no .wav/.flac/.mp3/.ogg files to use as voices")
    voices = []
    for p in paths:
        try:
            with av.open(str(p)) as f:
                st = f.streams.audio[0]
                sr = st.rate
                chunks = [fr.to_ndarray().astype(np.float64).reshape(fr.layout.nb_channels if fr.format.is_planar else 1, -1)
                          for fr in f.decode(st)]
        except (av.error.FFmpegError, IndexError) as e:
            raise ValueError(f"{p}: cannot decode an audio stream ({e})") from None
        x = np.concatenate(chunks, axis=1).mean(axis=0)
        voices.append(resample_poly(x, sample_rate, sr) if sr != sample_rate else x)
    return voices


def _anywhere(rng: np.random.Generator, k: int, tries: int = 200) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """``k`` object centres (x, y as fractions of the frame side) at random over the frame, at least
    0.34 apart horizontally (objects and their motion stay clear of each other), in a random order;
    falls back to evenly spaced x when random draws keep colliding (three objects leave little room)."""
    lo, hi, gap = 0.18, 0.82, 0.34
    for _ in range(tries):
        x = rng.uniform(lo, hi, k)
        if k < 2 or np.diff(np.sort(x)).min() >= gap:
            break
    else:
        x = rng.permutation(lo + (hi - lo) * (np.arange(k) + 0.5) / k)
    y = rng.uniform(0.3, 0.7, k)
    return tuple(float(v) for v in x), tuple(float(v) for v in y)


class World:
    """The synthetic audio-visual world at one profile's media sizes and one difficulty.

    ``World(cfg.media, "default", seed=cfg.seed).clip(i)`` is video ``i``: ``cfg.media.video_frames`` frames
    of ``frame_size`` px and ``video_samples`` samples of ``channels``-channel audio.
    """

    def __init__(self, media: MediaSpec, difficulty: str | Difficulty | None = None, *, seed: int = 0,
                 voices: str | Path | list[np.ndarray] | None = None, seconds: float | None = None):
        self.media = media
        self.difficulty = get_difficulty(difficulty)
        self.seed = int(seed)
        self.seconds = float(seconds if seconds is not None else media.video_seconds)
        self.n_frames = int(self.seconds * media.fps)
        self.n_samples = int(self.seconds * media.sample_rate)
        if isinstance(voices, (str, Path)):
            voices = load_voices(voices, media.sample_rate)
        self.voices = voices
        if media.frame_size % 2:
            raise ValueError(f"frame_size must be even for H.264, got {media.frame_size}")

    # ------------------------------------------------------------------ scene drawing
    def draw_spec(self, rng: np.random.Generator) -> SceneSpec:
        """A random scene under the difficulty: object count, classes, silent distractors, off-screen."""
        d = self.difficulty
        classes = np.array(d.classes or range(O.N_CLASSES))
        k = int(rng.integers(d.min_objects, d.max_objects + 1))
        cls = rng.choice(classes, size=k)
        sounding = [True] + [bool(rng.uniform() >= d.p_silent) for _ in range(k - 1)]
        order = rng.permutation(k)  # the first sounding object need not be on the left
        visible = tuple((int(cls[i]), sounding[j]) for j, i in enumerate(order))
        off = (int(rng.choice(classes)),) if rng.uniform() < d.p_offscreen else ()
        return SceneSpec(visible, off)

    def _ctx(self, rng: np.random.Generator, slot: float, width: float, crowd: int = 1,
             y: float | None = None, steady: bool = False) -> O.Ctx:
        m, d, side = self.media, self.difficulty, self.media.frame_size
        shrink = (1.0, 1.0, 0.9, 0.8)[min(crowd, 3)]  # three objects side by side must fit
        radius = d.object_size * d.salience * side * shrink * rng.uniform(0.85, 1.15)
        hx = side * (slot + rng.uniform(-0.15, 0.15) * width)
        hy = side * (rng.uniform(0.42, 0.58) if y is None else y)
        return O.Ctx(fps=m.fps, sr=m.sample_rate, n_frames=self.n_frames, n_samples=self.n_samples, size=side,
                     home_x=hx, home_y=hy, radius=radius, rate=d.event_rate * rng.uniform(0.8, 1.25),
                     min_gap=d.min_event_gap, steady=steady)

    def _track(self, cls: int, rng: np.random.Generator, ctx: O.Ctx) -> O.Track:
        if cls == 2 and self.voices:
            v = self.voices[int(rng.integers(len(self.voices)))]
            n = ctx.n_samples
            start = int(rng.integers(max(len(v) - n, 0) + 1))
            seg = np.zeros(n)
            seg[: min(n, len(v) - start)] = v[start:start + n]
            return O.talker(rng, ctx, voice=seg)
        return O.make(cls, rng, ctx)

    # ------------------------------------------------------------------ one clip
    def clip(self, index: int, spec: SceneSpec | None = None) -> SceneClip:
        """Video ``index`` (a random scene under the difficulty, or ``spec``) with its ground truth."""
        m, d = self.media, self.difficulty
        rng = np.random.default_rng([self.seed, int(index)])
        spec = spec if spec is not None else self.draw_spec(rng)
        k = len(spec.visible)
        lo, hi = 0.12, 0.88
        slots = spec.slots or tuple(lo + (hi - lo) * (i + 0.5) / k for i in range(k))
        width, ys = (hi - lo) / max(k, 1), (None,) * k
        if d.placement == "anywhere" and spec.slots is None:
            slots, ys = _anywhere(np.random.default_rng([self.seed, int(index), 99]), k)
            width = 0.0
        steady, dubbed = spec.steady or (False,) * k, spec.dubbed or (False,) * k
        tracks: list[O.Track] = []
        for i, (cls, _) in enumerate(spec.visible):
            orng = np.random.default_rng([self.seed, int(index), 1 + i])
            ctx = self._ctx(orng, slots[i], width, k, ys[i], steady[i])
            tracks.append(self._track(cls, orng, ctx))
            if dubbed[i]:  # the same object's sound from another take: its own events
                take = self._track(cls, np.random.default_rng([self.seed, int(index), 301 + i]), ctx)
                tracks[-1].sound = take.sound
                tracks[-1].extra["sound_events"] = take.events
        if spec.drift:
            t_mid = np.arange(self.n_frames) / m.fps - self.seconds / 2
            for tr, v in zip(tracks, spec.drift):
                shift = v * m.frame_size * t_mid  # [T] pixels
                for part in tr.parts:
                    part.cx = part.cx + shift
                tr.x = tr.x + shift / m.frame_size
        if spec.shake:
            for i, (tr, amp) in enumerate(zip(tracks, spec.shake)):
                phase = np.random.default_rng([self.seed, int(index), 401 + i]).uniform(0, 2 * np.pi)
                shift = amp * m.frame_size * np.sin(np.pi / 4 * np.arange(self.n_frames) + phase)  # [T] px
                for part in tr.parts:
                    part.cx = part.cx + shift
                tr.x = tr.x + shift / m.frame_size
        off_tracks = []
        for j, cls in enumerate(spec.offscreen):
            orng = np.random.default_rng([self.seed, int(index), 101 + j])
            off_tracks.append(self._track(cls, orng, self._ctx(orng, 0.5, 0.0)))

        if d.flash > 0:  # a salient visual event cue (curriculum start): every visible object, sounding or not
            t = np.arange(self.n_frames) / m.fps
            for tr in tracks:
                if len(tr.events) == 0:
                    continue
                since, _ = O.since_last(t, tr.events)
                glow = np.where(t >= tr.events[0], d.flash * np.exp(-since / d.flash_tau), 0.0)
                for part in tr.parts:
                    part.glow = glow
        frames, masks, cam = render(tracks, m.frame_size, self.n_frames, rng, jitter_px=d.jitter_px,
                                    flicker=d.flicker, pixel_noise=d.pixel_noise,
                                    plain_background=d.plain_background)

        # ---- audio: one stem per sounding visible object, per off-screen source, and ambient noise
        stems, s_cls, s_on, s_obj = [], [], [], []
        for i, tr in enumerate(tracks):
            if spec.visible[i][1]:
                gain = 10 ** (rng.uniform(-3, 3) / 20)
                stems.append(self._channels(tr.sound * gain, 0.5 if spec.mono else tr.x))
                s_cls.append(tr.cls), s_on.append(True), s_obj.append(i)
        off_db = d.offscreen_db if spec.offscreen_db is None else spec.offscreen_db
        for tr in off_tracks:
            gain = 10 ** ((off_db + rng.uniform(-3, 3)) / 20)
            pan = rng.uniform()
            stems.append(self._channels(tr.sound * gain, 0.5 if spec.mono else pan))
            s_cls.append(tr.cls), s_on.append(False), s_obj.append(OFFSCREEN)
        if d.ambient_db is not None:
            noise = A.bandpass(rng.standard_normal(self.n_samples), 50, 3000, m.sample_rate, order=1)
            stems.append(self._channels(noise / A.rms(noise) * 10 ** (d.ambient_db / 20), 0.5))
            s_cls.append(AMBIENT), s_on.append(False), s_obj.append(OFFSCREEN)
        c = m.channels
        if stems:
            st = np.stack(stems)  # [S, C, N] float32
            mix = st.sum(axis=0) if len(st) > 1 else st[0]
            peak = max(float(mix.max()), -float(mix.min()))
            gain = min(0.1 / A.rms(mix), 0.9 / (peak + 1e-12))
            st *= np.float32(gain * QUANT)
            np.rint(st, out=st)
            st_q = st * np.float32(1 / QUANT)  # exact: a power of two
        else:
            st_q = np.zeros((0, c, self.n_samples), dtype=np.float32)
        mix_q = st_q.sum(axis=0, dtype=np.float32) if len(st_q) else np.zeros((c, self.n_samples), np.float32)

        sounding = np.array([s for _, s in spec.visible], dtype=bool)
        return SceneClip(
            frames=frames, audio=mix_q, masks=masks, sounding=sounding,
            object_classes=np.array([cl for cl, _ in spec.visible], dtype=np.int64),
            stems=st_q, stem_classes=np.array(s_cls, dtype=np.int64), stem_onscreen=np.array(s_on, dtype=bool),
            stem_object=np.array(s_obj, dtype=np.int64), events=[t.events for t in tracks + off_tracks],
            camera=cam, fps=m.fps, sample_rate=m.sample_rate, seed=self.seed, index=int(index),
            meta={"spec": spec, "difficulty": d})

    def _channels(self, mono: np.ndarray, x: np.ndarray | float) -> np.ndarray:
        """float32 ``[C, N]`` from a mono source at horizontal position ``x`` (per frame ``[T]`` or scalar, in [0, 1]).

        Equal-power pan when C = 2; otherwise every channel gets ``mono / sqrt(2)``.
        """
        c = self.media.channels
        if c == 2:
            return A.pan(mono, x, self.media.fps, self.media.sample_rate)
        return np.repeat((mono / np.sqrt(2)).astype(np.float32)[None], c, axis=0)

    def __repr__(self) -> str:
        return f"World({self.media.frame_size}px, {self.media.fps} fps, {self.media.sample_rate} Hz, seed={self.seed}, {self.difficulty})"
