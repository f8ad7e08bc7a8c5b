"""A calling list's own rules, set per list with DefineCampaign and kept in the changelog."""

from pydantic import BaseModel, ConfigDict, Field

from outbound_contracts.records import DayEnd, SecondsOfDay


class CallingListRules(BaseModel):
    """Genesys `CfgCallingList`'s `timeFrom`/`timeUntil`: the list's daily window, in each
    contact's own zone, `[time_from, time_until)` (from > until: overnight). A record is
    dialable only inside both this window and its own (`daily_from`/`daily_till`). The default
    is the whole day. `max_attempts` is `CfgCallingList.maxAttempts`: a record that reached it
    is not handed out again."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    time_from: SecondsOfDay = Field(default=0, description="Seconds after local midnight")
    time_until: DayEnd = Field(
        default=86400, description="Seconds after local midnight, excluded; 86400: midnight"
    )
    max_attempts: int = Field(
        default=10, ge=1, description="A record with this many attempts is not handed out again"
    )
