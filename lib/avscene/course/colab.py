"""Colab: which profile a session starts with, and where its runs can outlive the session.

The setup cell of every notebook installs avscene on Colab (from ``AVSCENE_REPO`` at ``AVSCENE_REF``, never
torch), then calls :func:`default_profile`, which prints one line saying what it picked; the ``parameters``
cell right below holds the plain assignment ``PROFILE = DEFAULT_PROFILE`` that papermill overrides.

- ``$AVSCENE_PROFILE`` when set (``make figures``, ``make test`` and nbval set it), everywhere;
- else on Colab: ``colab`` on a GPU runtime, ``cpu`` on a CPU runtime (switch the runtime to a T4 GPU
  *before* running anything: the switch resets the machine and throws the install away);
- else ``cpu``.

Runs go to ``$AVSCENE_RUNS/<profile>`` (:data:`avscene.course.hub.RUNS_ENV_VAR`), else next to the figures:
``/content/runs/<profile>`` on Colab, which disappears with the session. :func:`runs_on_drive` mounts
Google Drive and points ``AVSCENE_RUNS`` there (notebook 00, "On Colab").
"""
from __future__ import annotations

import os
from pathlib import Path

from .. import config, runtime

GPU_PROFILE, CPU_PROFILE = "colab", "cpu"
DRIVE_MOUNT = Path("/content/drive")
DRIVE_RUNS = DRIVE_MOUNT / "MyDrive" / "avscene" / "runs"
SWITCH_HINT = "Runtime > Change runtime type > T4 GPU"


def has_gpu() -> bool:
    """True when torch sees a CUDA device (imports torch only when asked)."""
    import torch

    return bool(torch.cuda.is_available())


def pick_profile(*, env: str | None, colab: bool, gpu: bool) -> tuple[str, str]:
    """``(profile, why)`` from the facts :func:`default_profile` gathers (pure: tested without Colab)."""
    if env:
        config.get(env)  # an unknown name fails here, with the list of profiles
        return env, f"from ${config.ENV_VAR}"
    if colab and gpu:
        return GPU_PROFILE, "Colab with a GPU runtime"
    if colab:
        return CPU_PROFILE, (f"Colab without a GPU: for the '{GPU_PROFILE}' profile choose {SWITCH_HINT} and "
                             "run the notebook from the top; the switch resets the machine")
    return CPU_PROFILE, f"not on Colab; set ${config.ENV_VAR}, or PROFILE below, to choose another"


def default_profile(announce: bool = True) -> str:
    """The profile a notebook starts with (see the module docstring); ``announce`` prints one line why."""
    colab = runtime.in_colab()
    profile, why = pick_profile(env=os.environ.get(config.ENV_VAR), colab=colab, gpu=colab and has_gpu())
    if announce:
        print(f"default profile: {profile!r} ({why})")
    return profile


def runs_on_drive(folder: str | os.PathLike[str] = DRIVE_RUNS) -> Path:
    """On Colab: mount Google Drive (it asks for permission) and keep runs in ``folder`` on it, so trained
    networks survive the session: sets ``$AVSCENE_RUNS`` for this kernel. Elsewhere: raises."""
    from .hub import RUNS_ENV_VAR

    if not runtime.in_colab():
        raise RuntimeError("runs_on_drive() mounts Google Drive and works on Colab only; "
                           f"elsewhere set ${RUNS_ENV_VAR} to any folder")
    from google.colab import drive  # type: ignore[import-not-found]

    drive.mount(str(DRIVE_MOUNT))
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    os.environ[RUNS_ENV_VAR] = str(path)
    print(f"runs go to {path}/<profile>/ (${RUNS_ENV_VAR}); they stay on your Drive after the session ends")
    return path
