"""Regenerate the README's screenshots of the pages, taken in headless Chromium:

    python docs/screenshots.py          # writes docs/backprop_page.png, training_film.png, tour.png

Needs the `test` extra (playwright, nbclient), Debian's `chromium` (or MICROGRADRELU_CHROMIUM) and,
for the tour, `pip install nbconvert`. Everything runs offline: the browser is refused any request
for something other than the local files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from playwright.sync_api import Page, Route, sync_playwright

from microgradrelu import Value, backprop_page

DOCS = Path(__file__).resolve().parent


def readme_neuron() -> Value:
    """README's ten lines: Z = -0.4, so the ReLU blocks."""
    x1, x2, x3 = Value(1.0, "X1"), Value(-2.0, "X2"), Value(0.5, "X3")
    w1, w2, w3 = Value(0.4, "W1"), Value(0.3, "W2"), Value(-0.6, "W3")
    b = Value(0.1, "b")
    z = Value.sum([x1 * w1, x2 * w2, x3 * w3, b])
    out = z.relu()
    z.label, out.label = "Z", "A"
    return out


def dead_neurons_film() -> str:
    """The film demos/dead_neurons.py writes, from a run of it on its first seed."""
    with tempfile.TemporaryDirectory() as folder:
        demo = DOCS.parent / "demos" / "dead_neurons.py"
        subprocess.run([sys.executable, str(demo), "--seeds", "1", "--jobs", "1", "--out", folder], check=True,
                       capture_output=True)  # fmt: skip
        return (Path(folder) / "dead_neurons_film.html").read_text(encoding="utf-8")


def executed_tour() -> str:
    """docs/tour.ipynb run in a fresh kernel, as nbconvert's HTML."""
    from nbconvert import HTMLExporter

    nb = nbformat.read(DOCS / "tour.ipynb", as_version=4)
    with tempfile.TemporaryDirectory() as folder:
        NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": folder}}).execute()
    return HTMLExporter().from_notebook_node(nb)[0]


def local_only(route: Route) -> None:
    url = route.request.url
    (route.continue_ if url.startswith(("file:", "data:", "about:")) else route.abort)()


def open_page(tab: Page, html: str, folder: Path, name: str) -> None:
    path = folder / name
    path.write_text(html, encoding="utf-8")
    tab.goto(path.as_uri())


def main() -> None:
    chromium = os.environ.get("MICROGRADRELU_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as driver:
        folder = Path(tmp)
        browser = driver.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--headless"])
        tab = browser.new_page(viewport={"width": 1180, "height": 1080})
        tab.route("**/*", local_only)

        open_page(tab, backprop_page(readme_neuron()).html, folder, "backprop.html")
        tab.click("#next")  # the blocked ReLU
        tab.screenshot(path=DOCS / "backprop_page.png")

        open_page(tab, dead_neurons_film(), folder, "film.html")
        tab.set_viewport_size({"width": 1400, "height": 900})
        tab.keyboard.press("End")
        tab.screenshot(path=DOCS / "training_film.png")

        open_page(tab, executed_tour(), folder, "tour.html")
        tab.set_viewport_size({"width": 1100, "height": 1000})
        top = tab.get_by_text("Watch the same backward pass").bounding_box()
        assert top is not None
        clip = {"x": 0, "y": top["y"] - 10, "width": 1100, "height": 1000}
        tab.screenshot(path=DOCS / "tour.png", full_page=True, clip=clip)  # the step-through page, inline
        browser.close()
    for name in ("backprop_page.png", "training_film.png", "tour.png"):
        print(f"wrote {DOCS / name}", file=sys.stderr)


if __name__ == "__main__":
    main()
