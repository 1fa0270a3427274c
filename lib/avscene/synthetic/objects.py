"""Sound-making object classes: each has a look, a motion and a sound caused by its motion events.

Serves step 3 (the synthetic world) and through it every notebook's ground truth. An object's
events (impacts, strikes, syllables, claps, moves, accelerations) happen at random times (gaps
``min_gap + Exponential``, no fixed period), and both its picture and its sound are driven by the
same event times, so matching events across the senses is the only way to tell aligned from
shifted audio (Owens & Efros 2018, §3). Per-frame quantities are float arrays ``[T]`` (frame i at
``i / fps``), sounds are float64 ``[N]`` (sample j at ``j / sr``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import audio as A

CLASS_NAMES: tuple[str, ...] = ("ball", "bar", "talker", "clapper", "siren", "engine")
N_CLASSES = len(CLASS_NAMES)
# base RGB per class (varied a little per object), saturated against a muted background
CLASS_COLORS = np.array([[230, 80, 40], [240, 200, 40], [235, 180, 150], [60, 170, 240],
                         [220, 40, 200], [60, 220, 90]], dtype=np.float64)


@dataclass
class Part:
    """One rasterized primitive: an ellipse or rectangle with per-frame center and half-sizes (pixels)."""

    shape: str  # "ellipse" | "rect"
    cx: np.ndarray  # [T]
    cy: np.ndarray  # [T]
    rx: np.ndarray  # [T]
    ry: np.ndarray  # [T]
    color: tuple[int, int, int]
    glow: np.ndarray | None = None  # [T] in [0, 1]: blend toward white (an event flash), None = none


@dataclass
class Track:
    """One object's whole life in a video: its parts, sound, events and pan position."""

    cls: int
    parts: list[Part]
    sound: np.ndarray  # float64 [N], mono, unit-RMS over the video
    events: np.ndarray  # float64 [E] seconds in [0, duration)
    x: np.ndarray  # float64 [T] horizontal center in [0, 1] (stereo pan)
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Ctx:
    """What an object class needs to simulate itself: timing, geometry, difficulty."""

    fps: float
    sr: int
    n_frames: int
    n_samples: int
    size: int  # frame side, pixels
    home_x: float  # pixels
    home_y: float  # pixels
    radius: float  # pixels
    rate: float  # events / s
    min_gap: float  # s
    pad_s: float = 1.0  # events start this early so that tails and motions are stationary
    steady: bool = False  # events on a steady beat (period 1 / rate, gaps within 4 %) instead of at random

    @property
    def t(self) -> np.ndarray:
        return np.arange(self.n_frames) / self.fps

    @property
    def pad(self) -> int:
        return int(round(self.pad_s * self.sr))


def event_times(rng: np.random.Generator, ctx: Ctx, rate: float | None = None,
                min_gap: float | None = None) -> np.ndarray:
    """Random event times ``[E]`` in ``[-pad_s, duration + pad_s)``: gaps ``min_gap + Exp(1/rate - min_gap)``,
    or, for a ``ctx.steady`` object (the steady actions of notebook 05), ``1/rate`` within 4 %: the same
    mean rate either way, so only the rhythm differs.

    The first entry is an anchor at ``-pad_s - 2`` s (before any frame or sample that matters).
    """
    rate = rate or ctx.rate
    gap0 = min_gap if min_gap is not None else ctx.min_gap
    span = ctx.n_frames / ctx.fps + 2 * ctx.pad_s
    n = int(span * rate * 2 + 16)
    if ctx.steady:
        gaps = rng.uniform(0.96, 1.04, size=n) / rate
    else:
        gaps = gap0 + rng.exponential(max(1.0 / rate - gap0, 1e-3), size=n)
    times = np.cumsum(gaps) - ctx.pad_s - rng.uniform(0, gaps[0])
    # an anchor long before the video, so every frame has a previous event (a long first gap is possible)
    return np.concatenate([[-ctx.pad_s - 2.0], times[times < span - ctx.pad_s]])


def nearest(t: np.ndarray, events: np.ndarray) -> np.ndarray:
    """Signed time from each ``t`` ``[T]`` to its nearest event (``t - e``) ``[T]``."""
    i = np.clip(np.searchsorted(events, t), 1, len(events) - 1)
    before, after = t - events[i - 1], t - events[i]
    return np.where(np.abs(before) < np.abs(after), before, after)


def since_last(t: np.ndarray, events: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Time since the last event at or before each ``t`` ``[T]``, and that event's index ``[T]``."""
    i = np.clip(np.searchsorted(events, t, side="right") - 1, 0, len(events) - 1)
    return np.maximum(t - events[i], 0.0), i


def _color(rng: np.random.Generator, cls: int) -> tuple[int, int, int]:
    c = np.clip(CLASS_COLORS[cls] + rng.uniform(-25, 25, 3), 0, 255)
    return tuple(int(v) for v in c)


def _const(v: float, n: int) -> np.ndarray:
    return np.full(n, v, dtype=np.float64)


def _finish(mono: np.ndarray) -> np.ndarray:
    return mono / A.rms(mono)


def _in_video(ev: np.ndarray, ctx: Ctx) -> np.ndarray:
    return ev[(ev >= 0) & (ev < ctx.n_frames / ctx.fps)]


# ---------------------------------------------------------------- the six classes
def ball(rng: np.random.Generator, ctx: Ctx) -> Track:
    """A bouncing ball: parabolic hops between impacts, squashed on impact; a low thump per impact."""
    ev = event_times(rng, ctx)
    t, r, n = ctx.t, ctx.radius, ctx.n_frames
    i = np.clip(np.searchsorted(ev, t, side="right") - 1, 0, len(ev) - 2)
    gap = ev[i + 1] - ev[i]
    u = np.clip((t - ev[i]) / gap, 0, 1)
    hop = 1.6 * r * np.clip(gap / 0.6, 0.5, 1.3) ** 2  # a longer flight rises higher
    y = ctx.home_y + 1.1 * r - hop * 4 * u * (1 - u)
    squash = np.exp(-np.abs(nearest(t, ev)) * ctx.fps / 0.7)
    sway = 0.3 * r * np.sin(2 * np.pi * t / rng.uniform(2.5, 4.0) + rng.uniform(0, 6.3))
    part = Part("ellipse", ctx.home_x + sway, y + 0.35 * r * squash, r * (1 + 0.35 * squash),
                r * (1 - 0.35 * squash), _color(rng, 0))
    f0 = rng.uniform(90, 160)
    amps = np.clip((np.diff(ev, prepend=ev[0] - 0.6) / 0.6), 0.4, 1.4)
    kt, env = A.decay(ctx.sr, 0.25, rng.uniform(0.04, 0.07))
    kernel = env * np.sin(2 * np.pi * f0 * kt * (1 + 0.5 * env))  # pitch drops as it rings out
    kernel[: int(0.004 * ctx.sr)] += rng.normal(0, 0.6, int(0.004 * ctx.sr))  # contact click
    mono = A.splat(ev, amps, kernel, ctx.sr, ctx.n_samples)
    return Track(0, [part], _finish(mono), _in_video(ev, ctx), (ctx.home_x + sway) / ctx.size)


def bar(rng: np.random.Generator, ctx: Ctx) -> Track:
    """A struck bar: a mallet swings down onto a bar that shakes; the bar rings at its pitch."""
    ev = event_times(rng, ctx)
    t, r, n = ctx.t, ctx.radius, ctx.n_frames
    d = nearest(t, ev)
    lift = 1.6 * r * np.clip(np.where(d < 0, -d / 0.1, d / 0.35), 0, 1)  # a quick strike, a slow lift
    since, _ = since_last(t, ev)
    shake = 0.3 * r * np.exp(-since / 0.2) * np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    bar_y = ctx.home_y + 0.5 * r + shake
    parts = [Part("rect", _const(ctx.home_x, n), bar_y, _const(1.3 * r, n), _const(0.3 * r, n), _color(rng, 1)),
             Part("ellipse", _const(ctx.home_x, n), bar_y - 0.75 * r - lift, _const(0.45 * r, n),
                  _const(0.45 * r, n), (200, 200, 210))]
    f0 = rng.uniform(300, 700)
    kt, _ = A.decay(ctx.sr, 0.6, 1.0)
    tau = rng.uniform(0.15, 0.3)
    kernel = sum(np.exp(-kt / (tau / k)) * np.sin(2 * np.pi * A.cap(f0 * m, ctx.sr) * kt) / k
                 for k, m in enumerate((1.0, 2.76, 5.40), start=1))
    amps = rng.uniform(0.6, 1.0, len(ev))
    mono = A.splat(ev, amps, kernel, ctx.sr, ctx.n_samples)
    return Track(1, parts, _finish(mono), _in_video(ev, ctx), _const(ctx.home_x / ctx.size, n))


def talker(rng: np.random.Generator, ctx: Ctx, voice: np.ndarray | None = None) -> Track:
    """A talker: formant-filtered glottal pulses in syllables; the mouth opens with the speech envelope.

    ``voice`` (float64 ``[N]``, optional) replaces the procedural voice (a recorded or synthesized
    speech segment); the mouth then follows that voice's envelope.
    """
    t, r, n, sr = ctx.t, ctx.radius, ctx.n_frames, ctx.sr
    ev = event_times(rng, ctx, rate=ctx.rate * 1.6, min_gap=0.22)  # syllable onsets
    if voice is None:
        dur = rng.uniform(0.14, 0.22)
        k = np.hanning(int(dur * sr) + 2)[1:-1] ** 0.7
        k = np.concatenate([k[: len(k) // 2], k[len(k) // 2:] ** 2])  # quicker onset than release
        env = A.splat(ev, rng.uniform(0.5, 1.0, len(ev)), k, sr, ctx.n_samples)
        f0 = rng.uniform(90, 240)
        slow = 1 + 0.08 * np.sin(2 * np.pi * t / rng.uniform(0.6, 1.5) + rng.uniform(0, 6.3))  # intonation [T]
        pitch = f0 * A.frames_to_samples(slow, ctx.fps, sr, ctx.n_samples)
        phase = A.oscillator(pitch, sr)
        pulses = A.pulse_train(phase)  # one impulse per glottal cycle
        formants = np.array([rng.uniform(400, 800), rng.uniform(900, 1800), rng.uniform(2000, 3000)])
        mono = A.formant_filter(pulses, formants, sr) * env
        peak = float(env.max()) + 1e-9
    else:
        mono = voice.astype(np.float64)
        frame_len = max(int(sr / ctx.fps), 1)
        power = A.convolve_train(mono**2, np.ones(frame_len) / frame_len, ctx.n_samples, 0)
        env = np.sqrt(np.maximum(power, 0.0))  # FFT round-off can dip below 0
        ev = np.array([], dtype=np.float64)
        peak = float(np.percentile(env, 99)) + 1e-9
    idx = np.minimum((t * sr).astype(np.int64), ctx.n_samples - 1)
    opening = np.clip(env[idx] / peak, 0, 1)
    color = _color(rng, 2)
    nod = 0.08 * r * opening
    parts = [Part("ellipse", _const(ctx.home_x, n), ctx.home_y + nod, _const(1.0 * r, n), _const(1.25 * r, n), color),
             Part("ellipse", _const(ctx.home_x, n), ctx.home_y + 0.55 * r + nod, _const(0.6 * r, n),
                  0.08 * r + 0.5 * r * opening, (70, 20, 30))]
    return Track(2, parts, _finish(mono), _in_video(ev, ctx), _const(ctx.home_x / ctx.size, n),
                 {"opening": opening})


def clapper(rng: np.random.Generator, ctx: Ctx) -> Track:
    """A clapper: two jaws open between claps and snap shut on contact; a sharp clack per clap."""
    ev = event_times(rng, ctx)
    t, r, n = ctx.t, ctx.radius, ctx.n_frames
    d = nearest(t, ev)
    gap = 1.2 * r * np.clip(np.where(d < 0, -d / 0.1, d / 0.35), 0, 1)  # snaps shut, opens slowly
    color = _color(rng, 3)
    parts = [Part("rect", _const(ctx.home_x, n), ctx.home_y - 0.35 * r - gap / 2, _const(r, n), _const(0.35 * r, n), color),
             Part("rect", _const(ctx.home_x, n), ctx.home_y + 0.35 * r + gap / 2, _const(r, n), _const(0.35 * r, n), color)]
    lo = float(rng.integers(8, 16) * 100)  # a few band designs, cached
    kernel = A.bandpass(rng.normal(0, 1, int(0.06 * ctx.sr)), lo, 2.5 * lo, ctx.sr) * A.decay(ctx.sr, 0.06, 0.02)[1]
    amps = rng.uniform(0.6, 1.0, len(ev))
    mono = A.splat(ev, amps, kernel, ctx.sr, ctx.n_samples)
    return Track(3, parts, _finish(mono), _in_video(ev, ctx), _const(ctx.home_x / ctx.size, n))


def siren(rng: np.random.Generator, ctx: Ctx) -> Track:
    """A siren: jumps to a new height at each event; its pitch follows its height, louder while moving."""
    ev = event_times(rng, ctx, rate=ctx.rate * 0.8)
    t, r, n = ctx.t, ctx.radius, ctx.n_frames
    since, i = since_last(t, ev)
    levels = rng.uniform(0, 1, len(ev) + 1)
    prev, new = levels[i], levels[i + 1]
    ease = 1 - np.exp(-since / 0.1)
    level = prev + (new - prev) * ease  # [T] in [0, 1], 1 = high
    y = ctx.home_y + 1.2 * r - 2.4 * r * level
    speed = np.abs(np.gradient(level)) * ctx.fps
    color = _color(rng, 4)
    parts = [Part("rect", _const(ctx.home_x, n), y + 0.4 * r, _const(0.8 * r, n), _const(0.45 * r, n), color),
             Part("ellipse", _const(ctx.home_x, n), y - 0.3 * r, _const(0.5 * r, n), _const(0.5 * r, n), (255, 250, 200))]
    lo, hi = rng.uniform(250, 400), rng.uniform(700, 1100)
    lev_s = A.frames_to_samples(level, ctx.fps, ctx.sr, ctx.n_samples)
    sp_s = A.frames_to_samples(speed, ctx.fps, ctx.sr, ctx.n_samples)
    phase = A.oscillator(A.cap(lo + (hi - lo) * lev_s, ctx.sr), ctx.sr, rng.uniform())
    mono = A.triangle(phase) * (0.15 + np.clip(sp_s / 4.0, 0, 1))
    return Track(4, parts, _finish(mono), _in_video(ev, ctx), _const(ctx.home_x / ctx.size, n), {"level": level})


def engine(rng: np.random.Generator, ctx: Ctx) -> Track:
    """An engine (a little car): accelerates at each event and coasts; loudness and pitch follow speed."""
    ev = event_times(rng, ctx, rate=ctx.rate * 0.8)
    t, r, n = ctx.t, ctx.radius, ctx.n_frames
    since, i = since_last(t, ev)
    speed = np.exp(-since / 0.25) * (1 - np.exp(-since / 0.03))  # [T], 0..~0.8
    direction = np.where(i % 2 == 0, 1.0, -1.0)
    x = ctx.home_x + np.cumsum(direction * speed) / ctx.fps * 4.5 * r
    x = ctx.home_x + np.clip(x - x.mean(), -1.6 * r, 1.6 * r)
    color = _color(rng, 5)
    y = ctx.home_y
    parts = [Part("rect", x, _const(y, n), _const(1.1 * r, n), _const(0.45 * r, n), color),
             Part("rect", x - 0.1 * r * direction, _const(y - 0.6 * r, n), _const(0.55 * r, n), _const(0.25 * r, n), color),
             Part("ellipse", x - 0.6 * r, _const(y + 0.5 * r, n), _const(0.3 * r, n), _const(0.3 * r, n), (30, 30, 30)),
             Part("ellipse", x + 0.6 * r, _const(y + 0.5 * r, n), _const(0.3 * r, n), _const(0.3 * r, n), (30, 30, 30))]
    sp = A.frames_to_samples(speed, ctx.fps, ctx.sr, ctx.n_samples)
    fire = A.oscillator(rng.uniform(25, 40) + 80 * sp, ctx.sr, rng.uniform())
    pulses = A.pulse_train(fire)
    mono = A.bandpass(pulses, 60, 900, ctx.sr) * (0.08 + sp)
    return Track(5, parts, _finish(mono), _in_video(ev, ctx), x / ctx.size, {"speed": speed})


MAKERS: tuple[Callable[..., Track], ...] = (ball, bar, talker, clapper, siren, engine)


def make(cls: int, rng: np.random.Generator, ctx: Ctx, **kwargs) -> Track:
    """Simulate one object of class ``cls`` (index into ``CLASS_NAMES``)."""
    return MAKERS[cls](rng, ctx, **kwargs)
