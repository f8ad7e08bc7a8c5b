"""The preview-session operations on `/api/v2/me/outbound-campaigns/{campaign}`: the campaign is
named by the URL, the body carries `applicationId`, `devicePath` and `referenceId` only."""

from abc import ABC
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import ConfigDict, Field

from gateway.errors import invalid
from gateway.parameters import CommandRequest, OperationTable, Receipt
from outbound_contracts.commands import (
    AgentCommand,
    EndPreviewSession,
    GetPreviewRecord,
    StartPreviewSession,
)

_DEVICE = "/devices/2b00393c-9ad3-418f-8b3d-a06cbe8af395"


def _example(operation: str) -> ConfigDict:
    example: dict[str, Any] = {
        "operationName": operation,
        "applicationId": 134,
        "devicePath": _DEVICE,
        "referenceId": "42",
    }
    return ConfigDict(json_schema_extra={"examples": [example]})


class CampaignRequest(CommandRequest, ABC):
    command_type: ClassVar[
        type[StartPreviewSession] | type[GetPreviewRecord] | type[EndPreviewSession]
    ]

    def command(self, receipt: Receipt, path: Mapping[str, str]) -> AgentCommand:
        campaign_name = path["campaignName"]
        if not campaign_name.strip():
            raise invalid("campaignName", "a campaign's name in the URL")
        return self.command_type(**self.common(receipt, campaign_name))


class StartPreviewRequest(CampaignRequest):
    model_config = _example("StartPreviewSession")
    operation_name: Literal["StartPreviewSession"] = Field(alias="operationName")
    command_type = StartPreviewSession


class GetPreviewRecordRequest(CampaignRequest):
    model_config = _example("GetPreviewRecord")
    operation_name: Literal["GetPreviewRecord"] = Field(alias="operationName")
    command_type = GetPreviewRecord


class EndPreviewRequest(CampaignRequest):
    model_config = _example("EndPreviewSession")
    operation_name: Literal["EndPreviewSession"] = Field(alias="operationName")
    command_type = EndPreviewSession


CAMPAIGN_OPERATIONS = OperationTable[CommandRequest](
    StartPreviewRequest, GetPreviewRecordRequest, EndPreviewRequest
)
