"""The tutorial module: greetings stored per tenant, a guarded WebSocket, its own migrations."""
