import datetime
from pathlib import Path

from bench.report import BenchmarkResult, Row, markdown
from bench.writeup import section, with_section, write_document, write_sections

_DOCUMENT = """# Benchmarks

Preamble.

## gateway: gateway throughput

| metric | ours |
|---|---:|

## soak: 30 minutes of the whole stack

Old soak figures.

## fanout: notifier fan-out

Fanout figures.
"""


def _result(name: str, figure: float) -> BenchmarkResult:
    return BenchmarkResult(name, f"{name} title", "none", rows=[Row("figure", figure, None, "")])


def _write_run(path: Path, results: list[BenchmarkResult], keep: tuple[str, ...]) -> None:
    write_document(
        path,
        results,
        failed=[],
        started=datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC),
        elapsed_s=60.0,
        quick=False,
        command="python -m bench",
        machine={"cores": "2"},
        versions={"Python": "3.11"},
        keep=keep,
    )


def test_a_section_runs_from_its_heading_to_the_next() -> None:
    assert section(_DOCUMENT, "soak") == (
        "## soak: 30 minutes of the whole stack\n\nOld soak figures.\n\n"
    )
    assert section(_DOCUMENT, "fanout") == "## fanout: notifier fan-out\n\nFanout figures.\n"
    assert section(_DOCUMENT, "e2e") is None


def test_replacing_a_section_leaves_every_other_byte() -> None:
    replaced = with_section(_DOCUMENT, "soak", "## soak: again\n\nNew soak figures.\n")
    assert replaced == _DOCUMENT.replace(
        "## soak: 30 minutes of the whole stack\n\nOld soak figures.\n",
        "## soak: again\n\nNew soak figures.\n",
    )


def test_a_missing_section_is_appended() -> None:
    document = "# Benchmarks\n\n## gateway: x\n\nFigures.\n"
    assert with_section(document, "soak", "## soak: y\n\nSoak.\n") == (
        "# Benchmarks\n\n## gateway: x\n\nFigures.\n\n## soak: y\n\nSoak.\n"
    )


def test_replacing_with_the_same_section_changes_nothing() -> None:
    soak = section(_DOCUMENT, "soak")
    assert soak is not None
    assert with_section(_DOCUMENT, "soak", soak) == _DOCUMENT


def test_a_run_of_only_the_soak_rewrites_its_section_alone(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    path.write_text(_DOCUMENT)
    soak = _result("soak", 7.0)
    write_sections(path, [soak])
    written = path.read_text()
    old_soak = section(_DOCUMENT, "soak")
    assert old_soak is not None
    assert section(written, "soak") == markdown(soak)
    assert written.replace(markdown(soak), "") == _DOCUMENT.replace(old_soak, "")


def test_a_run_without_the_soak_carries_its_section_over(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    path.write_text(_DOCUMENT)
    _write_run(path, [_result("gateway", 1.0)], keep=("soak",))
    written = path.read_text()
    assert (
        section(written, "soak") == "## soak: 30 minutes of the whole stack\n\nOld soak figures.\n"
    )
    assert section(written, "gateway") == markdown(_result("gateway", 1.0))
    assert section(written, "fanout") is None


def test_a_run_with_the_soak_writes_the_new_section(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    path.write_text(_DOCUMENT)
    _write_run(path, [_result("gateway", 1.0), _result("soak", 2.0)], keep=("soak",))
    assert section(path.read_text(), "soak") == markdown(_result("soak", 2.0))


def test_a_first_run_has_no_soak_to_carry_over(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    _write_run(path, [_result("gateway", 1.0)], keep=("soak",))
    assert section(path.read_text(), "soak") is None
