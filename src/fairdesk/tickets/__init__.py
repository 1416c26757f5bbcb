"""Tickets: intake from web form, e-mail and API; messages, SLA, assignment, canned replies."""
