"""Websockets accepted before any credential, kept few and short: per client address at most
`per_address` sockets that have not hand-shaken, each closed if no handshake succeeds within
the deadline (a websocket costs the notifier a socket and its buffers whatever it sends)."""

from collections import Counter


class AnonymousSockets:
    def __init__(self, *, per_address: int, handshake_timeout_s: float) -> None:
        self._per_address = per_address
        self.handshake_timeout_s = handshake_timeout_s
        self._open: Counter[str | None] = Counter()

    def admit(self, address: str | None) -> "Admission | None":
        """Count a new socket from `address`; None when the address is at its cap."""
        if self._open[address] >= self._per_address:
            return None
        self._open[address] += 1
        return Admission(self, address)

    def _leave(self, address: str | None) -> None:
        self._open[address] -= 1
        if self._open[address] <= 0:
            del self._open[address]


class Admission:
    """One socket's place among its address's anonymous sockets, until `end`."""

    def __init__(self, sockets: AnonymousSockets, address: str | None) -> None:
        self._sockets = sockets
        self.address = address
        self.anonymous = True

    def end(self) -> None:
        """The socket hand-shook or closed: it no longer counts."""
        if self.anonymous:
            self.anonymous = False
            self._sockets._leave(self.address)
