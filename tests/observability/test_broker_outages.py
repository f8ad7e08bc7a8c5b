"""aiokafka's retry lines during a broker outage: once per broker and outage, as warnings."""

import logging

from observability.broker_outages import QUIET_S, OncePerOutage


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def unreachable(node: int) -> logging.LogRecord:
    return logging.LogRecord(
        "aiokafka", logging.ERROR, __file__, 1, "Unable connect to node with id %s: %s",
        (node, "connection refused"), None,
    )  # fmt: skip


def test_an_outage_is_one_warning_per_broker_and_the_next_outage_another() -> None:
    clock = Clock()
    once = OncePerOutage(clock)
    passed = []
    for _ in range(400):  # 40 s of retries every 100 ms, to two brokers
        clock.now += 0.1
        passed += [r for r in (unreachable(2), unreachable(3)) if once.filter(r)]
    assert [(r.args[0], r.levelname) for r in passed] == [(2, "WARNING"), (3, "WARNING")]  # type: ignore[index]
    clock.now += QUIET_S + 1  # back, then away again
    again = unreachable(2)
    assert once.filter(again)
    assert again.repeats_dropped == 399  # type: ignore[attr-defined]


def test_each_address_is_a_broker_of_its_own() -> None:
    once = OncePerOutage(Clock())
    template = 'Unable connect to "%s:%s": %s'
    passed = [
        once.filter(logging.LogRecord("aiokafka", logging.ERROR, __file__, 1, template, a, None))
        for a in [("127.0.0.1", 19092, "refused"), ("127.0.0.1", 19093, "refused")] * 3
    ]
    assert passed == [True, True, False, False, False, False]


def test_other_records_pass_untouched() -> None:
    once = OncePerOutage(Clock())
    ours = logging.LogRecord("gateway", logging.ERROR, __file__, 1, "x %s", (1,), None)
    info = logging.LogRecord("aiokafka", logging.INFO, __file__, 1, "y %s", (1,), None)
    assert all(once.filter(r) for r in (ours, ours, info, info))
    assert ours.levelname == "ERROR"
