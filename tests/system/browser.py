"""Headless Chromium, Debian's `chromium` (`make test` installs it), driven by Playwright
without any browser download; and the demo desktop page as an agent uses it."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

CHROMIUM = Path("/usr/bin/chromium")
OUTCOME_WITHIN_MS = 15_000


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """One browser process; a missing or broken browser fails the tests, never skips them."""
    if not CHROMIUM.is_file():  # noqa: ASYNC240 - once, before anything runs
        pytest.fail(f"no browser at {CHROMIUM}: `make test` installs Debian's chromium (apt-get)")
    async with async_playwright() as playwright:
        try:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM)
        except Exception as error:  # noqa: BLE001 - any launch failure is the test's verdict
            pytest.fail(f"{CHROMIUM} does not start headless: {error}")
        try:
            yield browser
        finally:
            await browser.close()


@dataclass
class Desk:
    """The desktop page of one agent, driven through its labels and buttons."""

    page: Page

    async def sign_in(self, user: str, password: str = "password") -> None:
        await self.page.get_by_label("User name").fill(user)
        await self.page.get_by_label("Password").fill(password)
        await self.page.get_by_label("Password").press("Enter")  # the keyboard, as an agent would

    async def connected(self, transport: str, within_ms: float = OUTCOME_WITHIN_MS) -> None:
        await expect(self.page.locator("#connection")).to_have_text(
            f"Connected ({transport})", timeout=within_ms
        )

    async def operate(self, button: str) -> str:
        """Clicks the operation's button; the referenceId of the request it sent."""
        rows = self.page.locator("#requests tbody tr")
        before = await rows.count()
        await self.page.get_by_role("button", name=button, exact=True).click()
        await expect(rows).to_have_count(before + 1)
        reference = await rows.first.get_attribute("data-reference")
        assert reference is not None
        return reference

    async def outcome(self, reference: str, words: str) -> None:
        """The request's row shows the gateway's acceptance and the outcome `words`."""
        row = self.page.locator(f'#requests tr[data-reference="{reference}"]')
        await expect(row.locator("td").nth(2)).to_have_text("Accepted")
        await expect(row.locator("td").nth(3)).to_contain_text(words, timeout=OUTCOME_WITHIN_MS)

    async def done(self, button: str, words: str) -> str:
        reference = await self.operate(button)
        await self.outcome(reference, words)
        return reference

    async def message_references(self) -> set[str]:
        """The referenceId of every outbound message the page has shown."""
        texts = await self.page.locator("#messages pre").all_text_contents()
        return {data["referenceId"] for data in map(json.loads, texts) if "referenceId" in data}
