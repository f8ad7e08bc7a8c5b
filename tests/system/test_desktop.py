"""The demo desktop (`/desktop/`) in headless Chromium against a running system: the preview
loop through the page, two agents apart, both transports, the README's browser snippet, calls
from another origin, a bad password, signing out, and a notifier restart in the middle of a
session.

One browser process and one system serve the whole module; each test opens its own browser
contexts (separate cookie jars, as separate browsers)."""

import asyncio
import os
import re
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from agent_access.identity import UserDirectory
from agent_access.session import SESSION_COOKIE, issue_session_token
from devstack.broker import free_port
from tests.conftest import fresh_topics
from tests.kafka import REPO
from tests.system.browser import OUTCOME_WITHIN_MS, Desk, chromium
from tests.system.conftest import USERS_FILE, System, running_system
from tests.system.outbound_api import campaign_request, send

pytestmark = pytest.mark.kafka

OTHER_ORIGIN = f"http://127.0.0.1:{free_port()}"
"""A page of another application on the agent's machine, allowed at both services."""
FOREIGN_ORIGIN = f"http://127.0.0.1:{free_port()}"
"""A page allowed nowhere."""
SCREENSHOT = REPO / "docs" / "desktop.png"
"""The README's picture, taken by the preview-loop test. Every run takes one (its times and
references differ), so only a run with GWS_UPDATE_SCREENSHOT=1 replaces the committed one."""


@pytest.fixture(scope="module")
async def desk_system(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[System]:
    async with (
        fresh_topics(kafka_bootstrap) as topics,
        running_system(
            kafka_bootstrap, topics, tmp_path_factory.mktemp("desk"), [OTHER_ORIGIN]
        ) as running,
    ):
        yield running


class OtherApplication(BaseHTTPRequestHandler):
    """A page of another application on the agent's machine, served for real: a page the
    browser did not load from a loopback address may not call loopback ones at all."""

    def do_GET(self) -> None:
        page = b"<!doctype html><title>another application</title>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def other_pages() -> Iterator[None]:
    servers = [
        ThreadingHTTPServer(("127.0.0.1", int(origin.rsplit(":", 1)[1])), OtherApplication)
        for origin in (OTHER_ORIGIN, FOREIGN_ORIGIN)
    ]
    threads = [threading.Thread(target=server.serve_forever, daemon=True) for server in servers]
    for thread in threads:
        thread.start()
    yield
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as running:
        yield running


async def open_desk(
    browser: Browser, system: System, *, transport: str | None = None, width: int = 1280
) -> tuple[BrowserContext, Desk]:
    context = await browser.new_context(viewport={"width": width, "height": 800})
    page = await context.new_page()
    query = f"?transport={transport}" if transport else ""
    await page.goto(f"{system.gateway_url}/desktop/{query}")
    return context, Desk(page)


async def test_the_preview_loop_through_the_page(browser: Browser, desk_system: System) -> None:
    context, desk = await open_desk(browser, desk_system)
    await desk.sign_in("agent1")
    await desk.connected("websocket")
    page = desk.page
    await expect(page.get_by_label("Device", exact=True)).to_have_value(
        "2b00393c-9ad3-418f-8b3d-a06cbe8af395"
    )

    await desk.done("Start preview session", "Preview session started")
    await desk.done("Get record", "Preview record")
    fields = page.get_by_label("Fields of the record", exact=True)
    await expect(fields).to_contain_text("GSW_RECORD_HANDLE")
    await expect(fields).to_contain_text("GSW_PHONE")
    handle = await page.get_by_label("Record handle", exact=True).input_value()
    assert handle.isdigit()

    # The record's own window (its zone's local time) must hold the callback's time: the
    # form's 09:00-18:00 would not at every hour a test runs, so a window around now.
    contact_now = datetime.now(ZoneInfo("America/New_York"))
    for label, hours in (("Call from (local time)", -1), ("Call until (local time)", 2)):
        edge = contact_now + timedelta(hours=hours)
        await page.get_by_label(label, exact=True).fill(edge.strftime("%H:%M"))
    await desk.done("Update", "Update call completion stats acknowledge")
    # A personal callback a few seconds ahead (the form takes a date and a time, in the
    # browser's zone) is pushed to this agent when due, and shown as a preview record.
    await page.get_by_label("Callback", exact=True).select_option("Personal")
    due = datetime.now() + timedelta(seconds=4)
    await page.get_by_label("At", exact=True).fill(due.strftime("%Y-%m-%dT%H:%M:%S"))
    await desk.done("Reschedule", "Scheduled record reschedule acknowledge")
    await page.get_by_label("Record handle", exact=True).fill("")
    pushed = page.locator("#messages li").filter(has_text="ScheduledCall")
    await expect(pushed.first).to_be_visible(timeout=30_000)
    await expect(page.get_by_label("Record handle", exact=True)).to_have_value(handle)
    await desk.done("Get chained records", "Chained records data end")
    await expect(page.get_by_label("Records of the chain", exact=True)).to_contain_text(
        f"Record {handle}:"
    )

    reject = await desk.done("Reject", "Record reject acknowledge")
    again = await desk.operate("Reject")
    await desk.outcome(again, "you do not hold this record")  # error 102, in words

    await desk.done("Get record", "Preview record")
    await page.get_by_label("Which records", exact=True).select_option("AllChain")
    await desk.done("Cancel", "Record cancel acknowledge")
    await desk.done("Get record", "Preview record")
    await page.get_by_label("Call result", exact=True).select_option("Busy")
    await desk.done("Complete", "Record processed acknowledge")
    await desk.done("Get record", "Preview record")
    await desk.done("Do not call", "Do not call acknowledge")
    await desk.done("Add record", "Add record acknowledge")

    # Both channels of the reject are on the page, the outbound one matched by referenceId.
    messages = page.locator("#messages li")
    await expect(
        messages.filter(has_text=f"RecordRejectAcknowledge (reference {reject})")
    ).to_have_count(1)
    await expect(page.locator('#messages li[data-channel="/me/internal"]').first).to_be_visible()
    await page.evaluate("window.scrollTo(0, 0)")
    taken = await page.screenshot()
    assert png_size(taken) == (1280, 800)
    if os.environ.get("GWS_UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.write_bytes(taken)

    await desk.done("End session", "Preview session ended")
    # Every field has a label (what a screen reader says, what get_by_label finds).
    unlabelled = await page.evaluate(
        """[...document.querySelectorAll("input, select")]
            .filter((field) => field.labels.length === 0 && !field.getAttribute("aria-label"))
            .map((field) => field.id)"""
    )
    assert unlabelled == []
    # Readable on a phone: nothing wider than the screen.
    await page.set_viewport_size({"width": 390, "height": 844})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await context.close()


async def test_two_agents_see_only_their_own_outcomes_over_either_transport(
    browser: Browser, desk_system: System
) -> None:
    first_context, first = await open_desk(browser, desk_system, transport="long-polling")
    second_context, second = await open_desk(browser, desk_system, transport="websocket")
    await first.sign_in("agent1")
    await second.sign_in("agent2")
    await first.connected("long-polling")
    await second.connected("websocket")

    firsts = [await first.done("Start preview session", "Preview session") for _ in range(2)]
    seconds = [await second.done("Start preview session", "Preview session") for _ in range(2)]
    await first.done("End session", "Preview session")
    await second.done("End session", "Preview session")

    assert set(firsts) <= await first.message_references()
    assert set(seconds) <= await second.message_references()
    assert all(ref.startswith("agent1-") for ref in await first.message_references())
    assert all(ref.startswith("agent2-") for ref in await second.message_references())
    await first_context.close()
    await second_context.close()


async def test_the_readme_browser_snippet_as_written(browser: Browser, desk_system: System) -> None:
    readme = (REPO / "README.md").read_text()
    snippet = re.search(r"In your own page.*?```js\n(.*?)```", readme, re.DOTALL)
    assert snippet is not None, "the README's browser snippet is gone"
    gateway_host = desk_system.gateway_url.removeprefix("http://")
    notifier_host = desk_system.cometd_url.removeprefix("http://").split("/")[0]
    code = (  # only the ports differ from the README: the test system has its own
        snippet.group(1)
        .replace("127.0.0.1:8080", gateway_host)
        .replace("127.0.0.1:8081", notifier_host)
    )
    context = await browser.new_context()
    page = await context.new_page()
    arrived = asyncio.Event()

    async def on_console(message: ConsoleMessage) -> None:
        if message.type == "log" and message.args:
            data = await message.args[0].json_value()
            if isinstance(data, dict) and data.get("referenceId") == "readme-snippet-1":
                arrived.set()

    page.on("console", on_console)
    await page.goto(f"{desk_system.gateway_url}/desktop/")
    async with page.expect_websocket() as opening:
        await page.add_script_tag(content=code, type="module")
    websocket = await opening.value
    await websocket.wait_for_event(
        "framereceived",
        lambda frame: '"/meta/subscribe"' in str(frame) and '"successful":true' in str(frame),
        timeout=OUTCOME_WITHIN_MS,
    )

    request = campaign_request("agent1", "StartPreviewSession", "readme-snippet-1")
    async with httpx.AsyncClient(base_url=desk_system.gateway_url) as http:
        await send(http, request)
    await asyncio.wait_for(arrived.wait(), OUTCOME_WITHIN_MS / 1000)
    await context.close()


CALLS_FROM_A_PAGE = """async ([gateway, notifications, device]) => {
    const script = {"X-Requested-With": "XMLHttpRequest"};
    async function call(url, options) {
        try {
            const response = await fetch(url, {credentials: "include", ...options});
            return [response.status, await response.json()];
        } catch (blocked) {
            return ["blocked", String(blocked)];
        }
    }
    const signIn = await call(gateway + "/api/v2/me", {headers: {...script,
        Authorization: "Basic " + btoa("agent2:password")}});
    const command = await call(gateway + "/api/v2/me/outbound-campaigns/Campaign1", {
        method: "POST", headers: {...script, "Content-Type": "application/json"},
        body: JSON.stringify({operationName: "StartPreviewSession", applicationId: 134,
            devicePath: "/devices/" + device, referenceId: "from-another-origin"})});
    const handshake = await call(notifications, {method: "POST",
        headers: {"Content-Type": "application/json"},
        body: JSON.stringify([{channel: "/meta/handshake", version: "1.0",
            supportedConnectionTypes: ["long-polling"]}])});
    return {signIn, command, handshake};
}"""


async def calls_from(browser: Browser, system: System, origin: str) -> dict[str, list[Any]]:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{origin}/")
    device = "57fc644b-c3b8-4ce8-ad82-d7e15c5f0b33"
    calls: dict[str, list[Any]] = await page.evaluate(
        CALLS_FROM_A_PAGE, [system.gateway_url, system.cometd_url, device]
    )
    await context.close()
    return calls


@pytest.mark.usefixtures("other_pages")
async def test_a_page_on_another_origin_calls_both_services_when_allowed(
    browser: Browser, desk_system: System
) -> None:
    allowed = await calls_from(browser, desk_system, OTHER_ORIGIN)
    assert allowed["signIn"][0] == 200, allowed
    assert allowed["command"] == [200, {"statusCode": 0}], allowed  # with the cookie only
    assert allowed["handshake"][0] == 200, allowed
    assert allowed["handshake"][1][0]["successful"] is True, allowed

    refused = await calls_from(browser, desk_system, FOREIGN_ORIGIN)
    assert refused["signIn"][0] == "blocked", refused
    assert refused["command"][0] == "blocked", refused
    assert refused["handshake"][0] == "blocked", refused


def watch_challenges(page: Page) -> list[str]:
    """The `WWW-Authenticate` headers the page receives from now on (each would open the
    browser's own login dialog)."""
    challenges: list[str] = []
    page.on(
        "response",
        lambda response: challenges.extend(
            value for name, value in response.headers.items() if name == "www-authenticate"
        ),
    )
    return challenges


async def test_a_bad_password_is_shown_in_words_without_a_login_dialog(
    browser: Browser, desk_system: System
) -> None:
    context, desk = await open_desk(browser, desk_system)
    challenges = watch_challenges(desk.page)
    await desk.sign_in("agent1", "not-the-password")
    await expect(desk.page.get_by_role("alert")).to_contain_text("wrong user name or password")
    await expect(desk.page.locator("#desk")).to_be_hidden()
    assert challenges == []  # a challenge would open the browser's own dialog
    await context.close()


async def test_an_expired_session_returns_to_the_sign_in_without_a_login_dialog(
    browser: Browser, desk_system: System
) -> None:
    context, desk = await open_desk(browser, desk_system)
    await desk.sign_in("agent1")
    await desk.connected("websocket")
    secret = desk_system.gateway.env["GWS_SESSION_SECRET"]
    agent1 = UserDirectory.load(USERS_FILE).get("agent1")
    assert agent1 is not None
    expired = issue_session_token(
        "agent1",
        secret,
        now=time.time() - 7200,
        ttl_seconds=3600,
        password_version=agent1.password_version,
    )
    await context.clear_cookies()
    await context.add_cookies(
        [{"name": SESSION_COOKIE, "value": expired, "url": desk_system.gateway_url}]
    )
    challenges = watch_challenges(desk.page)
    await desk.page.get_by_role("button", name="Start preview session").click()
    await expect(desk.page.get_by_role("alert")).to_have_text(
        "Your session has expired. Sign in again."
    )
    await expect(desk.page.get_by_label("Password", exact=True)).to_be_focused()
    assert challenges == []
    await context.close()


async def test_signing_out_ends_the_session_at_the_gateway_too(
    browser: Browser, desk_system: System
) -> None:
    context, desk = await open_desk(browser, desk_system)
    await desk.sign_in("agent1")
    await desk.connected("websocket")
    [token] = [c["value"] for c in await context.cookies() if c["name"] == SESSION_COOKIE]
    await desk.page.get_by_role("button", name="Sign out").click()
    await expect(desk.page.get_by_role("alert")).to_have_text("Signed out.")
    assert SESSION_COOKIE not in {cookie["name"] for cookie in await context.cookies()}
    async with httpx.AsyncClient(base_url=desk_system.gateway_url) as http:
        kept = await http.get("/api/v2/me", headers={"Cookie": f"{SESSION_COOKIE}={token}"})
    assert (kept.status_code, kept.json()["statusCode"]) == (401, 20)  # a copy is refused too
    await context.close()


@pytest.mark.parametrize("transport", ["long-polling", "websocket"])
async def test_a_notifier_restart_mid_session_recovers(
    browser: Browser, desk_system: System, transport: str
) -> None:
    context, desk = await open_desk(browser, desk_system, transport=transport)
    await desk.sign_in("agent2")
    await desk.connected(transport)
    await desk.done("Start preview session", "Preview session")

    desk_system.notifier.stop()
    await expect(desk.page.locator("#connection")).to_have_attribute(
        "data-state", "retrying", timeout=OUTCOME_WITHIN_MS
    )
    # Accepted by the gateway while no notifier runs: its outcome has no session to go to.
    ended_while_down = await desk.operate("End session")
    await desk_system.notifier.start_async()
    # The client's own re-handshake (its backoff is at most 5 s), subscribed again, and the
    # replay extension's position brings the outcome the agent missed.
    await desk.connected(transport, within_ms=30_000)
    await desk.outcome(ended_while_down, "Preview session ended")
    await desk.done("Start preview session", "Preview session")
    await context.close()


def test_the_readme_shows_the_screenshot() -> None:
    assert "](docs/desktop.png)" in (REPO / "README.md").read_text()
    assert png_size(SCREENSHOT.read_bytes()) == (1280, 800)


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n"), "not a PNG"
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
