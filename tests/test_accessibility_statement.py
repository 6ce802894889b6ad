"""The accessibility statement is the same in the app (ui/accessibility.py) and in the README."""

from __future__ import annotations

import re

from tests.conftest import ROOT
from ui.accessibility import STATEMENT


def _words(text: str) -> str:
    return " ".join(re.sub(r"^#+ ", "", line.strip()) for line in text.splitlines() if line.strip())


def test_the_readme_carries_the_apps_statement_word_for_word():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Accessibility statement", 1)[1].split("\n## ", 1)[0]
    assert _words(STATEMENT) in _words(section)
    # What the regulations ask a statement to hold.
    for part in ("partially compliant", "Feedback and contact information", "Enforcement procedure", "Last tested on"):
        assert part in STATEMENT
