"""From an event on `ocs.events` to messages queued for the target user's sessions."""

import logging
import time
from collections.abc import Callable

from notifier.metrics import NotifierMetrics
from notifier.positions import Position
from notifier.render import Message, render_outcome
from notifier.sessions import SessionRegistry
from outbound_contracts.codec import ContractViolation, decode_event
from outbound_contracts.events import CommandFailed, RecordsImported, UserEventRaised

log = logging.getLogger(__name__)


class Delivery:
    def __init__(
        self,
        registry: SessionRegistry,
        metrics: NotifierMetrics,
        *,
        clock_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        self._registry = registry
        self._metrics = metrics
        self._clock_ns = clock_ns

    def handle(
        self, raw: bytes | None, *, timestamp_ms: int, position: Position, origin: str
    ) -> None:
        """Route one event; `origin` (topic/partition/offset) names it in logs."""
        try:
            event = decode_event(raw)
        except ContractViolation as error:
            self._metrics.events_undecodable.inc()
            log.warning("undecodable event skipped", extra={"origin": origin, "error": str(error)})
            return
        self._metrics.events_consumed.labels(event.type).inc()
        if isinstance(event, RecordsImported):
            return  # loader feedback, nobody's desktop hears of it
        messages = self.render(event, position)
        reached = self._registry.deliver(event.user_name, messages, position.offset)
        self._metrics.delivery_lag.observe(max(0.0, self._clock_ns() / 1e9 - timestamp_ms / 1000))
        log.debug(
            "outcome routed",
            extra={
                "origin": origin,
                "user": event.user_name,
                "command_id": event.command_id,
                "sessions": reached,
            },
        )

    def render(self, outcome: UserEventRaised | CommandFailed, position: Position) -> list[Message]:
        """The outcome's messages, each naming its replay position (live and replayed alike)."""
        return render_outcome(
            outcome, now_ns=self._clock_ns(), position=position.render(outcome.user_name)
        )
