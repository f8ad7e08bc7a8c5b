"""The sign-in throttle on its own, on a clock the test moves."""

from agent_access.sign_in_throttle import SignInThrottle, ThrottlePolicy

POLICY = ThrottlePolicy(
    max_failures_per_user=3, max_failures_per_address=5, window_s=60, lockout_s=10
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fail(throttle: SignInThrottle, user_name: str, address: str | None, times: int) -> None:
    for _ in range(times):
        assert throttle.retry_after(user_name, address) is None
        throttle.failed(user_name, address)


def test_a_user_name_is_locked_out_at_its_limit_for_the_lockout() -> None:
    clock = Clock()
    throttle = SignInThrottle(POLICY, clock=clock)
    fail(throttle, "agent1", "a", 3)
    assert throttle.retry_after("agent1", "b") == 10  # from any address
    assert throttle.retry_after("agent2", "b") is None
    clock.now += 10
    assert throttle.retry_after("agent1", "b") is None


def test_failures_older_than_the_window_are_forgotten() -> None:
    clock = Clock()
    throttle = SignInThrottle(POLICY, clock=clock)
    fail(throttle, "agent1", None, 2)
    clock.now += 61
    fail(throttle, "agent1", None, 2)
    assert throttle.retry_after("agent1", None) is None


def test_each_further_lockout_doubles_up_to_32_times_the_base() -> None:
    clock = Clock()
    throttle = SignInThrottle(POLICY, clock=clock)
    waits = []
    for _ in range(8):
        fail(throttle, "agent1", None, 3)
        wait = throttle.retry_after("agent1", None)
        assert wait is not None
        waits.append(wait)
        clock.now += wait
    assert waits == [10, 20, 40, 80, 160, 320, 320, 320]


def test_an_address_guessing_many_user_names_is_locked_out_at_its_own_limit() -> None:
    throttle = SignInThrottle(POLICY, clock=Clock())
    for n in range(5):
        fail(throttle, f"user{n}", "127.0.0.2", 1)
    assert throttle.retry_after("agent1", "127.0.0.2") == 10
    assert throttle.retry_after("agent1", "127.0.0.3") is None


def test_a_success_resets_the_user_name_but_not_the_address() -> None:
    throttle = SignInThrottle(POLICY, clock=Clock())
    fail(throttle, "agent1", "127.0.0.2", 2)
    fail(throttle, "other", "127.0.0.2", 2)
    throttle.succeeded("agent1")
    fail(throttle, "agent1", "127.0.0.3", 2)  # two more: 2 < 3 since the reset
    throttle.failed("mine", "127.0.0.2")  # the address's fifth failure
    assert throttle.retry_after("agent1", "127.0.0.2") == 10
    assert throttle.retry_after("agent1", "127.0.0.3") is None


def test_memory_is_bounded_by_the_capacity() -> None:
    throttle = SignInThrottle(POLICY, capacity=100, clock=Clock())
    fail(throttle, "agent1", None, 2)
    for n in range(10_000):
        throttle.failed(f"invented{n}", None)
    throttle.failed("agent1", None)  # a third failure, had the first two been kept
    assert throttle.retry_after("agent1", None) is None
