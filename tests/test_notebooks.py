"""The notebooks in notebooks/ run top to bottom in a fresh kernel, in a project with only the
embedded data, and are committed without outputs."""

from __future__ import annotations

import re
import shutil

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import EMBEDDED, PROJECT_ROOT

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))


def test_there_is_a_notebook_to_open_first():
    assert [p.name for p in NOTEBOOKS] == ["atomdl_first_look.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, make_project):
    project = make_project({"matbench_expt_gap.csv": EMBEDDED / "matbench_expt_gap.csv"})
    (project / "notebooks").mkdir()
    shutil.copy(path, project / "notebooks")
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(project / "notebooks")}},
    )
    client.execute()  # raises CellExecutionError naming the cell that failed
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    text = "".join(o.get("text", "") for o in outputs) + "".join(
        str(o.get("data", {}).get("text/plain", "")) for o in outputs
    )
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # the rich console that kedro.ipython installs
    assert "(86, 16)" in text and "4604 materials" in text
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the figure was drawn
    assert "unknown element symbol 'Xx'" in text  # the bad formula says why
