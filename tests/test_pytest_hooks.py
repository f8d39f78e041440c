"""The project-wide hooks in the root conftest.py: opt-in markers and catalogue compiling."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import conftest

ROOT = Path(__file__).resolve().parent.parent

PO = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Fund"
msgstr "基金"
"""


def test_stale_catalogues_are_compiled_and_fresh_ones_left_alone(tmp_path):
    po = tmp_path / "fund/locale/zh_Hans/LC_MESSAGES/django.po"
    ignored = tmp_path / ".venv/lib/x/locale/zh_Hans/LC_MESSAGES/django.po"
    for path in (po, ignored):
        path.parent.mkdir(parents=True)
        path.write_text(PO, encoding="utf-8")

    first = conftest.catalogues_compile(tmp_path)
    second = conftest.catalogues_compile(tmp_path)

    assert first == [po.with_suffix(".mo")]
    assert "基金".encode() in po.with_suffix(".mo").read_bytes()
    assert second == []
    assert not ignored.with_suffix(".mo").exists()


def test_a_broken_catalogue_stops_the_run_with_msgfmt_s_reason(tmp_path):
    po = tmp_path / "locale/zh_Hans/LC_MESSAGES/django.po"
    po.parent.mkdir(parents=True)
    po.write_text(PO + PO.split("\n\n")[1], encoding="utf-8")  # "Fund" defined twice

    with pytest.raises(pytest.UsageError, match="duplicate message definition"):
        conftest.catalogues_compile(tmp_path)

    assert not po.with_suffix(".mo").exists()


def test_opt_in_tests_are_skipped_without_their_switch():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIFTFUND_", "PYTEST_"))}

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-rs", "-p", "no:xdist", "tests/e2e", "tests/worker"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout
    assert "set LIFTFUND_BROWSER_TESTS=1" in result.stdout
    assert "set LIFTFUND_WORKER_TESTS=1" in result.stdout
    assert " passed" not in result.stdout.splitlines()[-1]
