"""`ocs.records-changelog`: the worker's state changes, what a restore replays; published so
that other teams may read the latest state of each entity.

One change replaces one entity (a campaign definition, a record, an agent's preview session, a
do-not-call phone), so the compacted changelog keeps exactly the latest value of each.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from outbound_contracts.calling_lists import CallingListRules
from outbound_contracts.codec import encode
from outbound_contracts.records import CallingListRecord


class _Change(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    application_id: int
    campaign_name: str

    @property
    def campaign(self) -> tuple[int, str]:
        return (self.application_id, self.campaign_name)

    def _prefix(self) -> str:
        return f"{self.application_id}:{self.campaign_name}"


class CampaignDefined(_Change):
    """The campaign and its calling lists, as last defined by the loader."""

    type: Literal["CampaignDefined"] = "CampaignDefined"
    calling_lists: tuple[str, ...]
    dialing_mode: Literal["Preview"] = "Preview"
    calling_list_rules: dict[str, CallingListRules] = Field(
        default_factory=dict, description="Per calling list; a list not named has the defaults"
    )

    @property
    def entity_key(self) -> str:
        return f"{self._prefix()}:campaign"


class RecordStored(_Change):
    """A calling-list record's latest state."""

    type: Literal["RecordStored"] = "RecordStored"
    record: CallingListRecord
    rejected_by: str | None = Field(
        default=None, description="The agent who last rejected it: not handed straight back"
    )

    @property
    def entity_key(self) -> str:
        return f"{self._prefix()}:record:{self.record.record_handle}"


class PreviewSessionChanged(_Change):
    """An agent joined (with a device) or left (no device) the campaign's preview dialing."""

    type: Literal["PreviewSessionChanged"] = "PreviewSessionChanged"
    user_name: str
    device_id: str | None = Field(description="None: the session ended")

    @property
    def entity_key(self) -> str:
        return f"{self._prefix()}:session:{self.user_name}"


class PhoneBlocked(_Change):
    """The phone joined the campaign's do-not-call list (never leaves it)."""

    type: Literal["PhoneBlocked"] = "PhoneBlocked"
    phone: str

    @property
    def entity_key(self) -> str:
        return f"{self._prefix()}:dnc:{self.phone}"


Change = Annotated[
    CampaignDefined | RecordStored | PreviewSessionChanged | PhoneBlocked,
    Field(discriminator="type"),
]

_changes: TypeAdapter[Change] = TypeAdapter(Change)


def encode_change(change: Change) -> tuple[bytes, bytes]:
    """The changelog entry (key, value) of a change."""
    return change.entity_key.encode(), encode(change)


def decode_change(value: bytes) -> Change:
    return _changes.validate_json(value)
