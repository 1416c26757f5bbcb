"""Settings from the environment (prefix ``FAIRDESK_``): the one place that reads it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration; every field can be set as ``FAIRDESK_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="FAIRDESK_", env_file=None, extra="ignore")

    data_dir: Path = Field(
        default=Path("data"), description="Where the SQLite file and uploads live."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; defaults to a SQLite file in data_dir. "
        "PostgreSQL: postgresql+psycopg://user@host:5432/dbname",
    )
    secret_key: SecretStr = Field(
        default=SecretStr("dev-insecure-change-me"),
        description="Signs session cookies and links. Set it in production.",
    )
    session_max_age_s: int = Field(default=8 * 3600, gt=0)
    cookie_secure: bool = False
    business_name: str = "fairdesk demo shop"
    currency: str = "GBP"
    page_size: int = Field(default=50, gt=0, le=500)
    import_max_field_bytes: int = Field(default=64 * 1024, gt=0)
    import_max_file_bytes: int = Field(default=512 * 1024 * 1024, gt=0)
    public_base_url: str = Field(
        default="http://127.0.0.1:8000", description="Base of links sent to customers."
    )
    support_email: str = "support@fairdesk.example"
    mail_domain: str = Field(default="fairdesk.example", description="Right side of Message-IDs.")
    attachment_max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    auto_assign: bool = True
    portal_link_max_age_s: int = Field(default=30 * 24 * 3600, gt=0)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'fairdesk.db').resolve()}"

    @property
    def is_insecure_secret(self) -> bool:
        return self.secret_key.get_secret_value() == "dev-insecure-change-me"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
