"""Every notebook has the sections that shared/reference/course_style.md asks for (step 9).

Title and a one-paragraph question naming the paper and section; then, in this order, "Learning goals"
(3-5 bullets), "Prerequisites", "Run time" (a table computed from metrics.json, never typed), "Paper vs
here" (what is comparable and what not), "Exercises" (2-3, each with a collapsible answer) and "Summary".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import jupytext
import pytest

from avscene.course import pipeline

SOURCES = pipeline.sources()

REQUIRED = ("Learning goals", "Prerequisites", "Run time", "Paper vs here", "Exercises", "Summary")
PAPERS = re.compile(r"Owens\s*&\s*Efros|Arandjelovi[cć]\s*&\s*Zisserman|Objects that Sound|Rouditchenko|"
                    r"Sound of Pixels|Zhao et al")
SECTION_REF = re.compile(r"§\s*\d|\bSec(?:tion)?\.?\s*\d")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
BULLET = re.compile(r"^(?:[-*+]|\d+[.)])\s+\S")
ANSWER = re.compile(r"<details>\s*<summary>\s*Answer\s*</summary>(.*?)</details>", re.DOTALL | re.IGNORECASE)
CODE = "\x00code\x00"  # stands for a code cell in the flattened notebook


@dataclass
class Section:
    level: int
    title: str
    lines: list[str] = field(default_factory=list)  # markdown lines, and CODE + source for code cells

    @property
    def markdown(self) -> str:
        return "\n".join(line for line in self.lines if not line.startswith(CODE))

    @property
    def code(self) -> list[str]:
        return [line[len(CODE):] for line in self.lines if line.startswith(CODE)]


def _flatten(py: Path) -> list[tuple[int | None, str]]:
    """(heading level or None, text) per markdown line, and (None, CODE + source) per code cell; headings
    inside fenced code blocks are text."""
    items: list[tuple[int | None, str]] = []
    for cell in jupytext.read(py).cells:
        if cell.cell_type == "code":
            items.append((None, CODE + cell.source))
            continue
        fenced = False
        for line in cell.source.splitlines():
            if line.lstrip().startswith("```"):
                fenced = not fenced
            match = None if fenced else HEADING.match(line)
            items.append((len(match.group(1)), match.group(2)) if match else (None, line))
    return items


def _sections(items: list[tuple[int | None, str]]) -> list[Section]:
    """Every heading with what follows it up to the next heading of the same or a higher level."""
    found = []
    for i, (level, text) in enumerate(items):
        if level is None:
            continue
        section = Section(level, text)
        for other_level, other in items[i + 1:]:
            if other_level is not None and other_level <= level:
                break
            section.lines.append(other if other_level is None else "#" * other_level + " " + other)
        found.append(section)
    return found


def _find(sections: list[Section], name: str) -> tuple[int, Section] | None:
    pattern = re.compile(re.escape(name).replace("vs\\ ", r"vs\.?\ "), re.IGNORECASE)
    return next(((i, s) for i, s in enumerate(sections) if pattern.match(s.title)), None)


def problems(py: Path) -> list[str]:
    """What ``py`` lacks of the course style (empty: nothing)."""
    items = _flatten(py)
    sections = _sections(items)
    out = []
    title = next((s for s in sections if s.level == 1), None)
    if title is None or not re.match(r"\d\d\s*[·.:-]", title.title):
        out.append("no title `# NN · ...`")
    else:
        paragraph = []
        for line in title.lines:
            if line.startswith((CODE, "#")):
                break
            if not line.strip():
                if paragraph:
                    break
                continue
            paragraph.append(line)
        text = " ".join(paragraph)
        if not PAPERS.search(text):
            out.append("the paragraph under the title names no paper (e.g. Owens & Efros)")
        if not SECTION_REF.search(text):
            out.append("the paragraph under the title names no section of the paper (e.g. §4)")
        if "?" not in text and "?" not in title.title:
            out.append("neither the title nor the paragraph under it asks the paper's question")
    positions = []
    for name in REQUIRED:
        hit = _find(sections, name)
        if hit is None:
            out.append(f"no '{name}' heading")
            continue
        index, section = hit
        positions.append((index, name))
        body = section.markdown.strip()
        if name == "Learning goals":
            bullets = [line for line in section.markdown.splitlines() if BULLET.match(line)]
            if not 3 <= len(bullets) <= 5:
                out.append(f"'Learning goals' has {len(bullets)} bullets, not 3-5")
        elif name == "Run time":
            if not any("run_time_table(" in code for code in section.code):
                out.append("'Run time' has no cell computing its table (outputs.run_time_table), so it is typed")
        elif name == "Paper vs here":
            if "comparable" not in body.lower():
                out.append("'Paper vs here' does not say what is comparable and what not")
        elif name == "Exercises":
            answers = ANSWER.findall(section.markdown)
            if not 2 <= len(answers) <= 3:
                out.append(f"'Exercises' has {len(answers)} <details><summary>Answer</summary> blocks, not 2-3")
            if any(not re.sub(r"<[^>]+>", "", a).strip() for a in answers):
                out.append("an exercise's answer is empty")
        elif not body:
            out.append(f"'{name}' is empty")
    order = [name for _, name in sorted(positions)]
    if order != [name for name in REQUIRED if name in order]:
        out.append(f"sections out of order: {order}")
    return out


@pytest.mark.parametrize("py", SOURCES, ids=lambda p: p.stem)
def test_notebook_has_the_course_sections(py: Path) -> None:
    assert problems(py) == []


GOOD = '''# %% [markdown]
# # 05 · Does it recognize actions?
#
# Owens & Efros (§5) ask whether the features help action recognition. Do they?
#
# ## Learning goals
#
# - one
# - two,
#   continued
# - three
#
# ## Prerequisites
#
# Notebook 03.
#
# ## Run time

# %%
Markdown(outputs.run_time_table(out.notebook))

# %% [markdown]
# ## Paper vs here
#
# Comparable: the recipe. Not comparable: accuracies.
#
# ## The story
#
# ```python
# # not a heading
# ```

# %%
x = 1

# %% [markdown]
# ## Exercises
#
# ### 1
# <details><summary>Answer</summary>It rises.</details>
#
# ### 2
# <details>
# <summary>Answer</summary>
# It falls.
# </details>
#
# ## Summary
#
# Three sentences.
'''


def test_checker_accepts_the_course_shape(tmp_path: Path) -> None:
    py = tmp_path / "05_x.py"
    py.write_text(GOOD)
    assert problems(py) == []


@pytest.mark.parametrize(("change", "complaint"), [
    (("Owens & Efros (§5)", "The authors"), "names no paper"),
    (("(§5)", ""), "names no section"),
    (("# - three\n", ""), "2 bullets"),
    (("Markdown(outputs.run_time_table(out.notebook))", "print(3.2)"), "typed"),
    (("Comparable: the recipe. Not comparable: accuracies.", "Smaller."), "comparable"),
    (("# <details><summary>Answer</summary>It rises.</details>", "# It rises."), "1 <details>"),
    (("# ## Summary\n#\n# Three sentences.\n", ""), "no 'Summary'"),
    (("# ## Prerequisites\n#\n# Notebook 03.\n#\n", ""), "no 'Prerequisites'"),
])
def test_checker_names_what_is_missing(tmp_path: Path, change: tuple[str, str], complaint: str) -> None:
    assert change[0] in GOOD
    py = tmp_path / "05_x.py"
    py.write_text(GOOD.replace(*change))
    found = problems(py)
    assert any(complaint in p for p in found), found


def test_checker_sees_sections_out_of_order(tmp_path: Path) -> None:
    text = GOOD.replace("# ## Summary\n#\n# Three sentences.\n", "")
    text = text.replace("# ## Learning goals", "# ## Summary\n#\n# Three sentences.\n#\n# ## Learning goals")
    py = tmp_path / "05_x.py"
    py.write_text(text)
    assert any("out of order" in p for p in problems(py))
