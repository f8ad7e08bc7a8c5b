"""Agent sign-in and access, shared by the gateway and the notifier: the users file and its
reload, password hashing, Basic credentials and the sign-in throttle, the session token and its
deny list, browser origins, security headers and TLS settings."""
