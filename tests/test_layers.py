"""The library's shape: one package per paper section above shared parts, and no module importing one
above it (step 8). Checked on the source, import by import."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import avscene

ROOT = Path(avscene.__file__).parent
#: bottom to top; a module imports its own part or lower layers only (a section: only earlier sections)
LAYERS = [
    {"config", "runtime", "sampling", "sync_baseline"},  # leaves
    {"io"},  # media I/O
    {"synthetic"},  # the synthetic world (writes its videos through io)
    {"datasets"},  # scans of real videos and the video sources, real or synthetic
    {"models"},
    {"train"},
    {"course"},
    {"shift"},  # §3, notebooks 01-03
    {"localization"},  # §4, notebook 04
    {"action"},  # §5, notebook 05
    {"separation"},  # §6, notebook 06
    {"ots"},  # Objects that Sound, notebook 07
    {"coseg"},  # Sound of Pixels and co-segmentation, notebook 08
    {"convert"},  # the authors' released checkpoints, notebook 09
    {"demo"},  # any real clip through the original or our models, notebook 09
    {"bench", "seeds"},  # measurements across sections
]
LEVEL = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def _part(module: Path) -> str:
    rel = module.relative_to(ROOT)
    return rel.parts[0].removesuffix(".py")


def _imports(module: Path) -> set[str]:
    """The top-level avscene parts ``module`` imports (absolute or relative, at any depth in the file)."""
    tree = ast.parse(module.read_text(), str(module))
    package = module.relative_to(ROOT).parent.parts
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = list(package[:len(package) - (node.level - 1)]) if node.level > 1 else list(package)
                target = base + (node.module.split(".") if node.module else [])
                names = [".".join(["avscene", *target, a.name]) if not target else "avscene." + ".".join(target)
                         for a in node.names]
            else:
                names = [node.module or ""]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "avscene" and len(parts) > 1 and parts[1] in LEVEL:
                found.add(parts[1])
    return found


MODULES = sorted(p for p in ROOT.rglob("*.py") if _part(p) in LEVEL)


def test_every_part_has_a_layer() -> None:
    parts = {p.name.removesuffix(".py") for p in ROOT.iterdir() if not p.name.startswith("_")
             and (p.is_dir() or p.suffix == ".py") and p.name != "__pycache__"}
    assert parts == set(LEVEL), parts ^ set(LEVEL)


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_imports_one_above_it(module: Path) -> None:
    mine = _part(module)
    above = sorted(p for p in _imports(module) - {mine} if LEVEL[p] >= LEVEL[mine])
    assert not above, f"{module.relative_to(ROOT)} (layer {LEVEL[mine]}) imports {above} from its layer or above"


def test_the_training_package_knows_no_task() -> None:
    for module in (ROOT / "train").rglob("*.py"):
        assert not _imports(module) & {"shift", "localization", "course"}, module


def test_imports_are_read_relative_and_absolute() -> None:
    """The checker sees what a module really imports (so the layer test can fail)."""
    assert {"course", "train", "models", "datasets", "runtime", "config"} <= _imports(ROOT / "shift" / "pretraining.py")
    assert "shift" in _imports(ROOT / "localization" / "cam_model.py")
    assert _imports(ROOT / "config.py") == set()  # a leaf
