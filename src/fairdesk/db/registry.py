"""Import every model module so ``Base.metadata`` knows all tables (for Alembic)."""

from fairdesk.auth import models as auth_models
from fairdesk.customers import models as customer_models
from fairdesk.db.base import Base
from fairdesk.outbox import models as outbox_models
from fairdesk.tickets import models as ticket_models

__all__ = ["Base", "auth_models", "customer_models", "outbox_models", "ticket_models"]
