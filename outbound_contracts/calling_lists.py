"""A calling list's own rules, set per list with DefineCampaign and kept in the changelog."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from outbound_contracts.records import DayEnd, SecondsOfDay
from outbound_contracts.vocabulary import CallResult


class Treatment(BaseModel):
    """What CompleteRecord does to a record for one call result (Genesys's treatments, in
    brief). `retry`: back to Ready as CampaignRescheduled, due `interval_minutes` later plus
    `increment_minutes` per earlier retry, at most `max_cycles` times, then Updated.
    `next_in_chain`: the record is Updated and its chain's next record is dialable."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    action: Literal["retry", "next_in_chain"]
    interval_minutes: int = Field(default=0, ge=0)
    increment_minutes: int = Field(default=0, ge=0)
    max_cycles: int = Field(default=1, ge=1)


class CallingListRules(BaseModel):
    """Genesys `CfgCallingList`'s `timeFrom`/`timeUntil`: the list's daily window, in each
    contact's own zone, `[time_from, time_until)` (from > until: overnight). A record is
    dialable only inside both this window and its own (`daily_from`/`daily_till`). The default
    is the whole day. `max_attempts` is `CfgCallingList.maxAttempts`: a record that reached it
    is not handed out again. `treatments` say what CompleteRecord does per call result."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    time_from: SecondsOfDay = Field(default=0, description="Seconds after local midnight")
    time_until: DayEnd = Field(
        default=86400, description="Seconds after local midnight, excluded; 86400: midnight"
    )
    max_attempts: int = Field(
        default=10, ge=1, description="A record with this many attempts is not handed out again"
    )
    treatments: dict[str, Treatment] = Field(
        default_factory=dict,
        description="By call result name (`NoAnswer`); a result without one: Updated, final",
    )

    @field_validator("treatments")
    @classmethod
    def _call_results(cls, treatments: dict[str, Treatment]) -> dict[str, Treatment]:
        unknown = sorted(set(treatments) - set(CallResult.__members__))
        if unknown:
            raise ValueError(f"not OCS call result names: {', '.join(unknown)}")
        return treatments
