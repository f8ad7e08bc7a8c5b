"""Open-loop POSTs to the gateway at a fixed rate, each carrying its send time in
`referenceId`, over a pool of keep-alive connections, each POST as one of the agents (its
session cookie and body), round-robin. The loop stays open (`bench.open_loop`): a command due
while every connection is busy is counted as not sent, never waited for."""

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench.agent import cookie_headers
from bench.bayeux_client import reference_id
from bench.open_loop import OpenLoop
from bench.raw_http import HttpConnection, HttpError

BodyFor = Callable[[str], dict[str, object]]


@dataclass(frozen=True, slots=True)
class Sender:
    """One agent as the poster sends: its desktop's session cookie and its request body."""

    cookie: str
    body_for: BodyFor


@dataclass(frozen=True, slots=True)
class Posted:
    accepted: int
    refused: int
    unsent: int
    """Due while every connection was busy: counted, not sent (`OpenLoop.unsent`)."""
    late: int
    seconds: float

    @property
    def rate(self) -> float:
        return (self.accepted + self.refused) / self.seconds

    @property
    def sent(self) -> int:
        return self.accepted + self.refused


class Poster:
    def __init__(
        self, port: int, path: str, senders: Sequence[Sender], connections: int = 64
    ) -> None:
        self._path = path
        # As the desktop's scripts do: a cookie-signed POST needs it (or Origin) against CSRF.
        self._senders = [(cookie_headers(sender.cookie), sender.body_for) for sender in senders]
        self._idle: asyncio.Queue[HttpConnection] = asyncio.Queue()
        for _ in range(connections):
            self._idle.put_nowait(HttpConnection("127.0.0.1", port))
        self._sequence = 0
        self._accepted = 0
        self._refused = 0
        self._unsent = 0
        self.refusals: Counter[str] = Counter()
        """Why POSTs were refused: the status and the reply's start, or the connection error."""

    @property
    def accepted(self) -> int:
        """POSTs answered `{"statusCode": 0}` so far."""
        return self._accepted

    @property
    def refused(self) -> int:
        return self._refused

    @property
    def unsent(self) -> int:
        """Commands due while every connection was busy, so far."""
        return self._unsent

    async def paced(self, rate: float, seconds: float) -> Posted:
        """`rate * seconds` commands, the n-th due at n / rate; a late one goes at once, one
        that finds every connection busy is not sent (counted)."""
        loop = asyncio.get_running_loop()
        accepted, refused = self._accepted, self._refused
        schedule = OpenLoop(rate, max(1, round(rate * seconds)))
        # Only the unfinished: a 30-minute soak must not hold every POST's task to the end.
        in_flight: set[asyncio.Task[None]] = set()
        failures: list[BaseException] = []

        def finished(task: asyncio.Task[None]) -> None:
            in_flight.discard(task)
            if not task.cancelled() and (error := task.exception()) is not None:
                failures.append(error)

        await self._fresh_connections()
        started = loop.time()
        for index in range(schedule.count):
            due_s = schedule.due_s(index)
            delay = started + due_s - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            free = not self._idle.empty()
            if not schedule.record(due_s=due_s, at_s=loop.time() - started, connection_free=free):
                continue
            task = asyncio.create_task(self._post(self._idle.get_nowait(), index))
            in_flight.add(task)
            task.add_done_callback(finished)
        await asyncio.gather(*in_flight)
        if failures:
            raise failures[0]
        self._unsent += schedule.unsent
        return Posted(
            self._accepted - accepted,
            self._refused - refused,
            schedule.unsent,
            schedule.late,
            loop.time() - started,
        )

    async def _fresh_connections(self) -> None:
        """Each connection reconnects on its first POST of the step: one left idle since the
        last step may have been closed by the server (uvicorn: after 5 s idle), and a POST on
        it would fail as a refusal."""
        idle = [self._idle.get_nowait() for _ in range(self._idle.qsize())]
        for connection in idle:
            await connection.close()
            self._idle.put_nowait(connection)

    async def close(self) -> None:
        while not self._idle.empty():
            await self._idle.get_nowait().close()

    async def _post(self, connection: HttpConnection, index: int) -> None:
        self._sequence += 1
        headers, body_for = self._senders[index % len(self._senders)]
        body = body_for(reference_id(self._sequence, time.time_ns()))
        try:
            response = await connection.post(self._path, json.dumps(body).encode(), headers)
        except HttpError as error:
            self._refused += 1
            self.refusals[str(error)] += 1
        else:
            if response.status == 200 and json.loads(response.body) == {"statusCode": 0}:
                self._accepted += 1
            else:
                self._refused += 1
                self.refusals[f"HTTP {response.status} {response.body[:120]!r}"] += 1
        finally:
            self._idle.put_nowait(connection)
