"""Guards of the project's layout and tooling: what CI installs, how the layers import, how long a module is."""

from __future__ import annotations

import ast
import importlib.util
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.conftest import ROOT

#: A module longer than this must say why in its docstring.
MAX_MODULE_LINES = 600
LONG_MODULE_REASON = "longer than 600 lines because"

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$")


def _pins(lines: list[str], where: str) -> dict[str, str]:
    """``name==version`` lines as {normalised name: version}; anything else (not pinned exactly) fails."""
    pins: dict[str, str] = {}
    for line in lines:
        match = _PIN.match(line.strip())
        assert match, f"{where}: {line!r} is not pinned as name==version"
        name = re.sub(r"[-_.]+", "-", match[1]).lower()
        assert name not in pins, f"{where}: {name} appears twice"
        pins[name] = match[2]
    return pins


def test_no_pages_folder_beside_app_py():
    # Streamlit 1.67 treats a pages/ folder beside the main script as multipage-app pages and runs a
    # deep-linked page (/overview) on its own, without app.py's set-up. The pages live in app_pages/.
    assert (ROOT / "app.py").exists()
    assert not (ROOT / "pages").exists(), "rename pages/ (Streamlit would run its files without app.py)"


def test_requirements_txt_pins_the_same_packages_as_pyproject():
    # scripts/setup.sh (and so CI) installs requirements.txt: it must be pyproject's runtime
    # dependencies plus its test and dev groups, at the same versions.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    groups = project["dependency-groups"]
    declared = _pins(project["project"]["dependencies"] + groups["test"] + groups["dev"], "pyproject.toml")
    lines = [line.split("#", 1)[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    required = _pins([line for line in lines if line], "requirements.txt")
    assert required == declared


def _lint_imports() -> str:
    beside_python = Path(sys.executable).parent / "lint-imports"
    command = str(beside_python) if beside_python.exists() else shutil.which("lint-imports")
    assert command, "lint-imports is missing: scripts/setup.sh installs import-linter from requirements.txt"
    return command


def test_import_layers_hold():
    # The contracts are in pyproject.toml: analytics' layers, analytics free of streamlit/ui/app_pages,
    # ui free of app_pages.
    result = subprocess.run(
        [_lint_imports(), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _long_modules() -> list[str]:
    offenders = []
    for path in sorted((ROOT / "analytics").rglob("*.py")):
        text = path.read_text()
        lines = len(text.splitlines())
        if lines <= MAX_MODULE_LINES:
            continue
        docstring = ast.get_docstring(ast.parse(text)) or ""
        if LONG_MODULE_REASON not in " ".join(docstring.split()):
            offenders.append(f"{path.relative_to(ROOT)}: {lines} lines")
    return offenders


def test_no_analytics_module_is_longer_than_600_lines_without_a_reason():
    offenders = _long_modules()
    if offenders:
        print("Modules over 600 lines whose docstring does not say why:", *offenders, sep="\n  ")
    assert not offenders, (
        f"split these modules, or say in the module docstring that it is '{LONG_MODULE_REASON} ...': "
        + "; ".join(offenders)
    )


MAX_FUNCTION_LINES = 60
LONG_FUNCTION_REASON = "longer than 60 lines because"


def _long_functions() -> list[str]:
    """Functions of analytics/, ui/ and app_pages/ over MAX_FUNCTION_LINES (docstring included)
    whose docstring does not say why."""
    offenders = []
    for folder in ("analytics", "ui", "app_pages"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                docstring = " ".join((ast.get_docstring(node) or "").split())
                if length > MAX_FUNCTION_LINES and LONG_FUNCTION_REASON not in docstring:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {length} lines")
    return offenders


def test_no_function_is_longer_than_60_lines_without_a_reason():
    offenders = _long_functions()
    assert not offenders, (
        f"split these functions into named steps, or say in the docstring that it is '{LONG_FUNCTION_REASON} ...':"
        + "".join(f"\n  {o}" for o in offenders)
    )


def test_every_deferred_scientific_import_is_warmed_after_the_first_page():
    # The analyses import statsmodels and SciPy inside the function that needs them (the first page
    # does not wait for them); ui/shell.py imports them in the background after the first page.
    # A new deferred import left off that list would make its page's first visit slow again.
    from ui.shell import LATER_IMPORTS

    deferred = set()
    for path in (ROOT / "analytics").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and inner.module:
                        deferred.update((inner.module, alias.name) for alias in inner.names)
                    elif isinstance(inner, ast.Import):
                        deferred.update((alias.name, None) for alias in inner.names)
    scientific = set()
    for module, name in deferred:
        if module.split(".")[0] in ("statsmodels", "scipy"):
            # "from scipy import ndimage" imports the module scipy.ndimage
            submodule = f"{module}.{name}"
            scientific.add(submodule if name and importlib.util.find_spec(submodule) else module)
    assert scientific, "the test no longer sees the deferred imports"
    assert scientific <= set(LATER_IMPORTS), scientific - set(LATER_IMPORTS)
