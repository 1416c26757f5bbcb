"""Staff accounts, roles, sessions, API tokens, CSRF and the audit log."""
