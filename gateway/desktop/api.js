// The gateway's HTTP API as the desktop uses it: sign in once with Basic (the reply sets the
// GWS_SESSION cookie), then the cookie only. Every request says it comes from a script
// (X-Requested-With), so an expired session answers 401 without a Basic challenge and the
// browser opens no login dialog of its own: the page shows its sign-in instead.

const SCRIPT = {"X-Requested-With": "XMLHttpRequest"};

export class SessionExpired extends Error {}

export class GatewayError extends Error {
    constructor(status, body) {
        super(body?.statusMessage ?? `HTTP ${status}`);
        this.status = status;
        this.statusCode = body?.statusCode;
    }
}

export class Gateway {
    constructor(baseUrl = "") {
        this.baseUrl = baseUrl;
    }

    async signIn(user, password) {
        const utf8 = new TextEncoder().encode(`${user}:${password}`);
        const basic = "Basic " + btoa(String.fromCharCode(...utf8));
        return (await this.#request("GET", "/api/v2/me", undefined, {Authorization: basic})).user;
    }

    /** Ends the session (GWS's EndContactCenterSession): the cookie is refused from now on. */
    async signOut() {
        return this.#request("POST", "/api/v2/me", {operationName: "EndContactCenterSession"});
    }

    async devices() {
        return (await this.#request("GET", "/api/v2/me/devices")).devices;
    }

    /** Posts one operation; resolves on `{"statusCode": 0}`, else throws. */
    async send(path, body) {
        return this.#request("POST", path, body);
    }

    async #request(method, path, body, headers = {}) {
        const response = await fetch(this.baseUrl + path, {
            method,
            credentials: "include",
            headers: {...SCRIPT, ...(body ? {"Content-Type": "application/json"} : {}), ...headers},
            body: body ? JSON.stringify(body) : undefined,
        });
        const reply = await response.json().catch(() => undefined);
        if (response.status === 401 && !headers.Authorization) throw new SessionExpired();
        if (!response.ok || reply?.statusCode !== 0) throw new GatewayError(response.status, reply);
        return reply;
    }
}
