"""First start of the demo: build the business once, and make sure staff can sign in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from fairdesk.auth import service as auth_service
from fairdesk.auth.models import Role, StaffUser
from fairdesk.auth.passwords import hash_password
from fairdesk.customers.models import Customer
from fairdesk.db.session import unit_of_work
from fairdesk.demo import DEFAULT_NOW, build_demo, stream
from fairdesk.demo.tickets import add_tickets
from fairdesk.tickets.assignment import set_availability

DEMO_AGENTS = (
    ("agent.ada@demo.fairdesk.example", "Ada Agent"),
    ("agent.ben@demo.fairdesk.example", "Ben Agent"),
    ("agent.cleo@demo.fairdesk.example", "Cleo Agent"),
)


def _ensure_staff(
    session: Session, *, email: str, name: str, role: Role, password: str
) -> StaffUser:
    """Create the account, or reset its password: the CLI prints a fresh one each start."""
    user = session.scalar(select(StaffUser).where(StaffUser.email == email))
    if user is None:
        return auth_service.create_user(
            session, email=email, name=name, password=password, role=role
        )
    user.password_hash = hash_password(password)
    user.is_active = True
    return user


def ensure_demo(
    engine: Engine,
    *,
    seed: int,
    customers: int,
    login_email: str,
    login_password: str,
    now: datetime = DEFAULT_NOW,
) -> tuple[bool, str]:
    """Build the demo into an empty database; returns (built now, one-line summary).

    ``now`` ends the demo's history: the CLI passes the current hour so that open tickets,
    SLA clocks and survey follow-ups are fresh on first start instead of long overdue.
    """
    with unit_of_work(engine) as session:
        manager = _ensure_staff(
            session,
            email=login_email,
            name="Morgan Manager",
            role=Role.MANAGER,
            password=login_password,
        )
        for email, name in DEMO_AGENTS:
            agent = _ensure_staff(
                session, email=email, name=name, role=Role.AGENT, password=login_password
            )
            session.flush()
            set_availability(session, staff_id=agent.id, available=True)
        existing = session.scalar(select(func.count()).select_from(Customer)) or 0
        if existing:
            return False, f"{existing:,} customers already present"
        summary = build_demo(session, seed=seed, customers=customers, now=now)
        tickets = add_tickets(session, summary, stream(summary.seed, "tickets"))
        from fairdesk.demo.surveys import add_surveys

        add_surveys(session, summary, stream(summary.seed, "surveys"))
        from fairdesk.demo.fairness import add_fairness

        add_fairness(session, summary, stream(summary.seed, "fairness"))
        auth_service.record(
            session,
            actor=manager,
            action="demo.build",
            entity_type="demo",
            details={"seed": seed, "customers": summary.customers},
        )
        return True, (
            f"{summary.business}: {summary.customers:,} customers, "
            f"{summary.orders:,} orders, {summary.events:,} journey events, "
            f"{tickets.history + tickets.open:,} tickets ({tickets.open} open)"
        )
