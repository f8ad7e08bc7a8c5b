// The agent's CometD session with the official client (npm `cometd`, vendored by
// `make vendor-cometd`). No credentials are configured: the GWS_SESSION cookie of the sign-in
// goes with every long-polling request and with the websocket upgrade alike (a browser cannot
// put Authorization on an upgrade). The client tries websocket first and falls back to
// long-polling; after a notifier restart or a laptop sleep it re-handshakes by itself, and
// the handshake callback subscribes again each time.
import {CometD} from "./vendor/cometd/cometd.js";

export const CHANNELS = ["/v2/me/outbound", "/me/internal"];

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
        // >>> The replay extension (issue 13) registers here, before the handshake:
        //     this.cometd.registerExtension("replay", new ReplayExtension());
        // <<<
        this.connected = false;
    }

    start() {
        const cometd = this.cometd;
        // Retry at least every 5 s (the client's default grows to 60 s): after a restart or a
        // laptop's sleep the agent is back within seconds.
        cometd.configure({url: this.url, logLevel: "warn", maxBackoff: 5000});
        cometd.addListener("/meta/connect", (reply) => this.#connection(reply));
        cometd.addListener("/meta/unsuccessful", (reply) => {
            this.on.state("retrying", reply);
        });
        cometd.handshake((reply) => {
            if (!reply.successful) {
                this.on.state(reply.advice?.reconnect === "none" ? "refused" : "retrying", reply);
                return;
            }
            cometd.batch(() => {
                for (const channel of CHANNELS) cometd.subscribe(channel, this.on.message);
            });
            this.on.state("connected", reply, cometd.getTransport()?.type);
        });
    }

    stop() {
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
