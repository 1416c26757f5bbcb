"""Lexicons and the starter topic model shipped with fairdesk.triage (read-only data)."""
