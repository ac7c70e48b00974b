"""Every third-party module that the code imports is declared in pyproject.toml.

An import that works only because some other package happens to pull its distribution in breaks
on the day that package drops it; this scan catches it on the day it is written.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import PROJECT_ROOT

PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]


def _declared(*extras: str) -> set[str]:
    specs = PYPROJECT["dependencies"] + [
        r for e in extras for r in PYPROJECT["optional-dependencies"][e]
    ]
    return {canonicalize_name(Requirement(spec).name) for spec in specs}


def imported_modules(folder: Path) -> dict[str, str]:
    """Top-level third-party module -> the first file importing it (top level or in a function)."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".", 1)[0]
                if top not in sys.stdlib_module_names and top not in ("atomdl", "__future__"):
                    found.setdefault(top, str(path.relative_to(folder)))
    return found


def undeclared(folder: Path, declared: set[str]) -> list[str]:
    distributions = packages_distributions()
    problems = []
    for module, where in sorted(imported_modules(folder).items()):
        names = {canonicalize_name(d) for d in distributions.get(module, [])}
        if not names:
            if canonicalize_name(module) not in declared:  # an extra not installed here is fine
                problems.append(f"{module} (imported in {where}) is not installed")
        elif not names & declared:
            problems.append(
                f"{module} (imported in {where}) comes from {sorted(names)}, undeclared"
            )
    return problems


@pytest.mark.parametrize(
    ("folder", "extras"),
    # src may import an optional extra lazily, where that extra is what the user asked for
    [("src/atomdl", ("dask",)), ("benchmarks", ("bench", "dev")), ("scripts", ("docs",))],
)
def test_every_import_is_declared(folder, extras):
    assert undeclared(PROJECT_ROOT / folder, _declared(*extras)) == []


def test_the_scan_reports_undeclared_and_missing_imports_inside_functions(tmp_path):
    (tmp_path / "m.py").write_text(
        "import os\nimport pandas\n\ndef f():\n    from yaml import safe_load\n"
        "    import not_a_real_module_xyz\n"
    )
    assert undeclared(tmp_path, {"pandas"}) == [
        "not_a_real_module_xyz (imported in m.py) is not installed",
        "yaml (imported in m.py) comes from ['pyyaml'], undeclared",
    ]
    # declared (say, in an extra that this environment did not install): not a problem
    assert undeclared(tmp_path, {"pandas", "pyyaml", "not-a-real-module-xyz"}) == []
