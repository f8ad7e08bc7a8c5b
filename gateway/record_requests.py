"""The record operations: on `/api/v2/me/outbound-records/{h}` (a record the agent holds) and on
`/api/v2/me/outbound-records` (do-not-call by phone, a new record), as the contract's commands."""

from abc import ABC
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    StrictFloat,
    StrictInt,
    WithJsonSchema,
)

from gateway.parameters import (
    ID_MAX,
    CommandRequest,
    Identifier,
    OperationTable,
    Receipt,
    Text,
    record_handle,
)
from outbound_contracts.commands import (
    AddRecord,
    AgentCommand,
    CancelRecord,
    CompleteRecord,
    DoNotCallRecord,
    GetChainedRecord,
    RejectRecord,
    RescheduleRecord,
    UpdateRecord,
)
from outbound_contracts.time_zones import known_time_zone
from outbound_contracts.vocabulary import CallbackType, CallResult, ChainAttribute, PhoneType


def _one_of(values: list[str]) -> str:
    return f"one of {', '.join(values)}"


def _call_result(value: object) -> CallResult:
    if isinstance(value, str) and value in CallResult.__members__:
        return CallResult[value]
    raise ValueError("not an OCS call result name")


_CALL_RESULTS = list(CallResult.__members__)
_CHAIN_ATTRIBUTES = [attribute.value for attribute in ChainAttribute]
_CALLBACK_TYPES = [callback.value for callback in CallbackType]
_PHONE_TYPES = [phone_type.value for phone_type in PhoneType]

CallResultName = Annotated[
    CallResult,
    PlainValidator(_call_result),
    WithJsonSchema({"type": "string", "enum": _CALL_RESULTS}),
]
ChainAttributeName = Annotated[
    ChainAttribute, WithJsonSchema({"type": "string", "enum": _CHAIN_ATTRIBUTES})
]
CallbackTypeName = Annotated[
    CallbackType, WithJsonSchema({"type": "string", "enum": _CALLBACK_TYPES})
]
TimeZone = Annotated[Text, AfterValidator(known_time_zone)]
PhoneTypeName = Annotated[PhoneType, WithJsonSchema({"type": "string", "enum": _PHONE_TYPES})]
SecondsOfDay = Annotated[StrictInt, Field(ge=0, le=86399)]
# 9999-12-31T23:59:59Z: the last second a date of the calendar can name.
LAST_TIMESTAMP = 253402300799
# `NaN`, `Infinity` and `1e400` parse as floats, but the command's JSON cannot carry them.
FiniteFloat = Annotated[StrictFloat, Field(allow_inf_nan=False)]

_CALLING_LIST = "a calling list's name (non-empty string)"
_PHONE = "a phone number (non-empty string)"
_CHAIN = f"{_one_of(_CHAIN_ATTRIBUTES)} (absent: RecordOnly)"
_TIME_ZONE = "an IANA time zone name (America/New_York) or a Genesys short name (ECT, PST)"
_FROM = "seconds since midnight, 0..86399 (start of the daily dialing window)"
_UNTIL = "seconds since midnight, 0..86399 (end of the daily dialing window)"

_DEVICE = "/devices/2b00393c-9ad3-418f-8b3d-a06cbe8af395"
_COMMON: dict[str, Any] = {"applicationId": 134, "campaignName": "Campaign1", "devicePath": _DEVICE}


def _example(operation: str, **parameters: Any) -> ConfigDict:
    return ConfigDict(
        json_schema_extra={"examples": [{"operationName": operation, **_COMMON, **parameters}]}
    )


class CampaignRecordRequest(CommandRequest, ABC):
    campaign_name: Text = Field(alias="campaignName", description="the campaign's name")


class HeldRecordRequest(CampaignRecordRequest, ABC):
    """An operation on the record `{h}` that the agent holds."""

    def held(self, receipt: Receipt, path: Mapping[str, str]) -> dict[str, Any]:
        """The command's fields so far: the common ones and the URL's record handle."""
        handle = record_handle(path["recordHandle"])
        return {**self.common(receipt, self.campaign_name), "record_handle": handle}


class RejectRequest(HeldRecordRequest):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "operationName": "RejectRecord",
                    "devicePath": _DEVICE,
                    "callingList": "CallingList1",
                    "applicationId": 134,
                    "campaignName": "Campaign1",
                    "referenceId": "123456789",
                }
            ]
        }
    )
    operation_name: Literal["RejectRecord"] = Field(alias="operationName")
    calling_list: Text = Field(alias="callingList", description=_CALLING_LIST)

    def command(self, receipt: Receipt, path: Mapping[str, str]) -> AgentCommand:
        return RejectRecord(
            **self.held(receipt, path),
            calling_list=self.calling_list,
        )


class RecordDeclineRequest(HeldRecordRequest, ABC):
    """Cancel and do-not-call by handle: the same parameters, a different fate for the record."""

    calling_list: Text = Field(alias="callingList", description=_CALLING_LIST)
    phone_number: Text | None = Field(default=None, alias="phoneNumber", description=_PHONE)
    chain_attribute: ChainAttributeName | None = Field(
        default=None, alias="chainAttribute", description=_CHAIN
    )
    command_type: ClassVar[type[CancelRecord] | type[DoNotCallRecord]]

    def command(self, receipt: Receipt, path: Mapping[str, str]) -> AgentCommand:
        return self.command_type(
            **self.held(receipt, path),
            calling_list=self.calling_list,
            phone_number=self.phone_number,
            chain_attribute=self.chain_attribute,
        )


class CancelRequest(RecordDeclineRequest):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "operationName": "CancelRecord",
                    "devicePath": "/devices/57fc644b-c3b8-4ce8-ad82-d7e15c5f0b33",
                    "callingList": "CallingList1",
                    "applicationId": 134,
                    "campaignName": "Campaign1",
                    "phoneNumber": "3001",
                    "chainAttribute": "AllChain",
                    "referenceId": "123456789",
                }
            ]
        }
    )
    operation_name: Literal["CancelRecord"] = Field(alias="operationName")
    command_type = CancelRecord


class CompleteRequest(HeldRecordRequest):
    model_config = _example(
        "CompleteRecord", callingList="CallingList1", callResult="Answer", referenceId="17"
    )
    operation_name: Literal["CompleteRecord"] = Field(alias="operationName")
    calling_list: Text = Field(alias="callingList", description=_CALLING_LIST)
    call_result: CallResultName | None = Field(
        default=None, alias="callResult", description=_one_of(_CALL_RESULTS)
    )
    phone_number: Text | None = Field(default=None, alias="phoneNumber", description=_PHONE)

    def command(self, receipt: Receipt, path: Mapping[str, str]) -> AgentCommand:
        return CompleteRecord(
            **self.held(receipt, path),
            calling_list=self.calling_list,
            call_result=self.call_result,
            phone_number=self.phone_number,
        )


class UpdateRequest(HeldRecordRequest):
    model_config = _example(
        "UpdateRecord",
        callingList="CallingList1",
        phoneNumber="3002",
        phoneType="Mobile",
        timeZone="ECT",
        **{"from": 32400, "until": 64800},
    )
    operation_name: Literal["UpdateRecord"] = Field(alias="operationName")
    calling_list: Text | None = Field(default=None, alias="callingList", description=_CALLING_LIST)
    phone_number: Text | None = Field(default=None, alias="phoneNumber", description=_PHONE)
    time_zone: TimeZone | None = Field(default=None, alias="timeZone", description=_TIME_ZONE)
    phone_type: PhoneTypeName | None = Field(
        default=None, alias="phoneType", description=_one_of(_PHONE_TYPES)
    )
    daily_from: SecondsOfDay | None = Field(default=None, alias="from", description=_FROM)
    daily_till: SecondsOfDay | None = Field(default=None, alias="until", description=_UNTIL)

    def command(self, receipt: Receipt, path: Mapping[str, str]) -> AgentCommand:
        return UpdateRecord(
            **self.held(receipt, path),
            calling_list=self.calling_list,
            phone_number=self.phone_number,
            time_zone=self.time_zone,
            phone_type=self.phone_type,
            daily_from=self.daily_from,
            daily_till=self.daily_till,
        )


class RescheduleRequest(HeldRecordRequest):
    model_config = _example("RescheduleRecord", callbackType="Personal", timestamp=1767261600)
    operation_name: Literal["RescheduleRecord"] = Field(alias="operationName")
    callback_type: CallbackTypeName = Field(
        alias="callbackType", description=_one_of(_CALLBACK_TYPES)
    )
    timestamp: StrictInt = Field(
        ge=0,
        le=LAST_TIMESTAMP,
        description=f"the callback time in Unix epoch seconds, an integer 0..{LAST_TIMESTAMP}",
    )

    def command(self, receipt: Receipt, path: Mapping[str, str]) -> AgentCommand:
        return RescheduleRecord(
            **self.held(receipt, path),
            callback_type=self.callback_type,
            timestamp=self.timestamp,
        )


class DoNotCallRequest(RecordDeclineRequest):
    model_config = _example("DoNotCallRecord", callingList="CallingList1")
    operation_name: Literal["DoNotCallRecord"] = Field(alias="operationName")
    command_type = DoNotCallRecord


class GetChainedRequest(HeldRecordRequest):
    model_config = _example("GetChainedRecord")
    operation_name: Literal["GetChainedRecord"] = Field(alias="operationName")

    def command(self, receipt: Receipt, path: Mapping[str, str]) -> AgentCommand:
        return GetChainedRecord(**self.held(receipt, path))


class UnheldRecordRequest(CampaignRecordRequest, ABC):
    """An operation on `/outbound-records` itself, naming no record handle."""


class DoNotCallPhoneRequest(UnheldRecordRequest):
    model_config = _example("DoNotCallRecord", phoneNumber="3001")
    operation_name: Literal["DoNotCallRecord"] = Field(alias="operationName")
    phone_number: Text = Field(alias="phoneNumber", description=_PHONE)
    calling_list: Text | None = Field(default=None, alias="callingList", description=_CALLING_LIST)
    chain_attribute: ChainAttributeName | None = Field(
        default=None, alias="chainAttribute", description=_CHAIN
    )

    def command(self, receipt: Receipt, path: Mapping[str, str]) -> AgentCommand:
        return DoNotCallRecord(
            **self.common(receipt, self.campaign_name),
            phone_number=self.phone_number,
            calling_list=self.calling_list,
            chain_attribute=self.chain_attribute,
        )


class AddRecordRequest(UnheldRecordRequest):
    model_config = _example(
        "AddRecord",
        callingList="CallingList1",
        phoneNumber="3100",
        phoneType="HomePhone",
        timeZone="ECT",
        chainId=7,
        otherFields={"customer_name": "Ada Lovelace"},
        **{"from": 32400, "until": 72000},
    )
    operation_name: Literal["AddRecord"] = Field(alias="operationName")
    calling_list: Text = Field(alias="callingList", description=_CALLING_LIST)
    phone_number: Text = Field(alias="phoneNumber", description=_PHONE)
    time_zone: TimeZone = Field(alias="timeZone", description=_TIME_ZONE)
    phone_type: PhoneTypeName = Field(alias="phoneType", description=_one_of(_PHONE_TYPES))
    daily_from: SecondsOfDay = Field(alias="from", description=_FROM)
    daily_till: SecondsOfDay = Field(alias="until", description=_UNTIL)
    chain_id: Identifier | None = Field(
        default=None,
        alias="chainId",
        description=f"the chain to join, an integer 0..{ID_MAX} (absent: a new chain)",
    )
    other_fields: dict[str, Text | StrictInt | FiniteFloat | StrictBool] = Field(
        default_factory=dict,
        alias="otherFields",
        description="an object of custom fields, each a string, number or boolean",
    )

    def command(self, receipt: Receipt, path: Mapping[str, str]) -> AgentCommand:
        return AddRecord(
            **self.common(receipt, self.campaign_name),
            calling_list=self.calling_list,
            phone_number=self.phone_number,
            time_zone=self.time_zone,
            phone_type=self.phone_type,
            daily_from=self.daily_from,
            daily_till=self.daily_till,
            chain_id=self.chain_id,
            other_fields=self.other_fields,
        )


HELD_RECORD_OPERATIONS = OperationTable[CommandRequest](
    RejectRequest,
    CancelRequest,
    CompleteRequest,
    UpdateRequest,
    RescheduleRequest,
    DoNotCallRequest,
    GetChainedRequest,
)
UNHELD_RECORD_OPERATIONS = OperationTable[CommandRequest](DoNotCallPhoneRequest, AddRecordRequest)
