"""The garbage collector's settings for a serving gateway process.

Start-up builds about 100,000 long-lived objects (modules, the app, its routes, pydantic's
validators, the OpenAPI document). With requests in flight, every young collection promotes
their objects, so a full collection came every thousand or so requests and walked the whole
start-up heap each time: 20-55 ms of one core, during which no request moved (the gateway's
p99 at half peak). docs/performance-history.md ("Round 2: gateway") has the measurements.
"""

import gc

YOUNG_THRESHOLD = 10_000
"""Allocations between young collections (CPython's default: 700): a pass then runs every
few dozen requests instead of every few, and each still covers only young objects."""


def settle() -> None:
    """Call once the app is built: collect, put the survivors beyond the collector's reach
    (`gc.freeze`, they live as long as the process), and collect young objects less often."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
