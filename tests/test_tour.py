"""docs/tour.ipynb runs, top to bottom, in a fresh kernel of this Python, and shows what it says.

The notebook is stored without outputs (nothing stale to show); this test executes it with
nbclient and checks each section's picture and the numbers it prints."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

TOUR = Path(__file__).resolve().parent.parent / "docs" / "tour.ipynb"

SECTIONS = [
    "1. A neuron computes Z = X1·W1 + X2·W2 + X3·W3 + b",
    "2. ReLU: range [0, ∞), derivative 1 or 0",
    "3. A dead neuron: Z ≤ 0, and no gradient reaches the weights",
    "4. Leaky ReLU keeps a gradient flowing",
    "5. Without an activation, a network is a linear model",
    "6. Dead units in a trained network",
    "7. ReLU against sigmoid and tanh",
]


def test_the_tour_is_stored_clean_and_follows_the_article() -> None:
    nb = nbformat.read(TOUR, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    headings = [line[3:] for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()]
    assert [h for h in headings if h[:1].isdigit()] == SECTIONS


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> list[nbformat.NotebookNode]:
    """The tour's code cells after running it, plus one last cell naming the kernel's Python."""
    nb = nbformat.read(TOUR, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable)"))
    folder = tmp_path_factory.mktemp("tour")  # anything the notebook wrote would land here
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    assert list(folder.iterdir()) == []
    return [c for c in nb.cells if c.cell_type == "code"]


def text(cell: nbformat.NotebookNode) -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream")


def kinds(cell: nbformat.NotebookNode) -> list[str]:
    """What each output shows: its richest MIME type."""
    order = ["text/html", "image/svg+xml", "image/png", "text/plain"]
    return [next(k for k in order if k in o.get("data", {})) for o in cell.outputs if o.output_type != "stream"]


def data(cell: nbformat.NotebookNode, mime: str) -> str:
    return next(o.data[mime] for o in cell.outputs if mime in o.get("data", {}))


def test_the_tour_runs_in_this_python_and_every_section_shows_its_picture(executed: list) -> None:
    neuron, relu, dead, page, leaky, linear, trained, film, _, python = executed
    assert text(python).strip() == sys.executable
    assert all(o.output_type != "error" for c in executed for o in c.outputs)
    assert [kinds(c) for c in executed[:-1]] == [
        ["image/svg+xml"],  # the neuron's graph
        ["image/png"],  # ReLU and its derivative
        ["image/svg+xml"],  # the dead neuron's graph, its ReLU blocked
        ["text/html"],  # the step-through page
        ["image/svg+xml"],
        ["image/png"],  # XOR, linear vs ReLU
        ["image/svg+xml"],  # the trained ReLU network
        ["text/html"],  # the film
        ["image/png"],  # derivatives and gradient vs depth
    ]
    assert "Z = 1.40 > 0, A = 1.40, ∂A/∂W = [1.0, -2.0, 0.5]" in text(neuron)
    assert "derivative at z = 0: 0.0" in text(relu)
    assert "∂A/∂W = [0.0, 0.0, 0.0]" in text(dead)
    assert "node blocked" in data(dead, "image/svg+xml")
    assert "<iframe srcdoc=" in data(page, "text/html")
    assert "∂A/∂W = [0.01, -0.02, 0.005]" in text(leaky)
    gap = float(re.search(r"largest difference (\S+)", text(linear)).group(1))
    assert gap < 1e-12
    relu_rows, leaky_rows = text(trained).split("Leaky ReLU")
    assert int(relu_rows.strip().splitlines()[-1].split()[1]) > 0  # dead ReLU units in layer 0 at the last step
    assert all(line.split()[1:3] == ["0", "0"] for line in leaky_rows.strip().splitlines()[1:])  # none dead
    assert data(film, "text/html").count("&lt;section class=&quot;frame&quot; data-step=") == 5
