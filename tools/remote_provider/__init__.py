"""A reference remote provider: a real HTTP server speaking upstream's provider protocol.

Used by the tests and by ``make server-local``. It implements what Meshery
Server expects of a remote provider (reference §4.2): capabilities, a login
page that redirects back with a token, RS256 JWTs with their JWKS at ``/keys``,
refresh, logout, the user profile and preference sync. Users are whoever
logs in (no passwords): it is a test double, not an identity service.

Run: ``python -m tools.remote_provider --port 9876``.
"""

from tools.remote_provider.app import ProviderState, create_app

__all__ = ["ProviderState", "create_app"]
