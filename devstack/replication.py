"""How many copies of each partition a cluster keeps: for the brokers' own topics and ours."""

from dataclasses import dataclass

from outbound_contracts.topics import MIN_INSYNC_REPLICAS, REPLICATION_FACTOR


@dataclass(frozen=True)
class Replication:
    """How many copies of each partition a cluster keeps, and how many must have a write."""

    factor: int
    min_insync: int

    @classmethod
    def for_cluster_of(cls, brokers: int) -> "Replication":
        """1 on one broker, 3 (min ISR 2) on three or more: an acknowledged write survives
        the loss of a broker, and writes go on without one."""
        if brokers >= REPLICATION_FACTOR:
            return cls(REPLICATION_FACTOR, MIN_INSYNC_REPLICAS)
        return cls(brokers, max(1, brokers - 1))


SINGLE = Replication(1, 1)
"""One broker: a single copy, which is all there can be."""
