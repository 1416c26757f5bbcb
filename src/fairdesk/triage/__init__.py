"""Message triage: sentiment, anger, urgency, topic, spam and abuse toward staff.

``analyze(text)`` is pure and cheap (no database, no network): it is what intake calls.
``mask(text, spans)`` hides the abusive spans it returns. Everything runs offline from
lexicons and a small model shipped in ``fairdesk/triage/data``.
"""

from fairdesk.triage.abuse import AbuseDetector, mask
from fairdesk.triage.result import Evidence, Tone, TriageResult
from fairdesk.triage.topic import TopicModel
from fairdesk.triage.triager import Triager, analyze

__all__ = [
    "AbuseDetector",
    "Evidence",
    "Tone",
    "TopicModel",
    "TriageResult",
    "Triager",
    "analyze",
    "mask",
]
