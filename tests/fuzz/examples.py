"""Hypothesis settings for fuzzing in CI: a fixed number of examples, the same on every run
(derandomized), no deadline (the 2-core machine is shared) and no example database on disk."""

from hypothesis import settings


def fuzz_settings(max_examples: int) -> settings:
    return settings(max_examples=max_examples, deadline=None, derandomize=True, database=None)
