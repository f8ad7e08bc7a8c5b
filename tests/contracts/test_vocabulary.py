"""Record types and statuses carry Genesys's numbers (gcti.h, ocs-time-rules.md §3)."""

from outbound_contracts.vocabulary import RecordStatus, RecordType


def test_record_types_have_the_genesys_numbers() -> None:
    assert {t.code: t.value for t in RecordType} == {
        0: "NoRecordType",
        1: "Unknown",
        2: "General",
        3: "CampaignRescheduled",
        4: "PersonalRescheduled",
        5: "PersonalCallback",
        6: "CampaignCallback",
        7: "NoCall",
    }


def test_record_statuses_have_the_genesys_numbers() -> None:
    assert {s.code: s.value for s in RecordStatus} == {
        0: "NoRecordStatus",
        1: "Ready",
        2: "Retrieved",
        3: "Updated",
        4: "Stale",
        5: "Cancelled",
        6: "AgentError",
        7: "ChainUpdated",
        8: "MissedCallback",
        9: "ChainReady",
    }
