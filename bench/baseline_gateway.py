"""The gateway's baseline: a bare FastAPI + uvicorn endpoint that validates the same
RejectRecord body and answers `{"statusCode": 0}` with no authentication and no Kafka.

`python -m bench.baseline_gateway PORT`"""

import sys
from typing import Literal

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field


class RejectRecordBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    operation_name: Literal["RejectRecord"] = Field(alias="operationName")
    device_path: str = Field(alias="devicePath", pattern=r"^/devices/[^/]+$")
    calling_list: str = Field(alias="callingList", min_length=1)
    application_id: int = Field(alias="applicationId")
    campaign_name: str = Field(alias="campaignName", min_length=1)
    reference_id: str | None = Field(default=None, alias="referenceId")


def create_app() -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None)

    @app.post("/api/v2/me/outbound-records/{recordHandle}")
    async def held_record(recordHandle: int, body: RejectRecordBody) -> dict[str, int]:
        return {"statusCode": 0}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main() -> int:
    port = int(sys.argv[1])
    uvicorn.run(create_app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
