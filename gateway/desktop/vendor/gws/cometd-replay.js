// Replay for the official CometD JavaScript client (npm `cometd`) talking to the GWS notifier.
// One plain ES module, for browsers (<script type="module">) and Node alike; no imports.
//
//   import {ReplayExtension} from "./cometd-replay.js";
//   const replay = new ReplayExtension({position: localStorage.getItem("gws-replay"),
//       onPosition: (p) => localStorage.setItem("gws-replay", p)});
//   cometd.registerExtension("replay", replay);
//   cometd.registerExtension("ack", new AckExtension()); // npm cometd/AckExtension.js
//
// The notifier names every message on /v2/me/outbound and /me/internal with ext.replay, the
// outcome's position. The extension keeps the last one and sends it with every /meta/subscribe
// to those channels (the first handshake's and every re-handshake's): the notifier then sends
// first every outcome after it, so nothing is lost across lost sessions and notifier restarts.
// A message at or before the last position seen on its channel is dropped as a duplicate.
// Positions of one agent compare as strings, in delivery order (docs/notifier.md).

export const REPLAY_CHANNELS = Object.freeze(["/v2/me/outbound", "/me/internal"]);

export class ReplayExtension {
    #position;
    #lastOnChannel = new Map();
    #onPosition;
    #onRefused;

    /**
     * @param {{position?: string|null, onPosition?: (position: string) => void,
     *          onRefused?: (reply: object) => void}} options
     *   position: the last position stored by an earlier run (null: live only);
     *   onPosition: called with each newer position, to store it;
     *   onRefused: called when the notifier refuses the position (too old, another agent's):
     *   the position is forgotten, and the next subscribe is live only.
     */
    constructor({position = null, onPosition = () => {}, onRefused = () => {}} = {}) {
        this.#position = position;
        this.#onPosition = onPosition;
        this.#onRefused = onRefused;
    }

    get position() {
        return this.#position;
    }

    registered() {}

    unregistered() {}

    incoming(message) {
        if (message.channel === "/meta/subscribe") {
            if (!message.successful && message.ext?.replay !== undefined && this.#position === message.ext.replay) {
                this.#position = null;
                this.#onRefused(message);
            }
            return message;
        }
        const position = message.ext?.replay;
        if (typeof position !== "string" || !REPLAY_CHANNELS.includes(message.channel)) {
            return message;
        }
        const last = this.#lastOnChannel.get(message.channel);
        if (last !== undefined && position <= last) {
            return null; // delivered before: drop the duplicate
        }
        this.#lastOnChannel.set(message.channel, position);
        if (this.#position === null || position > this.#position) {
            this.#position = position;
            this.#onPosition(position);
        }
        return message;
    }

    outgoing(message) {
        if (message.channel === "/meta/subscribe" && this.#position !== null && coversReplayChannel(message.subscription)) {
            message.ext = {...message.ext, replay: this.#position};
        }
        return message;
    }
}

function coversReplayChannel(subscription) {
    const patterns = Array.isArray(subscription) ? subscription : [subscription];
    return patterns.some((pattern) => typeof pattern === "string" && REPLAY_CHANNELS.some((channel) => matches(pattern, channel)));
}

function matches(pattern, channel) {
    if (pattern === channel) return true;
    if (pattern.endsWith("/**")) return channel.startsWith(pattern.slice(0, -2));
    if (pattern.endsWith("/*")) {
        const parent = pattern.slice(0, -1);
        return channel.startsWith(parent) && !channel.slice(parent.length).includes("/");
    }
    return false;
}
