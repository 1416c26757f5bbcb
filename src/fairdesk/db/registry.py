"""Import every model module so ``Base.metadata`` knows all tables (for Alembic)."""

from fairdesk.auth import models as auth_models
from fairdesk.customers import models as customer_models
from fairdesk.db.base import Base

__all__ = ["Base", "auth_models", "customer_models"]
