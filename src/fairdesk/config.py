"""Settings from the environment (prefix ``FAIRDESK_``): the one place that reads it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

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
    mail_max_message_bytes: int = Field(
        default=30 * 1024 * 1024,
        gt=0,
        description="SMTP intake answers 552 to larger messages (encoded size, attachments "
        "included); keep it above attachment_max_bytes so oversize files get a bounce instead.",
    )
    mail_backend: Literal["smtp", "log"] = Field(
        default="log",
        description="How the outbox sends e-mail: 'smtp' through smtp_host, or 'log' (writes "
        "each e-mail to the log; for the demo when no SMTP server is configured).",
    )
    smtp_host: str = Field(default="localhost", description="Outgoing SMTP server.")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "tls"] = Field(
        default="none", description="none, starttls (upgrade on connect) or tls (implicit TLS)."
    )
    smtp_username: str | None = Field(default=None, description="Login, if the server needs one.")
    smtp_password: SecretStr | None = None
    smtp_timeout_s: float = Field(default=30.0, gt=0)
    webhook_timeout_s: float = Field(default=10.0, gt=0, description="Per webhook POST.")
    outbox_batch_size: int = Field(default=50, gt=0, le=1000)
    outbox_poll_interval_s: float = Field(
        default=2.0, gt=0, description="How long an idle outbox worker waits between polls."
    )
    outbox_lease_s: int = Field(
        default=300,
        gt=0,
        description="A claimed outbox item is hidden from other workers this long; a worker "
        "that dies mid-send lets it be retried after that.",
    )
    auto_assign: bool = True
    clv_horizon_months: int = Field(default=12, gt=0, le=120)
    clv_monthly_discount_rate: float = Field(default=0.01, ge=0, lt=1)
    persona_min_members: int = Field(
        default=10,
        ge=1,
        description="A target segment with fewer members gets no persona (an explanation "
        "instead), so a persona always describes a group rather than one or two people.",
    )
    portal_link_max_age_s: int = Field(default=30 * 24 * 3600, gt=0)
    approval_link_max_age_s: int = Field(
        default=72 * 3600, gt=0, description="How long a goodwill approval e-mail link works."
    )
    survey_link_max_age_s: int = Field(
        default=14 * 24 * 3600, gt=0, description="A survey link works this long after sending."
    )
    survey_edit_window_s: int = Field(
        default=24 * 3600,
        gt=0,
        description="After a first answer, the same link may change it for this long.",
    )
    survey_fatigue_days: int = Field(
        default=30, ge=0, description="At most one survey per customer per this many days."
    )
    survey_relationship_every_days: int = Field(
        default=90, gt=0, description="Relationship NPS goes to active customers this often."
    )
    survey_relationship_batch: int = Field(
        default=200, gt=0, description="At most this many relationship surveys per job pass."
    )
    survey_low_csat: int = Field(
        default=2, ge=1, le=5, description="A CSAT at or below this opens a follow-up."
    )
    survey_low_nps: int = Field(
        default=6, ge=0, le=10, description="An NPS at or below this (detractor) opens a follow-up."
    )
    survey_follow_up_hours: int = Field(
        default=24, gt=0, description="A person contacts an unhappy customer within this time."
    )
    triage_similar_backend: Literal["auto", "tfidf", "embeddings"] = Field(
        default="auto",
        description="Similar past cases: 'tfidf', 'embeddings' (needs the embeddings extra) "
        "or 'auto' (embeddings when installed, else TF-IDF).",
    )
    fairness_parting_retention: Literal["keep", "erase"] = Field(
        default="keep",
        description="Parting ways with a customer: 'keep' their records, or 'erase' their "
        "personal details (orders, tickets and the decision record stay, anonymised).",
    )

    # Fairness signals (docs/fairness.md): each count threshold is where a signal starts, at
    # strength 0.5; twice the threshold is full strength 1.0.
    fairness_min_peers: int = Field(
        default=30, ge=1,
        description="A segment with fewer customers with orders compares against everyone.",
    )
    fairness_claim_z: float = Field(
        default=3.5, gt=0, description="Robust z-score of the claim rate where it becomes a "
        "signal (Iglewicz and Hoaglin's outlier cut-off).",
    )
    fairness_min_claims: int = Field(
        default=3, ge=1, description="Fewer claims than this never make a claim-rate signal."
    )
    fairness_near_limit_band: float = Field(
        default=0.15, gt=0, lt=1, description="'Just under a limit': within this share below "
        "the no-receipt or an agent's discretion limit.",
    )
    fairness_near_limit_min: int = Field(default=3, ge=1)
    fairness_near_limit_share: float = Field(
        default=0.6, gt=0, le=1, description="Share of the customer's gestures that must be "
        "just under a limit.",
    )
    fairness_not_received_categories: list[str] = Field(
        default=["delivery"], description="Ticket categories that claim an order never came."
    )
    fairness_not_received_min: int = Field(default=3, ge=1)
    fairness_after_delivery_min: int = Field(
        default=2, ge=1, description="'Not received' claims on orders with confirmed delivery."
    )
    fairness_wardrobe_days: int = Field(
        default=14, ge=1, description="A refund claimed this long after delivery is after use."
    )
    fairness_wardrobe_refund_share: float = Field(default=0.5, gt=0, le=1)
    fairness_wardrobe_min: int = Field(default=2, ge=1)
    fairness_order_share: float = Field(
        default=0.2, gt=0, le=1, description="Claims on delivered orders and refunds after use "
        "must also be at least this share of the customer's orders (a few among many is luck).",
    )
    fairness_abuse_min: int = Field(
        default=2, ge=1, description="Abusive messages toward staff; a threat is full strength."
    )
    fairness_low_rating: int = Field(default=2, ge=1, le=5, description="Ratings at or below.")
    fairness_low_rating_min: int = Field(default=2, ge=1)
    fairness_strong: float = Field(
        default=0.75, gt=0, le=1, description="A signal this strong may open a case."
    )
    fairness_open_score: float = Field(
        default=1.25, gt=0, description="Sum of unreviewed strengths that opens a case (with "
        "one strong conduct signal); one conduct signal at full strength opens alone.",
    )
    protection_abuse_days: int = Field(
        default=30,
        ge=1,
        description="Routing avoids giving a customer's new ticket to staff who received "
        "that customer's abuse in this many days.",
    )

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
