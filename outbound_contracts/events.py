"""Events on `ocs.events`: past tense, keyed by the agent who must hear of them.

An agent outcome carries everything the notifier needs to render the two CometD messages
(`/v2/me/outbound` and `/me/internal`) without knowing OCS: the subject block, the GSW_* user
data, and the timings.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from outbound_contracts.commands import SCHEMA_VERSION

MessageType = Literal["OutboundRecordMessage", "OutboundCampaignMessage"]
GswValue = str | int | float | bool


class AgentOutcome(BaseModel):
    """What OCS tells the desktop about one command; one command may yield several, in order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = SCHEMA_VERSION
    command_id: str = Field(min_length=1)
    sequence: int = Field(default=0, ge=0, description="Position among this command's outcomes")
    user_name: str = Field(min_length=1)
    device_id: str = Field(min_length=1)
    reference_id: str | None = None
    received_at_ns: int = Field(ge=0, description="Gateway receipt time, Unix epoch nanoseconds")
    processing_ns: int = Field(ge=0, description="Worker time spent applying the command")
    message_type: MessageType
    subject: dict[str, JsonValue] = Field(description="The `record` or `campaign` block")
    user_data: dict[str, GswValue] = Field(description="GSW_* keys of the OCS user event")


class UserEventRaised(AgentOutcome):
    """OCS acknowledged the request (or delivered data such as a preview record)."""

    type: Literal["UserEventRaised"] = "UserEventRaised"
    notification_type: str = Field(min_length=1)


class CommandFailed(AgentOutcome):
    """OCS refused the request; the error number is one of the worker's documented codes."""

    type: Literal["CommandFailed"] = "CommandFailed"
    error_code: int
    error_message: str


class ImportRejection(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    line: int
    reason: str


class RecordsImported(BaseModel):
    """The worker applied a loader batch; rows it refused are named by CSV line."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = SCHEMA_VERSION
    type: Literal["RecordsImported"] = "RecordsImported"
    command_id: str = Field(min_length=1)
    application_id: int
    campaign_name: str
    imported: int = Field(ge=0)
    rejected: list[ImportRejection] = Field(default_factory=list)


Event = Annotated[
    UserEventRaised | CommandFailed | RecordsImported,
    Field(discriminator="type"),
]
