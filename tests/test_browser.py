"""The pages in a real browser (headless Chromium, see the `page` fixture in conftest.py).

Every step of the backward pass is clicked through, and at each step every Value's `data-grad`
is read from the page and compared with the steps `backward_steps` computed, the node being
processed with the engine's own gradient, and, after the last step, every node with what
`backward()` gives. Also: the Previous button and the arrow keys, the grey of zero gradients,
that the page loads nothing but itself, inline display (two pages in one notebook output),
and the film's slider."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from test_pages import engine_grads, mlp_loss, readme_neuron, record_training, same

from microgradrelu import Value, backprop_page, training_film
from microgradrelu.engine import topological_order
from microgradrelu.pages import backward_steps

# [title, data-grad, has class zero-grad, its "grad ..." text] for every Value's group
READ_VALUES = """() => Array.from(document.querySelectorAll('#graph g.node'))
  .map(g => [g.querySelector(':scope > title').textContent, g])
  .filter(([name]) => /^v\\d+$/.test(name))
  .map(([name, g]) => [name, g.getAttribute('data-grad'), g.classList.contains('zero-grad'),
    Array.from(g.querySelectorAll('text')).map(t => t.textContent).find(t => t.startsWith('grad '))])"""


def shown(target: Any) -> dict[int, tuple[str, bool, str]]:
    return {int(name[1:]): (grad, zero, text) for name, grad, zero, text in target.evaluate(READ_VALUES)}


def expected_states(root: Value) -> list[list[float]]:
    """The gradients after each step, as backward_steps reports them (state 0: the start)."""
    start, steps, _ = backward_steps(root)
    states = [list(start)]
    for step in steps:
        state = list(states[-1])
        for u in step.updates:
            if u.passed:
                state[u.child] = u.after
        states.append(state)
    return states


def check_state(values: dict[int, tuple[str, bool, str]], expected: list[float]) -> None:
    assert sorted(values) == list(range(len(expected)))
    for i, g in enumerate(expected):
        grad, zero, text = values[i]
        assert same(float(grad), g), (i, grad, g)
        assert zero == (g == 0.0), (i, grad)
        assert text == f"grad {g:.4g}", (i, text)


def step_through(page: Any, root: Value, path: Path) -> list[dict[int, tuple[str, bool, str]]]:
    """Open the page and click Next through every step, checking each state; returns them."""
    order = topological_order(root)
    states = expected_states(root)
    _, steps, _ = backward_steps(root)
    engine = [v.grad for v in order]  # the caller ran backward() from zeroed leaves
    backprop_page(root).save(path)
    page.requests.clear()
    page.goto(path.as_uri())
    n = len(states) - 1
    seen = []
    for k in range(n + 1):
        if k:
            page.click("#next")
        assert page.inner_text("#step") == f"{k} / {n}"
        values = shown(page)
        check_state(values, states[k])
        if k:  # the node processed hands back exactly the gradient the engine leaves in it
            i = steps[k - 1].node
            assert same(float(values[i][0]), engine[i])
            assert page.locator("#graph g.node.mg-current, #graph g.node.mg-blocked").count() >= 1
        seen.append(values)
    assert page.is_disabled("#next") and not page.is_disabled("#prev")
    final = seen[-1]
    assert all(same(float(final[i][0]), engine[i]) for i in range(len(order)))  # what backward() gives
    assert page.requests == [path.as_uri()] and page.errors == []
    return seen


def test_readme_neuron_step_by_step_ends_with_the_engines_gradients(page: Any, tmp_path: Path) -> None:
    out, _ = readme_neuron()
    out.backward()
    seen = step_through(page, out, tmp_path / "neuron.html")
    assert len(seen) == 6
    page.goto((tmp_path / "neuron.html").as_uri())
    page.click("#next")  # the blocked ReLU
    explain = page.inner_text("#explain")
    assert "0 × upstream 1 = 0" in explain and "The gradient stops here" in explain
    assert page.locator("#graph g.node.mg-blocked").count() == 2  # the ReLU's output and its op
    # Previous walks back through exactly the same states
    page.keyboard.press("End")
    for k in range(4, -1, -1):
        page.click("#prev")
        assert page.inner_text("#step") == f"{k} / 5" and shown(page) == seen[k]
    assert page.is_disabled("#prev")


def test_leaky_neuron_and_an_mlp_step_by_step(page: Any, tmp_path: Path) -> None:
    leaky, leaves = readme_neuron("leaky")
    leaky.backward()
    seen = step_through(page, leaky, tmp_path / "leaky.html")
    x2, w2 = leaves[1], leaves[4]
    index = {v: i for i, v in enumerate(topological_order(leaky))}
    assert [float(seen[-1][index[v]][0]) for v in (x2, w2)] == [x2.grad, w2.grad] == [0.003, -0.02]
    loss = mlp_loss()
    loss.backward()
    step_through(page, loss, tmp_path / "mlp.html")


def test_arrow_keys_home_and_end(page: Any, tmp_path: Path) -> None:
    loss = mlp_loss()
    n = len(backward_steps(loss)[1])
    states = expected_states(loss)
    backprop_page(loss).save(tmp_path / "mlp.html")
    page.goto((tmp_path / "mlp.html").as_uri())
    for key, k in [("ArrowRight", 1), ("ArrowRight", 2), ("ArrowLeft", 1), ("End", n), ("ArrowRight", n)]:
        page.keyboard.press(key)
        assert page.inner_text("#step") == f"{k} / {n}"
        check_state(shown(page), states[k])
    page.keyboard.press("Home")
    assert page.inner_text("#step") == f"0 / {n}" and page.is_disabled("#prev")


def test_infinite_seed_stops_at_the_blocked_relu(page: Any, tmp_path: Path) -> None:
    z = Value(-1.0, "z")
    w = Value(2.0, "w")
    out = (z * w).relu()
    backprop_page(out, gradient=math.inf).save(tmp_path / "inf.html")
    page.goto((tmp_path / "inf.html").as_uri())
    page.keyboard.press("End")
    values = shown(page)
    assert [values[i][0] for i in range(4)] == ["0.0", "0.0", "0.0", "inf"]  # as the engine: no NaN passes


def test_accumulating_leaves_end_where_a_second_backward_leaves_them(page: Any, tmp_path: Path) -> None:
    out, leaves = readme_neuron("leaky")
    out.backward()  # the leaves now hold one pass; the page shows the next one, added on
    backprop_page(out, accumulate=True).save(tmp_path / "again.html")
    expected = engine_grads(out, zero_leaves=False)
    page.goto((tmp_path / "again.html").as_uri())
    page.keyboard.press("End")
    assert page.inner_text("#step") == "6 / 6" and "held before this pass" in page.inner_text("#explain")
    values = shown(page)
    assert all(same(float(values[i][0]), g) for i, g in enumerate(expected))
    w1 = topological_order(out).index(leaves[3])
    assert float(values[w1][0]) == 2 * 0.01  # grad(W1): two passes of 0.01


# the horizontal overflow of each Value's "grad ..." line beyond its box, in SVG units
OVERFLOW = """() => Array.from(document.querySelectorAll('#graph g.node[data-grad]')).map(g => {
  const box = g.querySelector('path, polygon').getBBox();
  const text = Array.from(g.querySelectorAll('text')).find(t => t.textContent.startsWith('grad ')).getBBox();
  return Math.max(box.x - text.x, text.x + text.width - box.x - box.width);
})"""


def test_a_number_wider_than_the_final_one_is_squeezed_into_its_box(page: Any, tmp_path: Path) -> None:
    a = Value(1.0, "a")
    out = Value.sum([a * 0.33333, a * 0.66667])  # grad(a) shows 0.3333 on the way to 1
    backprop_page(out).save(tmp_path / "wide.html")
    page.goto((tmp_path / "wide.html").as_uri())
    for k in range(len(backward_steps(out)[1]) + 1):
        assert max(page.evaluate(OVERFLOW)) <= 0.5, k
        page.keyboard.press("ArrowRight")


def test_two_pages_inline_in_one_notebook_output_keep_their_own_state(page: Any) -> None:
    """What Jupyter does with _repr_html_: both pages' HTML in one document. Each sits in its own
    iframe, so their ids (next, step, ...) and arrow keys do not collide."""
    neuron, _ = readme_neuron()
    loss = mlp_loss()
    n = len(backward_steps(loss)[1])
    page.set_content(f"<!DOCTYPE html><body>{backprop_page(neuron)._repr_html_()}{backprop_page(loss)._repr_html_()}")
    first, second = (f for f in page.frames if f is not page.main_frame)
    assert first.inner_text("#step") == "0 / 5" and second.inner_text("#step") == f"0 / {n}"
    first.click("#next")
    first.click("#next")
    second.click("#graph")
    page.keyboard.press("ArrowRight")
    assert first.inner_text("#step") == "2 / 5" and second.inner_text("#step") == f"1 / {n}"
    check_state(shown(first), expected_states(neuron)[2])
    check_state(shown(second), expected_states(loss)[1])
    assert page.requests == [] and page.errors == []


def test_the_film_plays_frame_by_frame(page: Any, tmp_path: Path) -> None:
    model, history, X = record_training("relu", steps=3)
    training_film({"ReLU": (model, history)}, X).save(tmp_path / "film.html")
    page.goto((tmp_path / "film.html").as_uri())

    def visible() -> list[str]:  # the frames actually drawn (not only those without `hidden`)
        sections = page.locator("section.frame")
        return [
            sections.nth(k).get_attribute("data-step") for k in range(sections.count()) if sections.nth(k).is_visible()
        ]

    assert visible() == ["0"] and page.inner_text("#step") == "1 / 4 · training step 0"
    page.click("#next")
    page.click("#next")
    assert visible() == ["2"]
    page.keyboard.press("ArrowLeft")
    assert visible() == ["1"]
    page.eval_on_selector("#frame", "el => { el.value = '3'; el.dispatchEvent(new Event('input')); }")
    assert visible() == ["3"] and page.is_disabled("#next")
    page.click("#play")  # from the last frame, Play starts over at the first
    assert visible() == ["0"] and page.inner_text("#play") == "❚❚ Pause"
    page.click("#play")
    assert page.inner_text("#play") == "▶ Play"
    assert page.requests == [(tmp_path / "film.html").as_uri()] and page.errors == []


@pytest.mark.parametrize("required", [False, True])
def test_a_missing_browser_is_a_skip_or_when_required_a_failure(
    monkeypatch: pytest.MonkeyPatch, required: bool
) -> None:
    from conftest import REQUIRE_BROWSER_ENV, launch_chromium

    if required:
        monkeypatch.setenv(REQUIRE_BROWSER_ENV, "1")
    else:
        monkeypatch.delenv(REQUIRE_BROWSER_ENV, raising=False)
    expected = pytest.fail.Exception if required else pytest.skip.Exception
    with pytest.raises(expected, match="no Chromium program"):
        launch_chromium("/nonexistent/chromium")
