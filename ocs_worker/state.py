"""The record state of the campaigns one worker owns (one instance per owned partition).

Only `with_change` mutates it; the core (`engine.apply`) reads it and returns changes. The
indexes (chains, the Ready queue, phones) are derived from the records and are never stored.
"""

from bisect import bisect_left, insort
from dataclasses import dataclass, field
from typing import Any

from outbound_contracts.calling_lists import CallingListRules
from outbound_contracts.changelog import (
    CampaignDefined,
    Change,
    PhoneBlocked,
    PreviewSessionChanged,
    RecordStored,
)
from outbound_contracts.records import CallingListRecord
from outbound_contracts.vocabulary import RecordStatus, RecordType

CampaignKey = tuple[int, str]

_DEFAULT_RULES = CallingListRules()
FINAL_STATUSES = frozenset({RecordStatus.UPDATED, RecordStatus.CANCELLED})


def is_final(record: CallingListRecord) -> bool:
    return record.record_status in FINAL_STATUSES or record.record_type is RecordType.NO_CALL


DIALABLE_STATUSES = frozenset({RecordStatus.READY, RecordStatus.MISSED_CALLBACK})
"""A missed personal callback stays MissedCallback while it waits as a campaign callback."""


def is_dialable(record: CallingListRecord) -> bool:
    return (
        record.record_status in DIALABLE_STATUSES and record.record_type is not RecordType.NO_CALL
    )


WindowKey = tuple[str, str, int, int]
"""A record's calling list, zone, daily_from and daily_till: what decides when it opens."""


def window_key(record: CallingListRecord) -> WindowKey:
    return (record.calling_list, record.time_zone, record.daily_from, record.daily_till)


@dataclass
class ReadyQueue:
    """The Ready chains of one window: unscheduled ones by chain id, scheduled ones (retries,
    campaign callbacks) by their time, then chain id."""

    unscheduled: list[int] = field(default_factory=list)
    scheduled: list[tuple[int, int]] = field(default_factory=list)

    def chain_ids(self) -> list[int]:
        return self.unscheduled + [chain for _, chain in self.scheduled]

    def is_empty(self) -> bool:
        return not self.unscheduled and not self.scheduled


@dataclass
class CampaignState:
    application_id: int
    name: str
    calling_lists: tuple[str, ...] = ()
    rules: dict[str, CallingListRules] = field(default_factory=dict)
    """Per calling list, as defined; a list not in it has the defaults."""
    records: dict[int, CallingListRecord] = field(default_factory=dict)
    rejected_by: dict[int, str] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)
    do_not_call: set[str] = field(default_factory=set)
    chains: dict[int, set[int]] = field(default_factory=dict)
    phones: dict[str, set[int]] = field(default_factory=dict)
    ready: dict[WindowKey, ReadyQueue] = field(default_factory=dict)
    """The preview queue: chains whose next record anyone may get, by that record's window,
    so that a pick asks each window once whether it is open instead of each record."""
    personal_chains: dict[str, list[int]] = field(default_factory=dict)
    """Per agent: chains whose next record is that agent's personal callback."""
    _queued_in: dict[int, tuple[list[Any], Any]] = field(default_factory=dict)
    """Where each queued chain is: its queue and its entry there."""
    max_handle: int = -1
    max_chain_id: int = -1

    @property
    def defined(self) -> bool:
        return bool(self.calling_lists)

    def rules_of(self, calling_list: str) -> CallingListRules:
        return self.rules.get(calling_list, _DEFAULT_RULES)

    def chain_records(self, chain_id: int) -> list[CallingListRecord]:
        """The chain in processing order (chain number)."""
        handles = self.chains.get(chain_id, set())
        return sorted((self.records[h] for h in handles), key=lambda r: r.chain_n)

    def store(self, record: CallingListRecord, rejected_by: str | None) -> None:
        handle = record.record_handle
        previous = self.records.get(handle)
        if previous is not None and previous.phone != record.phone:
            self.phones[previous.phone].discard(handle)
        self.records[handle] = record
        if rejected_by is None:
            self.rejected_by.pop(handle, None)
        else:
            self.rejected_by[handle] = rejected_by
        self.chains.setdefault(record.chain_id, set()).add(handle)
        self.phones.setdefault(record.phone, set()).add(handle)
        self.max_handle = max(self.max_handle, handle)
        self.max_chain_id = max(self.max_chain_id, record.chain_id)
        self._refresh_queue(record.chain_id)

    def next_in_chain(self, chain_id: int) -> CallingListRecord | None:
        """The record an agent would get from this chain (its lowest Ready chain number with
        attempts left); None while an agent holds one."""
        first: CallingListRecord | None = None
        for handle in self.chains.get(chain_id, ()):
            record = self.records[handle]
            if record.record_status is RecordStatus.RETRIEVED:
                return None
            if (
                is_dialable(record)
                and record.attempts < self.rules_of(record.calling_list).max_attempts
                and (first is None or record.chain_n < first.chain_n)
            ):
                first = record
        return first

    def has_open_record(self, chain_id: int) -> bool:
        """A chain is open while one of its records is not final."""
        return any(not is_final(self.records[h]) for h in self.chains.get(chain_id, ()))

    def redefine(self, change: CampaignDefined) -> None:
        changed_rules = change.calling_list_rules != self.rules
        self.calling_lists = change.calling_lists
        self.rules = dict(change.calling_list_rules)
        if changed_rules:  # max_attempts may have moved a chain's next record
            for chain_id in self.chains:
                self._refresh_queue(chain_id)

    @property
    def ready_chains(self) -> list[int]:
        """Every chain of the preview queue, ascending (for inspection)."""
        return sorted(chain for queue in self.ready.values() for chain in queue.chain_ids())

    def _refresh_queue(self, chain_id: int) -> None:
        first = self.next_in_chain(chain_id)
        place: tuple[list[Any], Any] | None = None
        if first is not None and first.record_type is RecordType.PERSONAL_CALLBACK:
            place = (self.personal_chains.setdefault(first.agent_id or "", []), chain_id)
        elif first is not None:
            window = window_key(first)
            queue = self.ready.get(window) or self.ready.setdefault(window, ReadyQueue())
            if first.dial_sched_time is None:
                place = (queue.unscheduled, chain_id)
            else:
                place = (queue.scheduled, (first.dial_sched_time, chain_id))
        current = self._queued_in.get(chain_id)
        if (
            current is not None
            and place is not None
            and current[0] is place[0]
            and current[1] == place[1]
        ):
            return
        if current is not None:
            entries, entry = current
            del entries[bisect_left(entries, entry)]
            del self._queued_in[chain_id]
        if place is not None:
            insort(place[0], place[1])
            self._queued_in[chain_id] = place
        self._drop_empty_windows(current, first)

    def _drop_empty_windows(
        self, left: tuple[list[Any], Any] | None, first: CallingListRecord | None
    ) -> None:
        """A window none of the queue's chains has any more is not asked again."""
        if left is None or left[0]:
            return
        for window, queue in list(self.ready.items()):
            if queue.is_empty() and (first is None or window != window_key(first)):
                del self.ready[window]


@dataclass
class PartitionState:
    """Every campaign whose commands land on one partition of `ocs.commands`."""

    campaigns: dict[CampaignKey, CampaignState] = field(default_factory=dict)

    def campaign(self, key: CampaignKey) -> CampaignState | None:
        found = self.campaigns.get(key)
        return found if found is not None and found.defined else None

    def with_change(self, change: Change) -> None:
        key = change.campaign
        campaign = self.campaigns.get(key)
        if campaign is None:
            # A restore may meet a record before its (later redefined) campaign entry.
            campaign = self.campaigns[key] = CampaignState(*key)
        match change:
            case CampaignDefined():
                campaign.redefine(change)
            case RecordStored():
                campaign.store(change.record, change.rejected_by)
            case PreviewSessionChanged(device_id=None):
                campaign.sessions.pop(change.user_name, None)
            case PreviewSessionChanged(device_id=str(device_id)):
                campaign.sessions[change.user_name] = device_id
            case PhoneBlocked():
                campaign.do_not_call.add(change.phone)

    def with_changes(self, changes: list[Change]) -> None:
        for change in changes:
            self.with_change(change)
