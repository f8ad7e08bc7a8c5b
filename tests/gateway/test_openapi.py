"""The served /openapi.json says what the gateway does: each operation's body with examples, its
real replies (GWS errors, never FastAPI's 422), its credentials and the record handle's type.
tests/fuzz/test_gateway_openapi.py checks every fuzzed reply against this document."""

from typing import Any

import httpx

from gateway.campaign_requests import CAMPAIGN_OPERATIONS
from gateway.parameters import OperationTable
from gateway.record_requests import HELD_RECORD_OPERATIONS, UNHELD_RECORD_OPERATIONS
from tests.gateway.conftest import basic, shared_client, shared_published, vector

# One gateway for the module (tests/gateway/conftest.py).
client, published = shared_client, shared_published

HELD_RECORD = "/api/v2/me/outbound-records/{recordHandle}"
RECORDS = "/api/v2/me/outbound-records"
CAMPAIGN = "/api/v2/me/outbound-campaigns/{campaignName}"
COMMAND_ERRORS = {
    "400": {1, 2, 10},
    "401": {20},
    "403": {3, 5},
    "404": {6},
    "413": {2},
    "500": {4},
    "503": {4},
}
READ_ERRORS = {"401": {20}, "500": {4}}
SIGN_OUT_ERRORS = {
    "400": {1, 2},
    "401": {20},
    "403": {3},
    "413": {2},
    "500": {4},
    "503": {4},
}
# (method, path) -> each error status the operation can give -> the statusCodes it carries
ERRORS = {
    ("post", HELD_RECORD): COMMAND_ERRORS,
    ("post", RECORDS): COMMAND_ERRORS,
    ("post", CAMPAIGN): COMMAND_ERRORS,
    ("get", "/api/v2/me"): READ_ERRORS,
    ("post", "/api/v2/me"): SIGN_OUT_ERRORS,
    ("get", "/api/v2/me/devices"): READ_ERRORS,
    ("get", "/healthz"): {"500": {4}},
    ("get", "/readyz"): {"500": {4}},
    ("get", "/metrics"): {"500": {4}},
}
EITHER_CREDENTIAL: list[dict[str, list[str]]] = [{"basic": []}, {"sessionCookie": []}]


async def served_document(client: httpx.AsyncClient) -> dict[str, Any]:
    document: dict[str, Any] = (await client.get("/openapi.json")).json()
    return document


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }


def json_schema(document: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = response["content"]["application/json"]["schema"]
    name = schema["$ref"].removeprefix("#/components/schemas/")
    resolved: dict[str, Any] = document["components"]["schemas"][name]
    return resolved


def property_types(schema: dict[str, Any]) -> dict[str, str]:
    return {name: spec.get("type", "$ref") for name, spec in schema["properties"].items()}


async def test_openapi_shows_every_operations_body_with_an_example(
    client: httpx.AsyncClient,
) -> None:
    document = await served_document(client)
    served: dict[str, OperationTable[Any]] = {
        HELD_RECORD: HELD_RECORD_OPERATIONS,
        RECORDS: UNHELD_RECORD_OPERATIONS,
        CAMPAIGN: CAMPAIGN_OPERATIONS,
    }
    for path, table in served.items():
        media = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        assert set(media["examples"]) == set(table.models)
        titles = {schema["title"] for schema in media["schema"]["oneOf"]}
        assert titles == {model.__name__ for model in table.models.values()}
        for name, example in media["examples"].items():
            assert example["value"]["operationName"] == name
            table.models[name].parse(example["value"])  # every example is valid
    records = document["paths"][HELD_RECORD]["post"]
    examples = records["requestBody"]["content"]["application/json"]["examples"]
    assert examples["RejectRecord"]["value"] == vector("reject-record")["request"]["body"]
    assert examples["CancelRecord"]["value"] == vector("cancel-record")["request"]["body"]


async def test_no_operation_documents_fastapis_422_validation_error(
    client: httpx.AsyncClient,
) -> None:
    document = await served_document(client)
    for key, operation in operations(document).items():
        assert "422" not in operation["responses"], key
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert "ValidationError" not in schemas


async def test_each_operation_documents_exactly_its_error_statuses_in_the_gws_format(
    client: httpx.AsyncClient,
) -> None:
    document = await served_document(client)
    served = operations(document)
    assert set(served) == set(ERRORS)
    for key, errors in ERRORS.items():
        responses = served[key]["responses"]
        documented_errors = {status for status in responses if int(status) >= 400}
        if key == ("get", "/readyz"):
            documented_errors.remove("503")  # not ready: {"status": ...}, not a GWS error
        assert documented_errors == set(errors), key
        for status, codes in errors.items():
            error = responses[status]
            schema = json_schema(document, error)
            assert property_types(schema) == {"statusCode": "integer", "statusMessage": "string"}
            assert set(schema["required"]) == {"statusCode", "statusMessage"}
            assert schema["additionalProperties"] is False
            examples = error["content"]["application/json"]["examples"].values()
            assert {example["value"]["statusCode"] for example in examples} == codes, key
    challenge = served[("post", HELD_RECORD)]["responses"]["401"]["headers"]
    assert "WWW-Authenticate" in challenge


async def test_the_success_replies_are_documented_as_served(client: httpx.AsyncClient) -> None:
    document = await served_document(client)
    served = operations(document)
    for path in (HELD_RECORD, RECORDS, CAMPAIGN):
        accepted = json_schema(document, served[("post", path)]["responses"]["200"])
        assert set(accepted["properties"]) == {"statusCode"}
        status_code = accepted["properties"]["statusCode"]
        assert (status_code["type"], status_code["const"]) == ("integer", 0)
        assert accepted["required"] == ["statusCode"]
        assert accepted["additionalProperties"] is False
    for path, listed in (("/api/v2/me", "user"), ("/api/v2/me/devices", "devices")):
        reply = (await client.get(path, headers=basic("agent1"))).json()
        schema = json_schema(document, served[("get", path)]["responses"]["200"])
        assert set(schema["properties"]) == set(reply) == set(schema["required"]), path
        item = schema["properties"][listed]
        ref = item.get("items", item)["$ref"].removeprefix("#/components/schemas/")
        item_schema = document["components"]["schemas"][ref]
        served_item = reply["user"] if listed == "user" else reply["devices"][0]
        assert set(item_schema["properties"]) == set(served_item), path
        assert set(item_schema["required"]) == set(served_item), path
    readiness = served[("get", "/readyz")]["responses"]
    for status in ("200", "503"):
        assert property_types(json_schema(document, readiness[status])) == {"status": "string"}
    metrics = served[("get", "/metrics")]["responses"]["200"]["content"]
    assert [media.split(";")[0] for media in metrics] == ["text/plain"]


async def test_every_me_operation_takes_http_basic_or_the_session_cookie_it_sets(
    client: httpx.AsyncClient,
) -> None:
    document = await served_document(client)
    schemes = document["components"]["securitySchemes"]
    assert schemes["basic"] == {"type": "http", "scheme": "basic"}
    cookie = schemes["sessionCookie"]
    assert (cookie["type"], cookie["in"]) == ("apiKey", "cookie")
    for (method, path), operation in operations(document).items():
        expected = EITHER_CREDENTIAL if path.startswith("/api/v2/me") else None
        assert operation.get("security") == expected, (method, path)

    login = await client.get("/api/v2/me", headers=basic("agent1"))
    session = login.cookies[cookie["name"]]
    client.cookies.clear()
    with_cookie = await client.get("/api/v2/me", headers={"Cookie": f"{cookie['name']}={session}"})
    assert with_cookie.json()["user"]["userName"] == "agent1"


async def test_the_record_handle_is_a_documented_integer_that_the_gateway_checks_itself(
    client: httpx.AsyncClient,
) -> None:
    document = await served_document(client)
    (handle,) = document["paths"][HELD_RECORD]["post"]["parameters"]
    assert (handle["name"], handle["in"], handle["required"]) == ("recordHandle", "path", True)
    assert handle["schema"] == {"type": "integer", "minimum": 0}

    reject = vector("reject-record")["request"]["body"]
    for bad in ("-1", "x"):
        refused = await client.post(
            f"/api/v2/me/outbound-records/{bad}", json=reject, headers=basic("agent1")
        )
        assert refused.status_code == 400
        assert refused.json()["statusCode"] == 2
        assert "recordHandle" in refused.json()["statusMessage"]
