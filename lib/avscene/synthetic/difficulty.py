"""Difficulty knobs of the synthetic world, with presets usable as a curriculum (step 3).

The pretext task (Owens & Efros 2018, §3) is only interesting when the easy cue, "sound onsets
coincide with big frame differences", is confounded: silent distractors that move the same way,
off-screen sounds, flicker, pixel noise and camera jitter. ``default`` is tuned so that the
motion-energy x audio-envelope correlation baseline (``avscene.sync_baseline``) lands in 80-90 %
per-example accuracy at the ``cpu`` profile; ``easy`` is a curriculum start, ``hard`` a stress test.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class Difficulty:
    """How confusing a scene is. Sizes are relative to the frame side; rates are per second."""

    min_objects: int = 1  # visible objects per scene (1-3)
    max_objects: int = 3
    p_silent: float = 0.5  # chance that each visible object after the first sounding one is silent
    p_offscreen: float = 0.5  # chance of one off-screen source (a class sound with no pixels)
    offscreen_db: float = -6.0  # off-screen level relative to the on-screen sounds' level
    event_rate: float = 1.6  # mean motion/sound events per second per object
    min_event_gap: float = 0.25  # seconds between two events of one object, at least
    salience: float = 1.0  # scales object size and motion amplitude
    object_size: float = 0.13  # object radius as a fraction of the frame side (times salience)
    flicker: float = 0.004  # std of a per-frame brightness gain of the backdrop (0.005 steps, |gain - 1| <= 0.15)
    pixel_noise: float = 0.0  # std of additive pixel noise, in 0-255 units
    jitter_px: float = 0.0  # std of camera shake in percent of the frame side (whole-pixel offsets)
    ambient_db: float | None = None  # stationary background noise level (dB re. on-screen), None = off
    classes: tuple[int, ...] = ()  # object classes to draw from; () = all
    flash: float = 0.0  # visible objects flash toward white at their own events (0 = never, 1 = white)
    flash_tau: float = 0.15  # seconds for a flash to fade to 1/e
    plain_background: bool = False  # a uniform gray backdrop instead of a texture (only objects carry features)
    # "slots": objects side by side in evenly spaced slots (x jittered, y near the middle); "anywhere":
    # at random positions over the frame, apart from each other (the CAM model's world, notebook 04)
    placement: str = "slots"

    def __post_init__(self) -> None:
        if self.placement not in ("slots", "anywhere"):
            raise ValueError(f"placement must be 'slots' or 'anywhere', got {self.placement!r}")

    def replace(self, **changes: object) -> "Difficulty":
        return dataclasses.replace(self, **changes)


PRESETS: dict[str, Difficulty] = {
    # one large sounding object, nothing else: the cue is plain (curriculum start)
    "easy": Difficulty(min_objects=1, max_objects=1, p_silent=0.0, p_offscreen=0.0, event_rate=2.0,
                       salience=1.25, flicker=0.0),
    # the curriculum's first phase: impulsive classes (ball, bar, clapper) that flash white at every event
    "warmup": Difficulty(min_objects=1, max_objects=1, p_silent=0.0, p_offscreen=0.0, event_rate=2.5,
                         salience=1.5, flicker=0.0, flash=1.0, classes=(0, 1, 3), plain_background=True),
    # tuned for 80-90 % sync-baseline accuracy at the cpu profile (600 pairs: flicker 0 -> 88 %,
    # 0.003 -> 86 %, 0.004 -> 85 %, 0.006 -> 82 %, 0.01 -> 79 %, 0.03 -> 60 %; jitter 0.5 -> 59 %)
    "default": Difficulty(),
    # the default world with objects anywhere in the frame: where a sound comes from must be seen, not
    # guessed from a few fixed slots (the CAM model is fine-tuned in it; notebook 04)
    "anywhere": Difficulty(placement="anywhere"),
    # more distractors, louder off-screen sound, noisier pictures and a shaking camera
    "hard": Difficulty(min_objects=2, max_objects=3, p_silent=0.7, p_offscreen=0.8, offscreen_db=0.0,
                       flicker=0.008, pixel_noise=4.0, ambient_db=-20.0, salience=0.85),
}


def get(name_or_difficulty: "str | Difficulty | None" = None) -> Difficulty:
    """A preset by name (``easy``, ``warmup``, ``default``, ``anywhere``, ``hard``), or the given
    ``Difficulty`` unchanged."""
    if name_or_difficulty is None:
        return PRESETS["default"]
    if isinstance(name_or_difficulty, Difficulty):
        return name_or_difficulty
    try:
        return PRESETS[name_or_difficulty]
    except KeyError:
        raise ValueError(f"unknown difficulty {name_or_difficulty!r}; choose one of {', '.join(PRESETS)}") from None
