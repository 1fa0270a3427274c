"""Widgets only where a person drives the session; batch runs get the static default view (step 8)."""
from __future__ import annotations

import sys
from pathlib import Path

import jupytext
import numpy as np
import pytest

from avscene import runtime
from avscene.course import pipeline, widgets

NOTEBOOKS = pipeline.sources()


class _Shell:
    config = {"IPKernelApp": {}}


@pytest.fixture
def kernel(monkeypatch):
    """Pretend to run inside a Jupyter kernel with no frontend hints."""
    import IPython

    monkeypatch.setattr(IPython, "get_ipython", lambda: _Shell())
    for var in ("JPY_SESSION_NAME", "VSCODE_PID", runtime.BATCH_ENV_VAR, runtime.INTERACTIVE_ENV_VAR):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    return monkeypatch


def test_interactive_needs_a_known_frontend_and_no_batch_flag(kernel) -> None:
    assert runtime.in_notebook() and not runtime.interactive()  # papermill / nbval: a bare kernel
    kernel.setenv("JPY_SESSION_NAME", "/home/me/04_cam_localization.ipynb")
    assert runtime.interactive()
    kernel.setenv(runtime.BATCH_ENV_VAR, "1")
    assert not runtime.interactive()  # make figures / make test
    kernel.delenv("JPY_SESSION_NAME")
    kernel.delenv(runtime.BATCH_ENV_VAR)
    kernel.setenv(runtime.INTERACTIVE_ENV_VAR, "1")
    assert runtime.interactive()


def test_batch_path_shows_the_default_once_and_builds_no_widget(kernel) -> None:
    import ipywidgets

    kernel.setattr(ipywidgets, "interact", lambda *a, **k: pytest.fail("a widget was built in a batch run"))
    kernel.setattr(ipywidgets, "IntSlider", lambda *a, **k: pytest.fail("a widget was built in a batch run"))
    shown: list[int] = []
    assert widgets.slider(shown.append, value=3, lo=-5, hi=5, description="shift") is None
    assert shown == [3]
    shown_images = []
    import IPython.display

    kernel.setattr(IPython.display, "display", lambda obj: shown_images.append(obj))
    frames = np.zeros((4, 8, 8, 3), np.uint8)
    frames[2] = 255
    assert widgets.frame_scrubber(frames, value=2) is None
    (image,) = shown_images
    assert isinstance(image, IPython.display.Image) and image.data[:8] == b"\x89PNG\r\n\x1a\n"


def test_interactive_path_builds_the_widgets(kernel) -> None:
    kernel.setenv(runtime.INTERACTIVE_ENV_VAR, "1")
    import IPython.display

    kernel.setattr(IPython.display, "display", lambda obj: None)
    shown: list[int] = []
    w = widgets.slider(shown.append, value=1, lo=0, hi=4, description="x")
    assert w is not None and shown == [1]
    box = widgets.frame_scrubber(np.zeros((4, 8, 8, 3), np.uint8))
    bar, image = box.children
    bar.value = 3  # moving the slider swaps the picture
    assert image.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_outside_a_kernel_nothing_is_displayed() -> None:
    shown: list[int] = []
    assert widgets.slider(shown.append, value=0, lo=0, hi=1, description="x") is None and shown == [0]
    assert widgets.frame_scrubber(np.zeros((2, 4, 4, 3), np.uint8)) is None


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_build_widgets_only_through_the_batch_safe_helpers(py: Path) -> None:
    """Every widget cell goes through avscene.course.widgets, whose batch path nbval executes."""
    for cell in jupytext.read(py).cells:
        if cell.cell_type == "code":
            assert "ipywidgets" not in cell.source and "interact(" not in cell.source, cell.source[:200]
