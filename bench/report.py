"""Benchmark results: printed as they come, and written to docs/benchmarks.md at the end."""

import math
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Row:
    """One figure of ours next to the baseline's; ratio = ours / baseline."""

    metric: str
    ours: float
    baseline: float | None
    unit: str

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0 or math.isnan(self.baseline):
            return None
        return self.ours / self.baseline


@dataclass(frozen=True, slots=True)
class Target:
    goal: str
    met: bool
    verdict: str
    """A plain sentence: the figure against the goal and, when missed, by how much and why."""


@dataclass
class BenchmarkResult:
    name: str
    title: str
    baseline: str
    parameters: dict[str, str] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    """Further Markdown tables, written after the notes (the soak's per-minute samples)."""


def number(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def missed_by(figure: float, goal: float, unit: str, *, higher_is_better: bool) -> str:
    gap = goal - figure if higher_is_better else figure - goal
    return f"missed by {number(gap)} {unit} ({number(100 * gap / goal)} % of the goal)"


def print_result(result: BenchmarkResult) -> None:
    print(f"\n== {result.name}: {result.title} (baseline: {result.baseline})")
    width = max((len(row.metric) for row in result.rows), default=10)
    print(f"  {'metric':<{width}}  {'ours':>12}  {'baseline':>12}  {'ratio':>7}")
    for row in result.rows:
        ratio = "n/a" if row.ratio is None else f"{row.ratio:.2f}"
        print(
            f"  {row.metric:<{width}}  {number(row.ours):>12}  {number(row.baseline):>12}  "
            f"{ratio:>7}  {row.unit}"
        )
    for target in result.targets:
        print(f"  target {target.goal}: {'MET' if target.met else 'MISSED'} - {target.verdict}")
    for note in result.notes:
        print(f"  note: {note}")


def markdown(result: BenchmarkResult) -> str:
    lines = [
        f"## {result.name}: {result.title}",
        "",
        f"Baseline: {result.baseline}.",
        "",
        "Parameters: " + "; ".join(f"{key} = {value}" for key, value in result.parameters.items()),
        "",
        "| metric | ours | baseline | ratio (ours / baseline) | unit |",
        "|---|---:|---:|---:|---|",
    ]
    for row in result.rows:
        ratio = "n/a" if row.ratio is None else f"{row.ratio:.2f}"
        lines.append(
            f"| {row.metric} | {number(row.ours)} | {number(row.baseline)} | {ratio} | {row.unit} |"
        )
    lines.append("")
    for target in result.targets:
        state = "met" if target.met else "**missed**"
        lines.append(f"- Target {target.goal}: {state}. {target.verdict}")
    lines.extend(f"- {note}" for note in result.notes)
    lines.append("")
    for table in result.tables:
        lines += [table, ""]
    return "\n".join(lines)
