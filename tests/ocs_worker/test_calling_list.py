"""Reading calling lists in the Genesys column layout: good rows, and bad rows named by line."""

import io

import pytest

from ocs_worker.calling_list import CallingListError, read_calling_list
from outbound_contracts.vocabulary import CallResult, PhoneType, RecordStatus, RecordType

HEADER = "record_id,chain_id,chain_n,contact_info,contact_info_type,tz_name,daily_from,daily_till"


def read(text: str) -> list[object]:
    return list(read_calling_list(io.StringIO(text), "CallingList1"))


def test_a_row_becomes_a_record_with_its_custom_fields() -> None:
    text = (
        f"{HEADER},record_status,agent_id,call_result,calling_list,tier\n"
        "9,6,0,5550601,Mobile,UTC,28800,72000,Retrieved,agent1,7,CallingList2,gold\n"
        "10,7,1,5550701,1,UTC,0,86399,,,,,\n"
    )
    rows = read_calling_list(io.StringIO(text), "CallingList1")
    assert [row.line for row in rows] == [2, 3]
    first, second = (row.record for row in rows)
    assert (first.record_handle, first.chain_id, first.phone, first.phone_type) == (
        9,
        6,
        "5550601",
        PhoneType.MOBILE,
    )
    assert (first.record_status, first.agent_id, first.call_result) == (
        RecordStatus.RETRIEVED,
        "agent1",
        CallResult.NoAnswer,
    )
    assert first.calling_list == "CallingList2"
    assert first.custom_fields == {"tier": "gold"}
    assert (second.calling_list, second.phone_type, second.chain_n) == (
        "CallingList1",
        PhoneType.HOME_PHONE,
        1,
    )
    assert second.record_status is RecordStatus.READY
    assert second.custom_fields == {}


def test_every_bad_row_is_named_by_its_line_and_nothing_is_returned() -> None:
    text = (
        f"{HEADER}\n"
        "1,1,0,5550101,1,UTC,0,100\n"
        "x,1,0,5550101,1,UTC,0,100\n"
        "2,1,0,5550101,12,UTC,0,100\n"
        "3,1,0,,1,UTC,0,100\n"
        "4,1,0,5550101,1,UTC,0,90000\n"
        "5,1,0,5550101,1,UTC,0,100,extra\n"
        "6,1,0,5550101,1,Mars/Olympus,0,100\n"
    )
    with pytest.raises(CallingListError) as refused:
        read(text)
    assert refused.value.problems == [
        "line 3: record_id: Input should be a valid integer, unable to parse string as an integer",
        "line 4: contact_info_type 12 is not a Genesys contact type (0-11)",
        "line 5: contact_info is empty",
        "line 6: daily_till: Input should be less than or equal to 86400",
        "line 7: more values than columns",
        "line 8: unknown time zone 'Mars/Olympus': an IANA zone name (America/New_York) "
        "or a Genesys short name (ECT, PST)",
    ]


def test_a_file_without_the_required_columns_is_refused_at_line_1() -> None:
    with pytest.raises(CallingListError) as refused:
        read("record_id,chain_id\n1,1\n")
    assert refused.value.problems[0].startswith("line 1: missing column(s) chain_n, contact_info")


def test_record_type_and_status_are_taken_as_genesys_codes_or_names() -> None:
    text = (
        f"{HEADER},record_type,record_status,agent_id\n"
        "1,1,0,5550101,1,UTC,0,100,5,1,agent1\n"
        "2,2,0,5550102,1,UTC,0,100,PersonalCallBack,missedcallback,agent1\n"
        "3,3,0,5550103,1,UTC,0,100,3,9,\n"
    )
    records = [row.record for row in read_calling_list(io.StringIO(text), "CallingList1")]
    assert [(r.record_type, r.record_status) for r in records] == [
        (RecordType.PERSONAL_CALLBACK, RecordStatus.READY),
        (RecordType.PERSONAL_CALLBACK, RecordStatus.MISSED_CALLBACK),
        (RecordType.CAMPAIGN_RESCHEDULED, RecordStatus.CHAIN_READY),
    ]


def test_a_code_or_name_genesys_does_not_have_is_named_by_its_line() -> None:
    text = (
        f"{HEADER},record_type,record_status\n"
        "1,1,0,5550101,1,UTC,0,100,8,1\n"
        "2,2,0,5550102,1,UTC,0,100,General,Done\n"
    )
    with pytest.raises(CallingListError) as refused:
        read(text)
    assert refused.value.problems == [
        "line 2: record_type 8 is not a Genesys record type (0-7)",
        "line 3: record_status 'Done' is not a Genesys record status",
    ]
