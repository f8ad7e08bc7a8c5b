"""A calling-list record as OCS keeps it: imported by the loader, owned by the worker."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from outbound_contracts.vocabulary import CallResult, PhoneType, RecordStatus, RecordType

SecondsOfDay = Annotated[int, Field(ge=0, le=86399)]
DayEnd = Annotated[int, Field(ge=0, le=86400)]
"""The end of a daily window, excluded: 86400 is the next midnight (a window to the day's end)."""
RecordHandle = Annotated[int, Field(ge=0)]
CustomFieldValue = str | int | float | bool


class CallingListRecord(BaseModel):
    """One row of a Genesys calling list, with the state OCS tracks for it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    record_handle: RecordHandle
    calling_list: str = Field(min_length=1)
    chain_id: int = Field(ge=0)
    chain_n: int = Field(ge=0)
    phone: str = Field(min_length=1)
    phone_type: PhoneType = PhoneType.NO_CONTACT_TYPE
    time_zone: str = Field(min_length=1)
    daily_from: SecondsOfDay = 0
    daily_till: DayEnd = 86399
    record_type: RecordType = RecordType.GENERAL
    record_status: RecordStatus = RecordStatus.READY
    call_result: CallResult = CallResult.UnknownCallResult
    attempts: int = Field(default=0, ge=0)
    agent_id: str | None = None
    dial_sched_time: int | None = None
    treatment_cycles: int = Field(
        default=0, ge=0, description="Retries the calling list's treatments made of it"
    )
    custom_fields: dict[str, CustomFieldValue] = Field(default_factory=dict)
