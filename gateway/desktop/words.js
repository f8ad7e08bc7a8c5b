// Errors in words: what an agent should understand, beside the code for the support desk.

const GATEWAY = {
    1: "a required field is missing",
    2: "a field has a value the server does not accept",
    3: "this page is not allowed to send commands (origin or CSRF token)",
    4: "the command was not accepted; nothing was changed, try again",
    5: "your user may not work on outbound campaigns",
    6: "that device or address is not yours or does not exist",
    10: "a number is out of range",
    20: "wrong user name or password",
};

const OUTCOME = {
    101: "there is no such record",
    102: "you do not hold this record (someone else has it, or it was released)",
    103: "the record is already final",
    104: "the campaign does not exist or is not running",
    105: "that calling list is not part of the campaign",
    106: "start a preview session first",
    107: "no records are available right now",
    108: "the phone number does not match the record",
    109: "that operation is not allowed in the record's state",
};

export function gatewayError(error) {
    const words = GATEWAY[error.statusCode] ?? "the request failed";
    return `Refused: ${words}. (${error.message}; HTTP ${error.status}/${error.statusCode ?? "?"})`;
}

export function outcomeError(data) {
    const words = OUTCOME[data.errorCode] ?? "the operation failed";
    return `Failed: ${words}. (${data.errorMessage ?? ""}; error ${data.errorCode})`;
}

export function cometdFailure(reply) {
    const error = String(reply?.error || reply?.failure?.reason || "no answer");
    if (error.startsWith("403::")) {
        return `The notifier refused the connection: ${error.slice(5).toLowerCase()}.`;
    }
    if (error.startsWith("402::")) return "The notifier forgot this session; reconnecting.";
    return `The notifier cannot be reached (${error}); retrying.`;
}

/** "RecordRejectAcknowledge" -> "Record reject acknowledge" */
export function spaced(name) {
    const words = String(name).replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
    return words.charAt(0).toUpperCase() + words.slice(1);
}
