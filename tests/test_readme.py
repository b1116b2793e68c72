"""README's Python examples run as printed, and print what their comments say they print."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
# `print(...)  # 0.0 0.0 0.0 0.0  -- comment`: the numbers before "--" are the promised output
PROMISE = re.compile(r"^print\(.*\)\s+#\s+(.+?)\s+--")


def test_readme_has_examples() -> None:
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(
    index: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    if re.search(r"^import torch$", BLOCKS[index], re.M):  # PyTorch is optional: its policy in conftest.py
        request.getfixturevalue("torch")
    monkeypatch.chdir(tmp_path)  # the examples write pictures and a model file
    exec(compile(BLOCKS[index], f"README block {index}", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    promised = [m.group(1) for line in BLOCKS[index].splitlines() if (m := PROMISE.match(line))]
    assert printed[: len(promised)] == promised
