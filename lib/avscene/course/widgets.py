"""Sliders that work in a live notebook and stand still in batch runs (notebooks 01 and 04).

Widgets are built only when ``runtime.interactive()`` says a person drives the session. Under papermill
or nbval, and in scripts, each helper shows its default view once, statically (a figure, a player, an
image), and returns: widget messages that no frontend answers can stall a kernel (``make figures`` once
waited 12 minutes in such a cell). Notebooks never import ``ipywidgets`` themselves (a test checks).
"""
from __future__ import annotations

import io
from typing import Any, Callable

import numpy as np

from .. import runtime


def slider(show: Callable[[int], Any], *, value: int, lo: int, hi: int, description: str, step: int = 1) -> Any:
    """``show(value)``; in an interactive session under an integer slider from ``lo`` to ``hi`` that calls
    ``show`` again whenever it moves. Returns the widget, or ``None`` in batch runs."""
    if not runtime.interactive():
        show(value)
        return None
    import ipywidgets

    return ipywidgets.interact(lambda value: show(value),
                               value=ipywidgets.IntSlider(value, lo, hi, step, description=description))


def _png(frame: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.asarray(frame, dtype=np.uint8)).save(buf, format="png")
    return buf.getvalue()


def frame_scrubber(frames: np.ndarray, *, value: int = 0, width: int = 256, description: str = "frame") -> Any:
    """Step through uint8 ``frames [T, H, W, 3]`` with a slider (interactive), or show frame ``value``
    as a still image (batch runs; nothing outside a notebook). Returns the widget or ``None``."""
    if not runtime.in_notebook():
        return None
    from IPython.display import Image, display

    if not runtime.interactive():
        display(Image(data=_png(frames[value]), width=width))
        return None
    import ipywidgets

    image = ipywidgets.Image(value=_png(frames[value]), format="png", width=width)
    bar = ipywidgets.IntSlider(value=value, min=0, max=len(frames) - 1, description=description)
    bar.observe(lambda change: setattr(image, "value", _png(frames[change["new"]])), names="value")
    box = ipywidgets.VBox([bar, image])
    display(box)
    return box
