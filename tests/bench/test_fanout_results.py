"""The fan-out benchmark's verdicts against the CometD Java server, and its lost-session
findings, from measured figures."""

from pathlib import Path

from bench.fanout_bench import (
    Fanout,
    add_faye,
    cometd_java_reference,
    compare_with_cometd_java,
    lost_session_findings,
)
from bench.latency import Percentiles
from bench.report import BenchmarkResult

_REFERENCE = cometd_java_reference(Path("/nowhere"))


def _fanout(
    *,
    rate: float,
    p99_ms: float,
    delivered: int = 100,
    lost: int = 0,
    bytes_per_session: float = 1024.0,
) -> Fanout:
    return Fanout(
        sessions=10,
        publications=10,
        delivered=delivered,
        accepted=100,
        lost_sessions=lost,
        losses=f"{lost} sessions lost: {lost} HttpError (gone)" if lost else "no session lost",
        rate=rate,
        seconds=1.0,
        latency=Percentiles(delivered, 1.0, p99_ms, p99_ms, p99_ms),
        bytes_per_session=bytes_per_session,
        server_cpu_s=1.0,
        client_cpu_s=1.0,
        machine_cpu_s=2.0,
    )


def _verdicts(ours: Fanout, cometd: Fanout) -> dict[str, bool]:
    result = BenchmarkResult("fanout", "t", "b")
    compare_with_cometd_java(result, "websocket", ours, cometd, reference=_REFERENCE)
    return {target.goal: target.met for target in result.targets}


def test_four_fifths_of_the_rate_and_an_equal_p99_meet_both_targets() -> None:
    assert _verdicts(_fanout(rate=800, p99_ms=50), _fanout(rate=1000, p99_ms=50)) == {
        "websocket: delivered messages/s >= 0.8x CometD Java's": True,
        "websocket: p99 no worse than CometD Java's": True,
    }


def test_below_four_fifths_or_a_worse_p99_miss() -> None:
    assert _verdicts(_fanout(rate=799, p99_ms=51), _fanout(rate=1000, p99_ms=50)) == {
        "websocket: delivered messages/s >= 0.8x CometD Java's": False,
        "websocket: p99 no worse than CometD Java's": False,
    }


def test_a_run_that_lost_sessions_is_a_finding_with_its_figures() -> None:
    findings = lost_session_findings(
        "long-polling",
        ours=_fanout(rate=1, p99_ms=1),
        Faye=_fanout(rate=1, p99_ms=1, delivered=90, lost=1),
    )

    assert findings == [
        "Finding (long-polling, Faye): 1 sessions lost: 1 HttpError (gone); delivered 90 of "
        "100 accepted (90.0 %), and the run went on."
    ]


def _memory_verdict(ours_bytes: float, faye_bytes: float) -> tuple[bool, str]:
    result = BenchmarkResult("fanout", "t", "b")
    add_faye(
        result,
        "websocket",
        _fanout(rate=1, p99_ms=1, bytes_per_session=ours_bytes),
        _fanout(rate=1, p99_ms=1, bytes_per_session=faye_bytes),
    )
    (target,) = [t for t in result.targets if "memory" in t.goal]
    assert target.goal == "websocket: memory per session <= 1.0x Faye's"
    return target.met, target.verdict


def test_memory_per_session_at_most_faye_s_meets_its_target() -> None:
    assert _memory_verdict(10 * 1024, 10 * 1024) == (
        True,
        "10.0 KiB per session against Faye's 10.0 KiB (1.00x)",
    )


def test_memory_per_session_above_faye_s_misses_and_says_where_it_is_measured() -> None:
    met, verdict = _memory_verdict(16 * 1024, 10 * 1024)
    assert not met
    assert verdict.startswith("16.0 KiB per session against Faye's 10.0 KiB (1.60x); ")
    assert "python -m bench.probes.session_memory" in verdict
