"""Inline media degrade to nothing outside notebooks; the encoded video round-trips (step 1)."""
from __future__ import annotations

import io
from typing import ClassVar

import av
import numpy as np

from avscene.course import display


def test_no_notebook_no_output() -> None:
    wave = np.zeros((2, 800), np.float32)
    assert display.audio(wave, 8000) is None
    assert display.video(np.zeros((4, 8, 8, 3), np.uint8), wave, 8.0, 8000) is None


def test_video_bytes_round_trip() -> None:
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 255, (12, 31, 33, 3), dtype=np.uint8)  # odd sizes get padded
    wave = (0.1 * rng.standard_normal((2, 12000))).astype(np.float32)  # 1.5 s at 8 kHz
    data = display.video_bytes(frames, wave, 8.0, 8000)
    with av.open(io.BytesIO(data)) as c:
        v = c.streams.video[0]
        assert (v.codec_context.width, v.codec_context.height) == (34, 32)
        n_frames = sum(1 for _ in c.decode(video=0))
    with av.open(io.BytesIO(data)) as c:
        n_samples = sum(f.samples for f in c.decode(audio=0))
    assert n_frames == 12
    assert abs(n_samples - 12000) <= 1024  # AAC pads its last frame


def test_video_bytes_resamples_rates_aac_cannot_encode() -> None:
    frames = np.zeros((8, 16, 16, 3), np.uint8)
    wave = np.sin(np.linspace(0, 400, 8000, dtype=np.float32))[None].repeat(2, 0)  # 2 s at 4 kHz
    data = display.video_bytes(frames, wave, 4.0, 4000)
    with av.open(io.BytesIO(data)) as c:
        a = c.streams.audio[0]
        assert a.codec_context.name == "aac" and a.rate == 7350


class _Kernel:
    config: ClassVar[dict] = {"IPKernelApp": {}}


def test_saved_video_file_plays_inline_in_a_kernel(tmp_path, monkeypatch) -> None:
    """Notebook 04 shows the overlay.mp4 it saved: embedded, looping, with controls; nothing outside a kernel."""
    import IPython
    import IPython.display

    path = tmp_path / "overlay.mp4"
    path.write_bytes(display.video_bytes(np.zeros((8, 16, 16, 3), np.uint8), None, 8.0, 8000))
    assert display.video_file(path) is None  # a script or test: nothing shown
    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: _Kernel())
    monkeypatch.setattr(IPython.display, "display", shown.append)
    player = display.video_file(path, width=200)
    assert shown == [player] and isinstance(player, IPython.display.Video)
    html = player._repr_html_()
    assert "base64" in html and "controls" in html and "loop" in html and 'width="200"' in html
