"""Surveys: short forms sent after a solved ticket or on a schedule, answered by a signed link.

Where things are:

- ``forms``: which questions each kind of survey asks (CSAT 1-5 with the business's reason
  codes, CES 1-7, NPS 0-10, a comment); defaults created on first use, edited by managers.
- ``service``: sending. ``tickets.service.change_status`` calls ``on_ticket_resolved``; the
  jobs loop calls ``relationship_job``; ``fairdesk survey send`` catches up. Fatigue, opt-out,
  consent and ended relationships make a *skipped* invitation with its reason, never an e-mail.
- ``links``: the signed, expiring token naming one invitation; the ticket id is in the path
  too, so a link for ticket X is refused on ticket Y.
- ``answers``: validation (a bad field names itself and changes nothing), storing, updating
  within ``survey_edit_window_s``, refusing after it, opting out.
- ``followups``: the closed loop; a low score opens a task for the ticket's owner with a due
  time.
- ``metrics`` (pure) and ``stats`` (from the tables): NPS, CSAT, CES and response rates with
  intervals; the scorecard imports ``metrics``.

One choice worth knowing: each score in the e-mail is its own link, and opening it only shows
the form with that score chosen (one "Send" click records it). Mail scanners and previews open
every link in a message, so recording on GET would store answers nobody gave.
"""
