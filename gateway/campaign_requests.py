"""The preview-session operations on `/api/v2/me/outbound-campaigns/{campaign}`: the campaign is
named by the URL, the body carries `applicationId`, `devicePath` and `referenceId` only."""

from abc import ABC, abstractmethod
from typing import Any, Literal

from pydantic import ConfigDict, Field

from gateway.errors import invalid
from gateway.parameters import AgentRequest, OperationTable, Receipt
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


class CampaignRequest(AgentRequest, ABC):
    @abstractmethod
    def command(self, receipt: Receipt, campaign_name: str) -> AgentCommand: ...


class StartPreviewRequest(CampaignRequest):
    model_config = _example("StartPreviewSession")
    operation_name: Literal["StartPreviewSession"] = Field(alias="operationName")

    def command(self, receipt: Receipt, campaign_name: str) -> AgentCommand:
        return StartPreviewSession(**self.common(receipt, campaign_name))


class GetPreviewRecordRequest(CampaignRequest):
    model_config = _example("GetPreviewRecord")
    operation_name: Literal["GetPreviewRecord"] = Field(alias="operationName")

    def command(self, receipt: Receipt, campaign_name: str) -> AgentCommand:
        return GetPreviewRecord(**self.common(receipt, campaign_name))


class EndPreviewRequest(CampaignRequest):
    model_config = _example("EndPreviewSession")
    operation_name: Literal["EndPreviewSession"] = Field(alias="operationName")

    def command(self, receipt: Receipt, campaign_name: str) -> AgentCommand:
        return EndPreviewSession(**self.common(receipt, campaign_name))


CAMPAIGN_OPERATIONS = OperationTable[CampaignRequest](
    StartPreviewRequest, GetPreviewRecordRequest, EndPreviewRequest
)


def campaign_command(
    operation: str, campaign_name: str, body: dict[str, Any], *, user_name: str, received_at_ns: int
) -> AgentCommand:
    """The command for a request to `/outbound-campaigns/{campaign}`; GwsError if it is wrong."""
    request = CAMPAIGN_OPERATIONS.model_for(operation).parse(body)
    if not campaign_name.strip():
        raise invalid("campaignName", "a campaign's name in the URL")
    return request.command(Receipt(user_name, received_at_ns), campaign_name)
