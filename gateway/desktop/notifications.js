// The agent's CometD session with the official client (npm `cometd`, vendored by
// `make vendor-cometd`). No credentials are configured: the GWS_SESSION cookie of the sign-in
// goes with every long-polling request and with the websocket upgrade alike (a browser cannot
// put Authorization on an upgrade). The client tries websocket first and falls back to
// long-polling; after a notifier restart or a laptop sleep it re-handshakes by itself, and
// the handshake callback subscribes again each time. One gap is filled here: a cross-origin
// long-polling request that fails at the network level (the notifier is down) makes the
// client drop that transport, and once no transport is left it stops for good. A handshake
// from us resets its transports, so a client found disconnected after a failed handshake is
// started again (unless the notifier refused the agent).
//
// Nothing is lost on the way: the acknowledgement extension has a connect reply lost on the
// network sent again, and the replay extension (the project's own, vendored from clients/js)
// has every outcome after the last one shown replayed on the re-handshake after a notifier
// restart or a dropped session. The last position lives as long as the page.
import {CometD} from "./vendor/cometd/cometd.js";
import {AckExtension} from "./vendor/cometd/AckExtension.js";
import {ReplayExtension} from "./vendor/gws/cometd-replay.js";

export const CHANNELS = ["/v2/me/outbound", "/me/internal"];
const MAX_BACKOFF_MS = 5000;

export class Notifications {
    /**
     * @param {string} url the notifier's CometD URL
     * @param {{message: function, state: function}} on message({channel, data}) for every
     *   message of CHANNELS; state(name, words) on every change of the connection
     * @param {string[]} transports allowed transports, in order of preference (all by default)
     */
    constructor(url, on, transports = undefined) {
        this.url = url;
        this.on = on;
        this.cometd = new CometD();
        if (transports) {
            for (const type of this.cometd.getTransportTypes()) {
                if (!transports.includes(type)) this.cometd.unregisterTransport(type);
            }
        }
        this.cometd.registerExtension("ack", new AckExtension());
        this.cometd.registerExtension("replay", new ReplayExtension());
        this.connected = false;
    }

    start() {
        const cometd = this.cometd;
        this.stopped = false;
        // Retry at least every 5 s (the client's default grows to 60 s): after a restart or a
        // laptop's sleep the agent is back within seconds.
        cometd.configure({url: this.url, logLevel: "warn", maxBackoff: MAX_BACKOFF_MS});
        cometd.addListener("/meta/connect", (reply) => this.#connection(reply));
        cometd.addListener("/meta/unsuccessful", (reply) => {
            this.on.state("retrying", reply);
        });
        cometd.handshake((reply) => this.#handshaken(reply));
    }

    #handshaken(reply) {
        const cometd = this.cometd;
        if (!reply.successful) {
            const refused = reply.advice?.reconnect === "none" && reply.error;
            this.on.state(refused ? "refused" : "retrying", reply);
            if (!refused) setTimeout(() => this.#restartIfGivenUp(), MAX_BACKOFF_MS);
            return;
        }
        cometd.batch(() => {
            for (const channel of CHANNELS) cometd.subscribe(channel, this.on.message);
        });
        this.on.state("connected", reply, cometd.getTransport()?.type);
    }

    #restartIfGivenUp() {
        if (!this.stopped && this.cometd.isDisconnected()) {
            this.cometd.handshake((reply) => this.#handshaken(reply));
        }
    }

    stop() {
        this.stopped = true;
        this.cometd.disconnect();
        this.on.state("offline");
    }

    #connection(reply) {
        if (this.cometd.isDisconnected()) return;
        const connected = reply.successful === true;
        if (connected !== this.connected) {
            this.connected = connected;
            this.on.state(connected ? "connected" : "retrying", reply, this.cometd.getTransport()?.type);
        }
    }
}
