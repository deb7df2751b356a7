"""Headless Chromium (Debian's `chromium`), as a person's browser opens a file: the DOM after the page's
script ran, and a screenshot."""

import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed: run `make system-packages` as root"
)
# The tests run as root in CI and the lab: Chromium's sandbox refuses root. No GPU in a container.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--virtual-time-budget=5000")
TIMEOUT = 60


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    result = subprocess.run([CHROMIUM, *FLAGS, *args], capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert result.returncode == 0, f"chromium {' '.join(args)} failed:\n{result.stderr[-2000:]}"
    return result


def dom_after_script(page: Path, fragment: str = "") -> str:
    """The page's DOM once its script ran (opened at `page#fragment`)."""
    return _chromium("--dump-dom", page.resolve().as_uri() + (f"#{fragment}" if fragment else "")).stdout


def screenshot(page: Path, target: Path, fragment: str = "", size: str = "1400,1800") -> Path:
    url = page.resolve().as_uri() + (f"#{fragment}" if fragment else "")
    _chromium(f"--screenshot={target}", f"--window-size={size}", url)
    assert target.is_file() and target.stat().st_size > 10_000, f"no screenshot of {page} at {target}"
    return target
