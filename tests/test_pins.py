"""requirements.txt installs on Linux and macOS: every Linux-only CUDA wheel pin carries a platform marker."""
from __future__ import annotations

import re
from pathlib import Path

from packaging.requirements import Requirement

from avscene.course import pins

LINUX = {"sys_platform": "linux", "platform_system": "Linux"}
MAC = {"sys_platform": "darwin", "platform_system": "Darwin"}


def _requirements(repo: Path) -> list[Requirement]:
    lines = (repo / "requirements.txt").read_text().splitlines()
    return [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]


def test_every_cuda_pin_is_linux_only(repo: Path) -> None:
    reqs = _requirements(repo)
    cuda = [r for r in reqs if re.match(r"(nvidia|cuda)[-_]|triton$", r.name.lower())]
    assert cuda, "expected torch's CUDA wheels in the Linux freeze"
    for r in cuda:
        assert r.marker is not None and str(r.marker) == pins.LINUX_MARKER, f"{r} needs ; {pins.LINUX_MARKER}"
        assert r.marker.evaluate(LINUX) and not r.marker.evaluate(MAC)


def test_everything_else_is_pinned_for_every_platform(repo: Path) -> None:
    for r in _requirements(repo):
        assert len(r.specifier) == 1 and next(iter(r.specifier)).operator == "==", f"{r} is not an exact pin"
        if not pins.linux_only(str(r)):
            assert r.marker is None, f"{r}: only the CUDA wheels are platform-specific"
    names = {r.name.lower() for r in _requirements(repo) if r.marker is None or r.marker.evaluate(MAC)}
    assert {"torch", "torchaudio", "torchvision", "av", "numpy"} <= names


def test_mark_is_idempotent_and_leaves_the_rest() -> None:
    lines = ["# header", "", "nvidia-cublas==13.1.1.3", "Triton==3.8.0", "cuda_bindings==13.5.0",
             "torch==2.14.1", "nvidia-nccl-cu13==2.30.7 ; sys_platform == \"linux\"", "-e ."]
    once = pins.mark(lines)
    assert once == ["# header", "", 'nvidia-cublas==13.1.1.3 ; sys_platform == "linux"',
                    'Triton==3.8.0 ; sys_platform == "linux"', 'cuda_bindings==13.5.0 ; sys_platform == "linux"',
                    "torch==2.14.1", 'nvidia-nccl-cu13==2.30.7 ; sys_platform == "linux"', "-e ."]
    assert pins.mark(once) == once


def test_make_freeze_keeps_the_markers(repo: Path) -> None:
    makefile = (repo / "Makefile").read_text()
    recipe = makefile[makefile.index("\nfreeze:"):].split("\n\n")[0]
    assert "pip freeze" in recipe and "-m avscene.course.pins" in recipe
    assert recipe.index("pip freeze") < recipe.index("avscene.course.pins") < recipe.index("requirements")
