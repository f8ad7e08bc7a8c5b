// Drives the notifier with the official CometD JavaScript client (npm `cometd`) in Node.
// Usage: node client.mjs '<json config>'
//   {url, transport: "long-polling"|"websocket", authorization?, cookie?, subscriptions: [...],
//    expect: <messages before exiting>, timeoutMs, ack?: true (CometD's AckExtension),
//    replay?: true or a stored position (the project's clients/js/cometd-replay.js)}
// Prints one JSON object per line: handshake, connect, subscribed, ready, message, done|timeout.
import {adapt} from "cometd-nodejs-client";
import {CometD} from "cometd";
import {AckExtension} from "cometd/AckExtension.js";
import * as ws from "ws";
import {ReplayExtension} from "../../clients/js/cometd-replay.js";

const config = JSON.parse(process.argv[2]);
const emit = (event) => process.stdout.write(JSON.stringify(event) + "\n");

adapt();
const headers = {};
if (config.authorization) headers["Authorization"] = config.authorization;
if (config.cookie) {
    headers["Cookie"] = config.cookie;
    // As a desktop's scripts mark their requests: a cookie-signed long-poll POST needs it (or
    // the Origin a browser adds) against CSRF (docs/notifier.md).
    headers["X-Requested-With"] = "XMLHttpRequest";
}
// A browser sends its cookies on the WebSocket upgrade as on any request; Node's `ws` only
// does so when told, and CometD's WebSocket transport does not pass request headers.
globalThis.window.WebSocket = class extends ws.WebSocket {
    constructor(url, protocols) {
        super(url, protocols, {headers});
    }
};

const cometd = new CometD();
if (config.transport === "websocket") {
    cometd.unregisterTransport("long-polling");
    cometd.unregisterTransport("callback-polling");
} else {
    cometd.unregisterTransport("websocket");
}
cometd.configure({url: config.url, requestHeaders: headers, logLevel: config.logLevel ?? "warn"});
if (config.ack) cometd.registerExtension("ack", new AckExtension());
if (config.replay) {
    const position = typeof config.replay === "string" ? config.replay : null;
    cometd.registerExtension("replay", new ReplayExtension({position}));
}

function exit(code) {
    clearTimeout(timer);
    cometd.disconnect(() => process.exit(code));
    setTimeout(() => process.exit(code), 2000).unref();
}

const timer = setTimeout(() => {
    emit({event: "timeout"});
    exit(2);
}, config.timeoutMs ?? 30000);

cometd.addListener("/meta/connect", (message) => emit({event: "connect", message}));

let received = 0;
let subscribed = 0;
cometd.handshake((reply) => {
    emit({event: "handshake", message: reply, transport: cometd.getTransport()?.type});
    if (!reply.successful) {
        if (reply.advice?.reconnect === "none") exit(1);
        return;
    }
    subscribed = 0; // called again on every re-handshake: subscribe again
    cometd.batch(() => {
        for (const channel of config.subscriptions ?? []) {
            cometd.subscribe(channel, (message) => {
                emit({event: "message", message});
                if (++received >= config.expect) {
                    emit({event: "done"});
                    exit(0);
                }
            }, (subscribeReply) => {
                emit({event: "subscribed", message: subscribeReply});
                if (subscribeReply.successful && ++subscribed === config.subscriptions.length) {
                    emit({event: "ready"});
                }
            });
        }
    });
});
