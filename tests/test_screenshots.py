"""The README's pictures are made by a script that drives the real app: run it."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "docs" / "screenshots.py"

pytestmark = pytest.mark.browser


def test_the_screenshot_script_pictures_every_audience(tmp_path):
    spec = importlib.util.spec_from_file_location("screenshots", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    saved = script.take(tmp_path, schools=24, today=date.today())
    names = [path.name for path in saved]
    assert names == [f"{name}.png" for name, _, _ in script.PICTURES]
    # The README shows the same pictures, kept in the repository.
    kept = {path.name for path in (SCRIPT.parent / "screenshots").glob("*.png")}
    assert set(names) == kept
    for path in saved:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert path.stat().st_size > 20_000, path
