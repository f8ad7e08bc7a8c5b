// The demo desktop: sign in, pick a device, send the GWS v2 Outbound operations, and watch
// their outcomes arrive over CometD, each matched to its request by referenceId.
import {Gateway, GatewayError, SessionExpired} from "./api.js";
import {Notifications} from "./notifications.js";
import {cometdFailure, gatewayError, outcomeError, spaced} from "./words.js";

const $ = (selector) => document.querySelector(selector);
const gateway = new Gateway();
const requests = new Map(); // referenceId -> {outcome: <td>, seen: string[]}
let notifications;
let userName;
let serial = 0;

const CAMPAIGN_OPERATIONS = new Set(["StartPreviewSession", "GetPreviewRecord", "EndPreviewSession"]);

// ---- signing in and out

$("#sign-in-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = $("#sign-in-error");
    error.textContent = "";
    try {
        const user = await gateway.signIn($("#user-name").value.trim(), $("#password").value);
        $("#password").value = "";
        await openDesk(user);
    } catch (failure) {
        error.textContent = failure instanceof GatewayError
            ? gatewayError(failure)
            : `The gateway cannot be reached (${failure.message}).`;
    }
});

$("#sign-out").addEventListener("click", async () => {
    notifications?.stop();
    let why = "Signed out.";
    try {
        await gateway.signOut();
    } catch (failure) {
        if (!(failure instanceof SessionExpired)) {
            why = `Not signed out: ${failure instanceof GatewayError ? gatewayError(failure) : failure.message}`;
        }
    }
    closeDesk(why);
});

async function openDesk(user) {
    userName = user.userName;
    const devices = await gateway.devices();
    $("#device").replaceChildren(...devices.map((device) => {
        const option = document.createElement("option");
        option.value = device.id;
        option.textContent = `${device.phoneNumber ?? ""} (${device.id})`;
        return option;
    }));
    $("#who-name").textContent = `${user.firstName ?? ""} ${user.lastName ?? ""} (${userName})`;
    $("#sign-in").hidden = true;
    $("#who").hidden = false;
    $("#desk").hidden = false;
    const config = await (await fetch("config.json")).json();
    const url = new URL(config.cometdUrl.replace("{host}", location.hostname), location.href);
    const transport = new URLSearchParams(location.search).get("transport");
    notifications = new Notifications(url.href, {message: showMessage, state: showConnection},
        transport ? [transport] : undefined);
    notifications.start();
    $("#device").focus();
}

function closeDesk(why) {
    notifications?.stop();
    notifications = undefined;
    $("#desk").hidden = true;
    $("#who").hidden = true;
    $("#sign-in").hidden = false;
    $("#sign-in-error").textContent = why;
    $("#password").focus();
}

// ---- the connection to the notifier

function showConnection(state, reply, transport) {
    const words = {
        connected: `Connected (${transport ?? "?"})`,
        retrying: cometdFailure(reply),
        refused: cometdFailure(reply),
        offline: "Not connected",
    }[state];
    $("#connection").dataset.state = state;
    $("#connection").textContent = words;
    if (state === "refused") closeDesk(`${words} Sign in again.`);
}

// ---- sending operations

for (const button of document.querySelectorAll("button[data-op]")) {
    button.addEventListener("click", (event) => {
        event.preventDefault();
        send(button.dataset.op);
    });
}
$("#add-record").addEventListener("submit", (event) => event.preventDefault());

async function send(operation) {
    const referenceId = `${userName}-${Date.now().toString(36)}-${++serial}`;
    let path, body;
    try {
        [path, body] = request(operation, referenceId);
    } catch (missing) {
        const row = addRequest(referenceId, operation);
        row.gateway.textContent = missing.message;
        row.outcome.textContent = "Not sent";
        return;
    }
    const row = addRequest(referenceId, operation);
    if (operation === "GetChainedRecord") $("#chain").replaceChildren();
    try {
        await gateway.send(path, body);
        row.gateway.textContent = "Accepted";
    } catch (failure) {
        if (failure instanceof SessionExpired) {
            row.gateway.textContent = "Session expired";
            closeDesk("Your session has expired. Sign in again.");
            return;
        }
        row.gateway.textContent = failure instanceof GatewayError
            ? gatewayError(failure) : `Not sent: ${failure.message}`;
        row.gateway.classList.add("error");
    }
}

function request(operation, referenceId) {
    const common = {
        operationName: operation,
        applicationId: Number($("#application-id").value),
        devicePath: `/devices/${$("#device").value}`,
        referenceId,
    };
    const campaignName = $("#campaign").value.trim();
    if (CAMPAIGN_OPERATIONS.has(operation)) {
        return [`/api/v2/me/outbound-campaigns/${encodeURIComponent(campaignName)}`, common];
    }
    const callingList = $("#calling-list").value.trim();
    const phoneNumber = $("#phone").value.trim() || undefined;
    const onList = {...common, campaignName, callingList};
    if (operation === "AddRecord") {
        const chainId = $("#add-chain").value;
        return ["/api/v2/me/outbound-records", {
            ...onList,
            phoneNumber: $("#add-phone").value.trim(),
            phoneType: $("#add-phone-type").value,
            timeZone: $("#add-time-zone").value.trim(),
            from: seconds($("#update-from").value),
            until: seconds($("#update-until").value),
            ...(chainId === "" ? {} : {chainId: Number(chainId)}),
        }];
    }
    const handle = $("#record-handle").value;
    if (operation === "DoNotCallRecord" && handle === "") {
        if (!phoneNumber) throw new Error("Give a record handle or a phone number.");
        return ["/api/v2/me/outbound-records", {...onList, phoneNumber}];
    }
    if (handle === "") throw new Error("Get a record first, or type its handle.");
    const parameters = {
        RejectRecord: {},
        CancelRecord: {phoneNumber, chainAttribute: $("#chain-attribute").value},
        DoNotCallRecord: {phoneNumber},
        CompleteRecord: {phoneNumber, callResult: $("#call-result").value},
        UpdateRecord: {from: seconds($("#update-from").value), until: seconds($("#update-until").value)},
        RescheduleRecord: {callbackType: $("#callback-type").value, timestamp: callbackTime()},
        GetChainedRecord: {},
    }[operation];
    return [`/api/v2/me/outbound-records/${handle}`, {...onList, ...parameters}];
}

function seconds(time) {
    const [hours, minutes] = time.split(":").map(Number);
    return hours * 3600 + minutes * 60;
}

function callbackTime() {
    const chosen = $("#callback-at").value;
    const at = chosen ? new Date(chosen).getTime() : Date.now() + 3600_000;
    return Math.floor(at / 1000);
}

function addRequest(referenceId, operation) {
    const row = document.createElement("tr");
    const cells = [referenceId, spaced(operation), "Sending…", "Waiting…"].map((text) => {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.append(cell);
        return cell;
    });
    row.dataset.reference = referenceId;
    $("#requests tbody").prepend(row);
    const entry = {gateway: cells[2], outcome: cells[3], seen: []};
    requests.set(referenceId, entry);
    return entry;
}

// ---- what arrives

function showMessage(message) {
    const data = message.data ?? {};
    const item = document.createElement("li");
    const summary = document.createElement("details");
    const title = document.createElement("summary");
    const kind = data.notificationType ?? data.userData?.GSW_USER_EVENT ?? data.messageType;
    title.textContent = `${new Date().toLocaleTimeString()} ${message.channel} ${kind ?? ""}`
        + (data.referenceId ? ` (reference ${data.referenceId})` : "");
    const body = document.createElement("pre");
    body.textContent = JSON.stringify(data, null, 2);
    summary.append(title, body);
    item.append(summary);
    item.dataset.channel = message.channel;
    $("#messages").prepend(item);

    if (data.referenceId && requests.has(data.referenceId)) matchOutcome(requests.get(data.referenceId), data);
    if (data.userData) showRecord(data.userData);
}

function matchOutcome(entry, data) {
    const words = data.notificationType === "Error" ? outcomeError(data) : spaced(data.notificationType);
    entry.seen.push(words);
    entry.outcome.textContent = entry.seen.join("; ");
    entry.outcome.classList.toggle("error", data.notificationType === "Error");
}

function showRecord(userData) {
    const event = userData.GSW_USER_EVENT;
    // A due personal callback arrives unasked (ScheduledCall) and is shown as a preview record.
    if (event === "PreviewRecord" || event === "ScheduledCall") {
        $("#record-handle").value = userData.GSW_RECORD_HANDLE;
        $("#phone").value = userData.GSW_PHONE ?? "";
        $("#record-fields tbody").replaceChildren(...Object.entries(userData).map(([name, value]) => {
            const row = document.createElement("tr");
            const key = document.createElement("th");
            key.scope = "row";
            key.textContent = name;
            const cell = document.createElement("td");
            cell.textContent = String(value);
            row.append(key, cell);
            return row;
        }));
        $("#chain").replaceChildren();
    } else if (event === "ChainedRecord") {
        const item = document.createElement("li");
        item.textContent = `Record ${userData.GSW_RECORD_HANDLE}: ${userData.GSW_PHONE}`
            + ` (chain ${userData.GSW_CHAIN_ID}, ${userData.GSW_TZ_NAME})`;
        $("#chain").append(item);
    }
}
