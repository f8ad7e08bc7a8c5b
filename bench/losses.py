"""Lost client sessions as a benchmark finding: how many, why, and what still arrived."""

from collections import Counter
from collections.abc import Sequence

_EXAMPLE_LENGTH = 160


def describe_losses(failures: Sequence[BaseException]) -> str:
    """`failures` grouped by kind, most frequent first, each with its first message, e.g.
    `3 sessions lost: 2 BayeuxError (/meta/connect failed: ...), 1 HttpError (...)`."""
    if not failures:
        return "no session lost"
    kinds = Counter(type(error).__name__ for error in failures)
    examples: dict[str, str] = {}
    for error in failures:
        examples.setdefault(type(error).__name__, str(error)[:_EXAMPLE_LENGTH] or "no message")
    causes = ", ".join(f"{count} {kind} ({examples[kind]})" for kind, count in kinds.most_common())
    noun = "session" if len(failures) == 1 else "sessions"
    return f"{len(failures)} {noun} lost: {causes}"


def delivery_finding(label: str, delivered: int, accepted: int, lost: str) -> str:
    """One sentence for the benchmark's notes: the figures the run kept despite the losses."""
    share = 100 * delivered / accepted if accepted else 0.0
    return (
        f"Finding ({label}): {lost}; delivered {delivered:,} of {accepted:,} accepted "
        f"({share:.1f} %), and the run went on."
    )
