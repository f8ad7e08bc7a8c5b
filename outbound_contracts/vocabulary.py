"""The OCS vocabulary that commands, events and records use (see gsw-reference.md)."""

from enum import IntEnum, StrEnum


class ChainAttribute(StrEnum):
    ALL_CHAIN = "AllChain"
    RECORD_ONLY = "RecordOnly"


class CallbackType(StrEnum):
    PERSONAL = "Personal"
    CAMPAIGN = "Campaign"


class PhoneType(StrEnum):
    """GWS `phoneType`; the member's position is the calling list's `contact_info_type`."""

    NO_CONTACT_TYPE = "NoContactType"
    HOME_PHONE = "HomePhone"
    DIRECT_BUSINESS_PHONE = "DirectBusinessPhone"
    BUSINESS_WITH_EXT = "BusinessWithExt"
    MOBILE = "Mobile"
    VACATION_PHONE = "VacationPhone"
    PAGER = "Pager"
    MODEM = "Modem"
    VOICE_MAIL = "VoiceMail"
    PIN_PAGER = "PinPager"
    EMAIL_ADDRESS = "EmailAddress"
    INSTANT_MESSAGING = "InstantMessaging"


class RecordType(StrEnum):
    """Genesys `GctiRecordType`; `code` is its number (calling-list `record_type`, user data).
    The values are the names the messages carry (`CampaignCallback`: Genesys's
    CampaignCallBack)."""

    NO_RECORD_TYPE = "NoRecordType"
    UNKNOWN = "Unknown"
    GENERAL = "General"
    CAMPAIGN_RESCHEDULED = "CampaignRescheduled"
    PERSONAL_RESCHEDULED = "PersonalRescheduled"
    PERSONAL_CALLBACK = "PersonalCallback"
    CAMPAIGN_CALLBACK = "CampaignCallback"
    NO_CALL = "NoCall"

    @property
    def code(self) -> int:
        return list(RecordType).index(self)


class RecordStatus(StrEnum):
    """Genesys `GctiRecordStatus`; `code` is its number (calling-list `record_status`)."""

    NO_RECORD_STATUS = "NoRecordStatus"
    READY = "Ready"
    RETRIEVED = "Retrieved"
    UPDATED = "Updated"
    STALE = "Stale"
    CANCELLED = "Cancelled"
    AGENT_ERROR = "AgentError"
    CHAIN_UPDATED = "ChainUpdated"
    MISSED_CALLBACK = "MissedCallback"
    CHAIN_READY = "ChainReady"

    @property
    def code(self) -> int:
        return list(RecordStatus).index(self)


class CallResult(IntEnum):
    """OCS call results; the member name is the GWS `callResult` string (OCS name, no spaces)."""

    Ok = 0
    Transferred = 1
    Conferenced = 2
    GeneralError = 3
    SystemError = 4
    RemoteRelease = 5
    Busy = 6
    NoAnswer = 7
    SITDetected = 8
    AnsweringMachineDetected = 9
    AllTrunksBusy = 10
    SITInvalidNum = 11
    SITVC = 12
    SITIC = 13
    SITUnknown = 14
    SITNC = 15
    SITRO = 16
    FaxDetected = 17
    QueueFull = 18
    Cleared = 19
    Overflowed = 20
    Abandoned = 21
    Redirected = 22
    Forwarded = 23
    Consult = 24
    PickedUp = 25
    Dropped = 26
    DroppedOnNoAnswer = 27
    UnknownCallResult = 28
    Covered = 29
    ConverseOn = 30
    Bridged = 31
    Silence = 32
    Answer = 33
    NUTone = 34
    NoDialTone = 35
    NoProgress = 36
    NoRingBackTone = 37
    NoEstablishedDetected = 38
    PagerDetected = 39
    WrongParty = 40
    DialError = 41
    CallDropError = 42
    SwitchError = 43
    NoPortAvailable = 44
    TransferError = 45
    Stale = 46
    AgentCallBackError = 47
    GroupCallBackError = 48
    Deafened = 49
    Held = 50
    DoNotCall = 51
    CancelRecord = 52
    WrongNumber = 53
