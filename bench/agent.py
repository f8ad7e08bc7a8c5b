"""The demo agent the load acts as (demo/users.json): its device, its request bodies, and the
session cookie a desktop would hold after its first authenticated request."""

import base64
import urllib.request
from http.cookies import SimpleCookie

from agent_access.session import SESSION_COOKIE

USER_NAME = "agent1"
PASSWORD = "password"
DEVICE_ID = "2b00393c-9ad3-418f-8b3d-a06cbe8af395"
DEVICE_PATH = f"/devices/{DEVICE_ID}"
APPLICATION_ID = 134
CALLING_LIST = "CallingList1"


def reject_body(campaign: str, reference_id: str) -> dict[str, object]:
    """RejectRecord exactly as the spec's vector sends it."""
    return {
        "operationName": "RejectRecord",
        "devicePath": DEVICE_PATH,
        "callingList": CALLING_LIST,
        "applicationId": APPLICATION_ID,
        "campaignName": campaign,
        "referenceId": reference_id,
    }


def update_body(
    campaign: str, reference_id: str, device_path: str = DEVICE_PATH
) -> dict[str, object]:
    """UpdateRecord of a record the agent holds: succeeds every time, changes state."""
    return {
        "operationName": "UpdateRecord",
        "devicePath": device_path,
        "callingList": CALLING_LIST,
        "applicationId": APPLICATION_ID,
        "campaignName": campaign,
        "phoneNumber": "5550101",
        "referenceId": reference_id,
    }


def session_cookie(base_url: str, user_name: str = USER_NAME) -> str:
    """`GWS_SESSION=<token>` from one Basic-authenticated GET /api/v2/me."""
    credentials = base64.b64encode(f"{user_name}:{PASSWORD}".encode()).decode()
    request = urllib.request.Request(
        f"{base_url}/api/v2/me", headers={"Authorization": f"Basic {credentials}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        cookies = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
    if SESSION_COOKIE not in cookies:
        raise RuntimeError(f"the gateway set no {SESSION_COOKIE} cookie")
    return f"{SESSION_COOKIE}={cookies[SESSION_COOKIE].value}"


def cookie_headers(cookie: str) -> dict[str, str]:
    """A desktop script's headers with `cookie`: a cookie-signed POST needs `X-Requested-With`
    (or the Origin a browser adds) against CSRF, at the gateway and the notifier."""
    return {"Cookie": cookie, "X-Requested-With": "XMLHttpRequest"}
