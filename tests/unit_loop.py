"""`make unit` (`pytest --unit`): the suite without a broker, the stack, root or long drills.

It deselects the tests marked `kafka` (tests/conftest.py marks every test that uses a broker
fixture), `slow`, `bench` and `tools`, and it holds each test left to a CPU budget (its own
process's and the children it waited for): a test that starts a broker, a stack or a long
computation without its marker fails the run, naming itself, instead of silently slowing the
loop."""

import resource

import pytest

UNIT_DESELECTS = ("kafka", "slow", "bench", "tools")
TEST_CPU_BUDGET_S = 5.0
_SPENT = pytest.StashKey[dict[str, float]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--unit",
        action="store_true",
        help="the fast loop: no test marked " + ", ".join(UNIT_DESELECTS) + "; each test "
        f"within {TEST_CPU_BUDGET_S:.0f} s of CPU",
    )


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("--unit"):
        return
    config.stash[_SPENT] = {}
    unit = " and ".join(f"not {marker}" for marker in UNIT_DESELECTS)
    chosen = config.option.markexpr
    config.option.markexpr = f"({chosen}) and {unit}" if chosen else unit


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> object:
    spent = item.config.stash.get(_SPENT, None)
    if spent is None:
        return (yield)
    before = cpu_seconds()
    try:
        return (yield)
    finally:
        spent[item.nodeid] = cpu_seconds() - before


def over_budget(config: pytest.Config) -> dict[str, float]:
    spent = config.stash.get(_SPENT, {})
    return {test: cpu for test, cpu in spent.items() if cpu > TEST_CPU_BUDGET_S}


def pytest_sessionfinish(session: pytest.Session) -> None:
    if over_budget(session.config) and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    spent = config.stash.get(_SPENT, None)
    if spent is None:
        return
    terminalreporter.write_line(
        f"unit loop: {len(spent)} tests, {sum(spent.values()):.1f} s of CPU in the tests"
    )
    for test, cpu in sorted(spent.items(), key=lambda item: -item[1])[:5]:
        terminalreporter.write_line(f"  {cpu:4.1f} s  {test}")
    for test, cpu in sorted(over_budget(config).items(), key=lambda item: -item[1]):
        terminalreporter.write_line(
            f"OVER BUDGET {cpu:.1f} s of CPU (> {TEST_CPU_BUDGET_S:.0f}): {test}: mark it "
            "kafka, slow, bench or tools, or make it cheaper",
            red=True,
        )
