"""The OCS record engine: `apply(state, command)` decides outcomes and state changes, purely.

It never mutates the state and reads no clock: a command's "now" is its gateway receipt time,
so replaying the same commands always gives the same outcomes and the same final state.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import takewhile
from typing import Any

from ocs_worker.calling_window import in_window, window_open
from ocs_worker.outcomes import (
    OcsError,
    Outcome,
    PushedTo,
    acknowledged,
    campaign_block,
    failed,
    record_block,
    record_user_data,
    request_user_data,
    scheduled_call,
)
from ocs_worker.state import CampaignState, PartitionState, is_dialable, is_final
from outbound_contracts.calling_lists import Treatment
from outbound_contracts.changelog import (
    CampaignDefined,
    Change,
    PhoneBlocked,
    PreviewSessionChanged,
    RecordStored,
)
from outbound_contracts.commands import (
    AddRecord,
    AgentCommand,
    CancelRecord,
    Command,
    CompleteRecord,
    DefineCampaign,
    DeliverDueCallbacks,
    DoNotCallRecord,
    EndPreviewSession,
    GetChainedRecord,
    GetPreviewRecord,
    ImportRecords,
    RejectRecord,
    RescheduleRecord,
    StartPreviewSession,
    UpdateRecord,
)
from outbound_contracts.events import ImportRejection, RecordsImported
from outbound_contracts.records import CallingListRecord
from outbound_contracts.time_zones import is_time_zone, time_zone
from outbound_contracts.vocabulary import (
    CallbackType,
    CallResult,
    ChainAttribute,
    RecordStatus,
    RecordType,
)

CALLBACK_HORIZON_SECONDS = 366 * 86400
"""A callback more than a year ahead (a leap year's worth) is refused."""


@dataclass(frozen=True, slots=True)
class Transition:
    outcomes: list[Outcome | RecordsImported]
    changes: list[Change]


class Refused(Exception):
    def __init__(self, error: OcsError) -> None:
        super().__init__(error.message)
        self.error = error


def apply(state: PartitionState, command: Command) -> Transition:
    if isinstance(command, DefineCampaign):
        return _define_campaign(state, command)
    if isinstance(command, ImportRecords):
        return _import_records(state, command)
    if isinstance(command, DeliverDueCallbacks):
        return _deliver_due_callbacks(state, command)
    handler = _HANDLERS[type(command)]
    if command.campaign_withheld:
        # Not the agent's campaign: answered against a partition without it, so the outcome
        # is a missing campaign's, whatever the campaign holds.
        state = PartitionState()
    try:
        return handler(state, command)
    except Refused as refusal:
        if isinstance(command, StartPreviewSession | EndPreviewSession):
            subject = campaign_block(command, state="NotStarted")
            return Transition(
                [failed(command, refusal.error, subject, message_type="OutboundCampaignMessage")],
                [],
            )
        return Transition([failed(command, refusal.error, _subject(state, command))], [])


# --- loader -------------------------------------------------------------------------------


def _define_campaign(state: PartitionState, command: DefineCampaign) -> Transition:
    """Adds calling lists and never removes one, so re-running an import is harmless."""
    known = state.campaigns.get((command.application_id, command.campaign_name))
    lists = known.calling_lists if known is not None else ()
    rules = dict(known.rules) if known is not None else {}
    merged = lists + tuple(
        name for name in dict.fromkeys(command.calling_lists) if name not in lists
    )
    named = command.calling_list_rules.items()
    merged_rules = rules | {name: r for name, r in named if name in command.calling_lists}
    if merged == lists and merged_rules == rules:
        return Transition([], [])
    change = CampaignDefined(
        application_id=command.application_id,
        campaign_name=command.campaign_name,
        calling_lists=merged,
        calling_list_rules=merged_rules,
    )
    return Transition([], [change])


def _import_records(state: PartitionState, command: ImportRecords) -> Transition:
    campaign = state.campaign((command.application_id, command.campaign_name))
    changes: list[Change] = []
    rejected: list[ImportRejection] = []
    seen: set[int] = set()
    for line, record in enumerate(command.records, start=command.first_line):
        reason = _import_refusal(campaign, record, seen)
        if reason is not None:
            rejected.append(ImportRejection(line=line, reason=reason))
            continue
        seen.add(record.record_handle)
        changes.append(_stored(command, record))
    result = RecordsImported(
        command_id=command.command_id,
        application_id=command.application_id,
        campaign_name=command.campaign_name,
        imported=len(changes),
        rejected=rejected,
    )
    return Transition([result], changes)


def _import_refusal(
    campaign: CampaignState | None, record: CallingListRecord, seen: set[int]
) -> str | None:
    if campaign is None:
        return "campaign is not defined"
    if record.calling_list not in campaign.calling_lists:
        return f"calling list {record.calling_list!r} is not in the campaign"
    if record.record_handle in campaign.records or record.record_handle in seen:
        return f"record handle {record.record_handle} already exists"
    if not is_time_zone(record.time_zone):
        return f"unknown time zone {record.time_zone!r}"
    return None


# --- record operations --------------------------------------------------------------------


def _reject(state: PartitionState, command: RejectRecord) -> Transition:
    _, record = _held_record(state, command, command.calling_list)
    released = record.model_copy(update={"record_status": RecordStatus.READY, "agent_id": None})
    change = _stored(command, released, rejected_by=command.user_name)
    return _acknowledge(state, command, "RecordRejectAcknowledge", [change])


def _cancel(state: PartitionState, command: CancelRecord) -> Transition:
    campaign, record = _held_record(state, command, command.calling_list)
    _check_phone(record, command.phone_number)
    cancelled = {
        **_FINISHED,
        "record_status": RecordStatus.CANCELLED,
        "call_result": CallResult.CancelRecord,
    }
    changes: list[Change] = [
        _stored(command, target.model_copy(update=cancelled))
        for target in _targets(campaign, record, command.chain_attribute)
    ]
    return _acknowledge(state, command, "RecordCancelAcknowledge", changes)


def _complete(state: PartitionState, command: CompleteRecord) -> Transition:
    """Updated (final), unless the calling list's treatment for the call result retries it."""
    campaign, record = _held_record(state, command, command.calling_list)
    _check_phone(record, command.phone_number)
    result = record.call_result if command.call_result is None else command.call_result
    treatment = campaign.rules_of(record.calling_list).treatments.get(result.name)
    done: dict[str, Any] = {
        "record_status": RecordStatus.UPDATED,
        "call_result": result,
        "attempts": record.attempts + 1,
    }
    if treatment is not None and _retries(treatment, record):
        minutes = treatment.interval_minutes + treatment.increment_minutes * record.treatment_cycles
        done |= {
            "record_status": RecordStatus.READY,
            "record_type": RecordType.CAMPAIGN_RESCHEDULED,
            "dial_sched_time": _now(command) + minutes * 60,
            "treatment_cycles": record.treatment_cycles + 1,
            "agent_id": None,
        }
    change = _stored(command, record.model_copy(update=done))
    return _acknowledge(state, command, "RecordProcessedAcknowledge", [change])


def _retries(treatment: Treatment, record: CallingListRecord) -> bool:
    return treatment.action == "retry" and record.treatment_cycles < treatment.max_cycles


def _update(state: PartitionState, command: UpdateRecord) -> Transition:
    _, record = _held_record(state, command, command.calling_list)
    given = {
        "phone": command.phone_number,
        "time_zone": command.time_zone,
        "phone_type": command.phone_type,
        "daily_from": command.daily_from,
        "daily_till": command.daily_till,
    }
    updated = record.model_copy(update={k: v for k, v in given.items() if v is not None})
    change = _stored(command, updated)
    return _acknowledge(state, command, "UpdateCallCompletionStatsAcknowledge", [change])


def _reschedule(state: PartitionState, command: RescheduleRecord) -> Transition:
    _, record = _held_record(state, command, None)
    now = _now(command)
    if not now <= command.timestamp <= now + CALLBACK_HORIZON_SECONDS:
        raise Refused(OcsError.NOT_ALLOWED)  # in the past, or more than a year ahead
    personal = command.callback_type is CallbackType.PERSONAL
    callback = record.model_copy(
        update={
            "record_status": RecordStatus.READY,
            "record_type": RecordType.PERSONAL_CALLBACK
            if personal
            else RecordType.CAMPAIGN_CALLBACK,
            "dial_sched_time": command.timestamp,
            "agent_id": command.user_name if personal else None,
            "attempts": record.attempts + 1,
        }
    )
    change = _stored(command, callback)
    return _acknowledge(state, command, "ScheduledRecordRescheduleAcknowledge", [change])


def _do_not_call(state: PartitionState, command: DoNotCallRecord) -> Transition:
    if command.record_handle is None:
        campaign = _campaign(state, command)
        _check_list(campaign, command.calling_list)
        if command.phone_number is None:
            raise Refused(OcsError.RECORD_NOT_FOUND)
        changes = _block_phone(command, campaign, command.phone_number, already=set())
        return _acknowledge(state, command, "DoNotCallAcknowledge", changes)
    campaign, record = _held_record(state, command, command.calling_list)
    _check_phone(record, command.phone_number)
    targets = _targets(campaign, record, command.chain_attribute)
    changes = [
        _stored(command, target.model_copy(update=_NO_CALL | _FINISHED)) for target in targets
    ]
    handled = {target.record_handle for target in targets}
    changes += _block_phone(command, campaign, record.phone, already=handled)
    return _acknowledge(state, command, "DoNotCallAcknowledge", changes)


def _chained_records(state: PartitionState, command: GetChainedRecord) -> Transition:
    """The chain's open records go to the agent who holds one of them: those it holds, and
    the Ready ones that may be dialled now (handed over)."""
    campaign, record = _held_record(state, command, None)
    outcomes: list[Outcome | RecordsImported] = []
    changes: list[Change] = []
    now = _now(command)
    for listed in campaign.chain_records(record.chain_id):
        if is_final(listed):
            continue  # a finished record's phone and fields are no one's business any more
        member = listed
        if is_dialable(listed):
            if not _may_dial(campaign, listed, now):
                continue
            member = listed.model_copy(
                update={"record_status": RecordStatus.RETRIEVED, "agent_id": command.user_name}
            )
            changes.append(_stored(command, member))
        user_data = record_user_data(
            member,
            user_event="ChainedRecord",
            agent=command.user_name,
            command_id=command.command_id,
            tz_offset=_tz_offset(member.time_zone, now),
        )
        block = record_block(
            command, calling_list=member.calling_list, record_handle=member.record_handle
        )
        block["userData"] = dict(user_data)
        sequence = len(outcomes)
        outcomes.append(acknowledged(command, "ChainedRecord", block, user_data, sequence=sequence))
    end_data = {**request_user_data(command), "GSW_USER_EVENT": "ChainedRecordsDataEnd"}
    outcomes.append(
        acknowledged(
            command,
            "ChainedRecordsDataEnd",
            _subject(state, command),
            end_data,
            sequence=len(outcomes),
        )
    )
    return Transition(outcomes, changes)


def _add(state: PartitionState, command: AddRecord) -> Transition:
    campaign = _campaign(state, command)
    _check_list(campaign, command.calling_list)
    chain_id = campaign.max_chain_id + 1 if command.chain_id is None else command.chain_id
    chain = campaign.chain_records(chain_id)
    if command.chain_id is not None and not campaign.has_open_record(chain_id):
        raise Refused(OcsError.NOT_ALLOWED)  # a finished chain is never revived
    if any(member.calling_list != command.calling_list for member in chain):
        raise Refused(OcsError.NOT_ALLOWED)
    blocked = command.phone_number in campaign.do_not_call
    record = CallingListRecord(
        record_handle=campaign.max_handle + 1,
        calling_list=command.calling_list,
        chain_id=chain_id,
        chain_n=max((member.chain_n for member in chain), default=-1) + 1,
        phone=command.phone_number,
        phone_type=command.phone_type,
        time_zone=command.time_zone,
        daily_from=command.daily_from,
        daily_till=command.daily_till,
        record_type=RecordType.NO_CALL if blocked else RecordType.GENERAL,
        call_result=CallResult.DoNotCall if blocked else CallResult.UnknownCallResult,
        custom_fields=command.other_fields,
    )
    subject = record_block(
        command, calling_list=command.calling_list, record_handle=record.record_handle
    )
    user_data = {
        **request_user_data(command),
        "GSW_RECORD_HANDLE": record.record_handle,
        "GSW_USER_EVENT": "AddRecordAcknowledge",
    }
    outcome = acknowledged(command, "AddRecordAcknowledge", subject, user_data)
    return Transition([outcome], [_stored(command, record)])


# --- preview sessions ---------------------------------------------------------------------


def _start_preview(state: PartitionState, command: StartPreviewSession) -> Transition:
    _campaign(state, command)
    change = _session(command, command.device_id)
    return _campaign_event(
        command, "PreviewSessionStarted", "PreviewDialingModeStartAcknowledge", "Started", change
    )


def _end_preview(state: PartitionState, command: EndPreviewSession) -> Transition:
    campaign = _campaign(state, command)
    if command.user_name not in campaign.sessions:
        raise Refused(OcsError.NO_PREVIEW_SESSION)
    change = _session(command, None)
    return _campaign_event(
        command, "PreviewSessionEnded", "PreviewDialingModeOverAcknowledge", "Stopped", change
    )


def _session(command: AgentCommand, device_id: str | None) -> PreviewSessionChanged:
    return PreviewSessionChanged(
        application_id=command.application_id,
        campaign_name=command.campaign_name,
        user_name=command.user_name,
        device_id=device_id,
    )


def _preview_record(state: PartitionState, command: GetPreviewRecord) -> Transition:
    campaign = _campaign(state, command)
    if command.user_name not in campaign.sessions:
        raise Refused(OcsError.NO_PREVIEW_SESSION)
    record = _next_for(campaign, command.user_name, _now(command))
    if record is None:
        raise Refused(OcsError.NO_RECORDS)
    held = record.model_copy(
        update={"record_status": RecordStatus.RETRIEVED, "agent_id": command.user_name}
    )
    user_data = record_user_data(
        held,
        user_event="PreviewRecord",
        agent=command.user_name,
        command_id=command.command_id,
        tz_offset=_tz_offset(held.time_zone, _now(command)),
    )
    block = record_block(command, calling_list=held.calling_list, record_handle=held.record_handle)
    block["userData"] = dict(user_data)
    outcome = acknowledged(command, "PreviewRecord", block, user_data)
    return Transition([outcome], [_stored(command, held)])


def _next_for(campaign: CampaignState, agent: str, now: int) -> CallingListRecord | None:
    """The agent's due personal callbacks first, then the lowest chain it may have of the
    windows open now (a window's due scheduled chains by their time). A chain whose next
    record may not be dialled now waits, unchanged. Each window is asked once, so a pick
    costs the same however many records are outside theirs."""
    for chain_id in campaign.personal_chains.get(agent, []):
        first = campaign.next_in_chain(chain_id)
        if (
            first is not None
            and _may_take(campaign, first, agent)
            and _may_dial(campaign, first, now)
        ):
            return first
    best: CallingListRecord | None = None
    for (calling_list, zone, daily_from, daily_till), queue in campaign.ready.items():
        rules = campaign.rules_of(calling_list)
        if not window_open(zone, daily_from, daily_till, rules, now):
            continue
        due = (chain for at, chain in takewhile(lambda entry: entry[0] <= now, queue.scheduled))
        for chain_ids in (queue.unscheduled, due):
            candidate = _first_taken(campaign, chain_ids, agent)
            if candidate is not None and (best is None or candidate.chain_id < best.chain_id):
                best = candidate
    return best


def _first_taken(
    campaign: CampaignState, chain_ids: Iterable[int], agent: str
) -> CallingListRecord | None:
    for chain_id in chain_ids:
        first = campaign.next_in_chain(chain_id)
        if first is not None and _may_take(campaign, first, agent):
            return first
    return None


def _may_take(campaign: CampaignState, record: CallingListRecord, agent: str) -> bool:
    """Not straight back to the agent who rejected it."""
    return campaign.rejected_by.get(record.record_handle) != agent


def _may_dial(campaign: CampaignState, record: CallingListRecord, now: int) -> bool:
    """A Ready record is handed out once its scheduled time has come, inside its window,
    while it has attempts left."""
    if record.dial_sched_time is not None and record.dial_sched_time > now:
        return False
    rules = campaign.rules_of(record.calling_list)
    return record.attempts < rules.max_attempts and in_window(record, rules, now)


# --- callbacks that come due -----------------------------------------------------------


def _deliver_due_callbacks(state: PartitionState, command: DeliverDueCallbacks) -> Transition:
    """Each due personal callback goes to its agent's open preview session, unasked, once it
    may be dialled; one whose agent had no session for `missed_after_seconds` after its time
    becomes a missed callback that any agent of the campaign may get."""
    campaign = state.campaign((command.application_id, command.campaign_name))
    if campaign is None:
        return Transition([], [])
    now = command.now_ns // 1_000_000_000
    outcomes: list[Outcome | RecordsImported] = []
    changes: list[Change] = []
    for agent, chain_ids in sorted(campaign.personal_chains.items()):
        device = campaign.sessions.get(agent)
        for chain_id in chain_ids:
            callback = campaign.next_in_chain(chain_id)
            if callback is None or (callback.dial_sched_time or 0) > now:
                continue
            if device is not None and _may_dial(campaign, callback, now):
                held = callback.model_copy(
                    update={"record_status": RecordStatus.RETRIEVED, "agent_id": agent}
                )
                to = PushedTo(agent, device, campaign.application_id, campaign.name)
                outcomes.append(
                    scheduled_call(
                        to,
                        held,
                        command_id=command.command_id,
                        at_ns=command.now_ns,
                        tz_offset=_tz_offset(held.time_zone, now),
                        sequence=len(outcomes),
                    )
                )
                changes.append(_stored(command, held))
            elif device is None and now >= (callback.dial_sched_time or 0) + (
                command.missed_after_seconds
            ):
                changes.append(_stored(command, callback.model_copy(update=_MISSED)))
    return Transition(outcomes, changes)


_MISSED: dict[str, Any] = {
    "record_status": RecordStatus.MISSED_CALLBACK,
    "record_type": RecordType.CAMPAIGN_CALLBACK,
    "call_result": CallResult.AgentCallBackError,
    "agent_id": None,
}


# --- shared checks and builders -----------------------------------------------------------

_FINISHED: dict[str, Any] = {"agent_id": None}
_NO_CALL: dict[str, Any] = {
    "record_status": RecordStatus.UPDATED,
    "record_type": RecordType.NO_CALL,
    "call_result": CallResult.DoNotCall,
}


def _campaign(state: PartitionState, command: AgentCommand) -> CampaignState:
    campaign = state.campaign((command.application_id, command.campaign_name))
    if campaign is None:
        raise Refused(OcsError.NO_CAMPAIGN)
    return campaign


def _check_list(campaign: CampaignState, calling_list: str | None) -> None:
    if calling_list is not None and calling_list not in campaign.calling_lists:
        raise Refused(OcsError.LIST_NOT_IN_CAMPAIGN)


def _held_record(
    state: PartitionState, command: AgentCommand, calling_list: str | None
) -> tuple[CampaignState, CallingListRecord]:
    """Checks in order: campaign 104, list 105, record 101, final 103, held by the caller 102."""
    campaign = _campaign(state, command)
    _check_list(campaign, calling_list)
    handle = getattr(command, "record_handle", None)
    record = campaign.records.get(handle) if isinstance(handle, int) else None
    if record is None or (calling_list is not None and record.calling_list != calling_list):
        raise Refused(OcsError.RECORD_NOT_FOUND)
    if is_final(record):
        raise Refused(OcsError.ALREADY_FINAL)
    if record.record_status is not RecordStatus.RETRIEVED or record.agent_id != command.user_name:
        raise Refused(OcsError.NOT_HELD)
    return campaign, record


def _check_phone(record: CallingListRecord, phone_number: str | None) -> None:
    if phone_number is not None and phone_number != record.phone:
        raise Refused(OcsError.PHONE_MISMATCH)


def _targets(
    campaign: CampaignState, record: CallingListRecord, chain_attribute: ChainAttribute | None
) -> list[CallingListRecord]:
    if chain_attribute is not ChainAttribute.ALL_CHAIN:
        return [record]
    return [member for member in campaign.chain_records(record.chain_id) if not is_final(member)]


def _block_phone(
    command: DoNotCallRecord, campaign: CampaignState, phone: str, *, already: set[int]
) -> list[Change]:
    changes: list[Change] = []
    if phone not in campaign.do_not_call:
        changes.append(
            PhoneBlocked(
                application_id=command.application_id,
                campaign_name=command.campaign_name,
                phone=phone,
            )
        )
    for handle in sorted(campaign.phones.get(phone, set()) - already):
        record = campaign.records[handle]
        if is_dialable(record):
            blocked = record.model_copy(update={**_NO_CALL, "record_status": record.record_status})
            changes.append(_stored(command, blocked))
    return changes


def _stored(
    command: AgentCommand | ImportRecords | DeliverDueCallbacks,
    record: CallingListRecord,
    *,
    rejected_by: str | None = None,
) -> RecordStored:
    return RecordStored(
        application_id=command.application_id,
        campaign_name=command.campaign_name,
        record=record,
        rejected_by=rejected_by,
    )


def _subject(state: PartitionState, command: AgentCommand) -> dict[str, Any]:
    """The `record` block: the request's list, else the addressed record's, when known."""
    calling_list: str | None = getattr(command, "calling_list", None)
    handle: int | None = getattr(command, "record_handle", None)
    if calling_list is None and handle is not None:
        campaign = state.campaigns.get((command.application_id, command.campaign_name))
        record = campaign.records.get(handle) if campaign is not None else None
        calling_list = record.calling_list if record is not None else None
    phone = (
        command.phone_number if isinstance(command, DoNotCallRecord) and handle is None else None
    )
    return record_block(
        command, calling_list=calling_list, record_handle=handle, phone_number=phone
    )


def _acknowledge(
    state: PartitionState, command: AgentCommand, event: str, changes: list[Change]
) -> Transition:
    user_data = {**request_user_data(command), "GSW_USER_EVENT": event}
    return Transition([acknowledged(command, event, _subject(state, command), user_data)], changes)


def _campaign_event(
    command: AgentCommand, notification: str, user_event: str, state: str, change: Change
) -> Transition:
    user_data = {**request_user_data(command), "GSW_USER_EVENT": user_event}
    outcome = acknowledged(
        command,
        notification,
        campaign_block(command, state=state),
        user_data,
        message_type="OutboundCampaignMessage",
    )
    return Transition([outcome], [change])


def _now(command: AgentCommand) -> int:
    return command.received_at_ns // 1_000_000_000


def _tz_offset(name: str, now: int) -> int:
    """GSW_TZ_OFFSET in seconds; 0 for a name that is not a zone (only an old record's)."""
    zone = time_zone(name)
    offset = datetime.fromtimestamp(now, UTC).astimezone(zone).utcoffset() if zone else None
    return int(offset.total_seconds()) if offset is not None else 0


_HANDLERS: dict[type[Any], Callable[[PartitionState, Any], Transition]] = {
    RejectRecord: _reject,
    CancelRecord: _cancel,
    CompleteRecord: _complete,
    UpdateRecord: _update,
    RescheduleRecord: _reschedule,
    DoNotCallRecord: _do_not_call,
    GetChainedRecord: _chained_records,
    AddRecord: _add,
    StartPreviewSession: _start_preview,
    EndPreviewSession: _end_preview,
    GetPreviewRecord: _preview_record,
}
