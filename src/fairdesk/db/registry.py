"""Import every model module so ``Base.metadata`` knows all tables (for Alembic).

One line per domain; a domain with tables adds its line here.
"""

from fairdesk.auth import models as _auth  # noqa: F401
from fairdesk.clv import models as _clv  # noqa: F401
from fairdesk.customers import models as _customers  # noqa: F401
from fairdesk.db.base import Base
from fairdesk.fairness import models as _fairness  # noqa: F401
from fairdesk.fairness.protection import models as _protection  # noqa: F401
from fairdesk.feedback.improvements import models as _improvements  # noqa: F401
from fairdesk.feedback.surveys import models as _surveys  # noqa: F401
from fairdesk.feedback.themes import models as _themes  # noqa: F401
from fairdesk.goodwill import models as _goodwill  # noqa: F401
from fairdesk.outbox import models as _outbox  # noqa: F401
from fairdesk.personas import models as _personas  # noqa: F401
from fairdesk.scorecard import models as _scorecard  # noqa: F401
from fairdesk.segments import models as _segments  # noqa: F401
from fairdesk.tickets import inbox_query as _ticket_indexes  # noqa: F401
from fairdesk.tickets import models as _tickets  # noqa: F401
from fairdesk.triage import models as _triage  # noqa: F401

__all__ = ["Base"]
