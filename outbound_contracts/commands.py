"""Commands on `ocs.commands`: imperative, one per GWS operation, plus the loader's imports.

Every command is keyed by its campaign (`topics.campaign_key`), so one worker owns a campaign.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from outbound_contracts.calling_lists import CallingListRules
from outbound_contracts.records import (
    CallingListRecord,
    CustomFieldValue,
    DayEnd,
    RecordHandle,
    SecondsOfDay,
)
from outbound_contracts.topics import campaign_key
from outbound_contracts.vocabulary import CallbackType, CallResult, ChainAttribute, PhoneType

SCHEMA_VERSION: Literal[1] = 1


class CampaignCommand(BaseModel):
    """What every command carries: identity, schema version and the campaign it addresses."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = SCHEMA_VERSION
    command_id: str = Field(min_length=1)
    application_id: int
    campaign_name: str = Field(min_length=1)

    @property
    def partition_key(self) -> bytes:
        return campaign_key(self.application_id, self.campaign_name)


class AgentCommand(CampaignCommand):
    """A desktop request accepted by the gateway on behalf of an authenticated agent."""

    user_name: str = Field(min_length=1)
    device_id: str = Field(min_length=1)
    reference_id: str | None = None
    received_at_ns: int = Field(ge=0, description="Gateway receipt time, Unix epoch nanoseconds")
    accept_by_ns: int | None = Field(
        default=None,
        ge=0,
        description="Unix epoch ns: the broker must have appended the command by then, or the "
        "desktop was answered 503 and the worker must not apply it",
    )
    campaign_withheld: bool = Field(
        default=False,
        exclude_if=lambda withheld: not withheld,
        description="True: the users file does not give the agent this campaign, and the worker "
        "answers as if the campaign did not exist (error 104, nothing changed). Written only "
        "when true",
    )


class RecordCommand(AgentCommand):
    record_handle: RecordHandle


class RejectRecord(RecordCommand):
    """The agent rejects the record it holds: OCS returns it to the calling list."""

    type: Literal["RejectRecord"] = "RejectRecord"
    calling_list: str


class CancelRecord(RecordCommand):
    """The agent cancels the record (or its whole chain): it will not be dialled again."""

    type: Literal["CancelRecord"] = "CancelRecord"
    calling_list: str
    phone_number: str | None = None
    chain_attribute: ChainAttribute | None = Field(
        default=None, description="None: the request named none, and OCS treats it as RecordOnly"
    )


class CompleteRecord(RecordCommand):
    """The agent is done with the record, with a call result."""

    type: Literal["CompleteRecord"] = "CompleteRecord"
    calling_list: str
    call_result: CallResult | None = None
    phone_number: str | None = None


class UpdateRecord(RecordCommand):
    """The agent changes the record's phone, time zone, phone type or daily window."""

    type: Literal["UpdateRecord"] = "UpdateRecord"
    calling_list: str | None = None
    phone_number: str | None = None
    time_zone: str | None = None
    phone_type: PhoneType | None = None
    daily_from: SecondsOfDay | None = None
    daily_till: DayEnd | None = None


class RescheduleRecord(RecordCommand):
    """The agent schedules a personal or campaign callback for the record."""

    type: Literal["RescheduleRecord"] = "RescheduleRecord"
    callback_type: CallbackType
    timestamp: int = Field(ge=0, description="Callback time, Unix epoch seconds")


class DoNotCallRecord(AgentCommand):
    """By handle (`record_handle` set) or by phone (`record_handle` None, `phone_number` set)."""

    type: Literal["DoNotCallRecord"] = "DoNotCallRecord"
    record_handle: RecordHandle | None = None
    calling_list: str | None = None
    phone_number: str | None = None
    chain_attribute: ChainAttribute | None = Field(
        default=None, description="None: the request named none, and OCS treats it as RecordOnly"
    )


class GetChainedRecord(RecordCommand):
    """The agent asks for the next record of the held record's chain."""

    type: Literal["GetChainedRecord"] = "GetChainedRecord"


class AddRecord(AgentCommand):
    """The agent adds a record to a calling list of the campaign."""

    type: Literal["AddRecord"] = "AddRecord"
    calling_list: str
    phone_number: str
    time_zone: str
    phone_type: PhoneType
    daily_from: SecondsOfDay
    daily_till: DayEnd
    chain_id: int | None = None
    other_fields: dict[str, CustomFieldValue] = Field(default_factory=dict)


class StartPreviewSession(AgentCommand):
    """The agent joins the campaign's preview dialing."""

    type: Literal["StartPreviewSession"] = "StartPreviewSession"


class GetPreviewRecord(AgentCommand):
    """The agent asks for the next record to preview."""

    type: Literal["GetPreviewRecord"] = "GetPreviewRecord"


class EndPreviewSession(AgentCommand):
    """The agent leaves the campaign's preview dialing."""

    type: Literal["EndPreviewSession"] = "EndPreviewSession"


class DefineCampaign(CampaignCommand):
    """Loader: create or update a campaign (Preview dialing) and its calling lists."""

    type: Literal["DefineCampaign"] = "DefineCampaign"
    calling_lists: list[str] = Field(min_length=1)
    dialing_mode: Literal["Preview"] = "Preview"
    calling_list_rules: dict[str, CallingListRules] = Field(
        default_factory=dict,
        description="Rules per calling list of `calling_lists`; a list not named here keeps "
        "its rules (a new one: the defaults)",
    )


class ImportRecords(CampaignCommand):
    """Loader: a batch of calling-list rows; `first_line` is the CSV line of `records[0]`."""

    type: Literal["ImportRecords"] = "ImportRecords"
    first_line: int = Field(ge=1)
    records: list[CallingListRecord] = Field(min_length=1)


class DeliverDueCallbacks(CampaignCommand):
    """Written by the worker to its own partition when a personal callback of the campaign may
    have come due: applying it pushes each due callback to its agent's open preview session
    (ScheduledCall), and turns one whose agent had no session for `missed_after_seconds` after
    its time into a campaign callback. Time enters the log as `now_ns` (the worker's clock when
    it wrote the command), so a replay decides the same."""

    type: Literal["DeliverDueCallbacks"] = "DeliverDueCallbacks"
    now_ns: int = Field(ge=0, description="The worker's clock when written, Unix epoch ns")
    missed_after_seconds: int = Field(
        ge=0, description="A personal callback this long past its time with no session is missed"
    )


Command = Annotated[
    RejectRecord
    | CancelRecord
    | CompleteRecord
    | UpdateRecord
    | RescheduleRecord
    | DoNotCallRecord
    | GetChainedRecord
    | AddRecord
    | StartPreviewSession
    | GetPreviewRecord
    | EndPreviewSession
    | DefineCampaign
    | ImportRecords
    | DeliverDueCallbacks,
    Field(discriminator="type"),
]
