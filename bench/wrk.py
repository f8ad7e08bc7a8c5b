"""wrk (Debian's package) posting one JSON body with a cookie, counting `statusCode: 0` answers.

wrk is closed-loop; a target rate is approached with its Lua `delay()` hook and the rate it
actually achieved is what we report."""

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

_SCRIPT = """\
wrk.method = "POST"
wrk.body = [==[{body}]==]
wrk.headers["Content-Type"] = "application/json"
{cookie}
accepted = 0
refused = 0
local threads = {{}}
function setup(thread) table.insert(threads, thread) end
function response(status, headers, body)
  if status == 200 and string.find(body, '"statusCode":0', 1, true) then
    accepted = accepted + 1
  else
    refused = refused + 1
  end
end
{delay}
function done(summary, latency, requests)
  local a, r = 0, 0
  for _, t in ipairs(threads) do a = a + t:get("accepted"); r = r + t:get("refused") end
  local e = summary.errors
  io.write(string.format(
    'BENCH {{"accepted":%d,"refused":%d,"duration_us":%d,"socket_errors":%d,' ..
    '"p50_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d}}\\n',
    a, r, summary.duration, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max))
end
"""


@dataclass(frozen=True, slots=True)
class WrkResult:
    accepted: int
    refused: int
    socket_errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float

    @property
    def accepted_per_s(self) -> float:
        return self.accepted / self.seconds


def ensure_wrk() -> str:
    """The path of wrk, installing Debian's package first if it is missing (we run as root)."""
    found = shutil.which("wrk")
    if found is not None:
        return found
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    installed = shutil.which("wrk")
    if installed is None:
        raise RuntimeError("wrk is not installed and apt-get could not install it")
    return installed


def wrk_version() -> str:
    result = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return (result.stdout or result.stderr).splitlines()[0].split(" Copyright")[0]


def run_wrk(
    url: str,
    body: dict[str, object],
    *,
    cookie: str | None,
    seconds: float,
    connections: int,
    delay_ms: float | None = None,
) -> WrkResult:
    """One wrk run with one thread; `delay_ms` paces each connection (None: as fast as it can)."""
    script = _SCRIPT.format(
        body=json.dumps(body, separators=(",", ":")),
        cookie=(
            f'wrk.headers["Cookie"] = "{cookie}"\n'
            'wrk.headers["X-Requested-With"] = "XMLHttpRequest"'
            if cookie
            else ""
        ),
        delay=f"function delay() return {delay_ms:.3f} end" if delay_ms is not None else "",
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        command = [
            "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s",
            "--timeout", "5s", "-s", lua.name, url,
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    line = next((x for x in result.stdout.splitlines() if x.startswith("BENCH ")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    figures = json.loads(line.removeprefix("BENCH "))
    return WrkResult(
        accepted=figures["accepted"],
        refused=figures["refused"],
        socket_errors=figures["socket_errors"],
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1e3,
        p99_ms=figures["p99_us"] / 1e3,
        p999_ms=figures["p999_us"] / 1e3,
        max_ms=figures["max_us"] / 1e3,
    )


def paced_run(
    url: str,
    body: dict[str, object],
    *,
    cookie: str | None,
    seconds: float,
    connections: int,
    rate: float,
) -> WrkResult:
    """Approach `rate` requests/s: a short probe measures the response time, then the delay per
    connection is set so that connections / (delay + response time) = rate."""
    first_delay = connections * 1000 / rate
    probe = run_wrk(
        url, body, cookie=cookie, seconds=2, connections=connections, delay_ms=first_delay
    )
    observed = probe.accepted + probe.refused
    response_ms = max(0.0, connections * 1000 * probe.seconds / max(observed, 1) - first_delay)
    delay = max(0.0, connections * 1000 / rate - response_ms)
    return run_wrk(
        url, body, cookie=cookie, seconds=seconds, connections=connections, delay_ms=delay
    )
