"""Lifetime value where people see it: customer page card, the value page and the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.clv import service as clv_service
from tests.conftest import login
from tests.factories import make_customer, make_order

END = datetime(2026, 6, 30, tzinfo=UTC)


def _history(session: Session) -> int:
    loyal = make_customer(session, first_name="Loyal")
    for k in range(6):
        make_order(session, loyal, placed_at=END - timedelta(days=5 + 20 * k), amount=Decimal("20"))
    for n in range(40):
        other = make_customer(session)
        lapsed = n % 3 == 0  # some stopped buying long ago: churn the model can see
        start = 500 if lapsed else 30
        for k in range(n % 4 + 1):
            make_order(
                session,
                other,
                placed_at=END - timedelta(days=start + 45 * k + n),
                amount=Decimal(str(10 + n)),
            )
    clv_service.analyze(session, now=END)
    return loyal.id


def test_customer_page_shows_value_or_says_why_not(
    client: TestClient, agent: StaffUser, session: Session
) -> None:
    newcomer = make_customer(session, first_name="Newcomer")
    login(client, agent)
    page = client.get(f"/customers/{newcomer.id}")
    assert page.status_code == 200 and "No lifetime value yet" in page.text
    loyal = _history(session)
    value = clv_service.value_of(session, loyal)
    assert value is not None
    page = client.get(f"/customers/{loyal}")
    assert "12-month CLV" in page.text and f"£{value.clv:,.2f}" in page.text


def test_value_page_and_api(
    client: TestClient, agent: StaffUser, session: Session, api_headers: dict[str, str]
) -> None:
    login(client, agent)
    assert "No lifetime values yet" in client.get("/insights/value").text
    assert client.get("/api/v1/clv/fit", headers=api_headers).status_code == 404
    loyal = _history(session)
    page = client.get("/insights/value")
    assert (
        page.status_code == 200
        and "BG/NBD" in page.text
        and 'data-chart="chart-clv-hist"' in page.text
    )
    fit = client.get("/api/v1/clv/fit", headers=api_headers).json()
    assert set(fit["transaction_model"]["params"]) == {"r", "alpha", "a", "b"}
    value = client.get(f"/api/v1/customers/{loyal}/value", headers=api_headers).json()
    assert 0 <= value["p_alive"] <= 1 and value["clv"] > 0
    none = make_customer(session)
    assert client.get(f"/api/v1/customers/{none.id}/value", headers=api_headers).status_code == 404
