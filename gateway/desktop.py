"""The demo agent desktop at `/desktop/`: static files shipped in the package, and the one
thing the page cannot know by itself, where the notifier is (`/desktop/config.json`)."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

PAGE_FILES = Path(__file__).parent / "desktop"


def serve_desktop(app: FastAPI, cometd_url: str) -> None:
    @app.get("/desktop", include_in_schema=False)
    async def desktop_folder() -> RedirectResponse:
        return RedirectResponse("/desktop/", status_code=308)

    @app.get("/desktop/config.json", include_in_schema=False)
    async def desktop_config() -> JSONResponse:
        return JSONResponse({"cometdUrl": cometd_url}, headers={"Cache-Control": "no-store"})

    app.mount("/desktop", StaticFiles(directory=PAGE_FILES, html=True), name="desktop")
