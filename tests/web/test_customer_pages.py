"""The customers list and customer page, driven through the app on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.config import Settings
from fairdesk.customers.models import JourneyEvent, JourneyStage, LifecycleStatus
from tests.conftest import TEST_SECRET, login
from tests.factories import make_customer, make_order

PAGE_SIZE = 3


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    # A small page so pagination is tested with a handful of rows.
    return Settings(data_dir=tmp_path, secret_key=TEST_SECRET,
                    page_size=PAGE_SIZE)


@pytest.fixture()
def staff(client: TestClient, agent: StaffUser) -> TestClient:
    login(client, agent)
    return client


def _names(html: str) -> list[str]:
    """Customer names in table order, from their links."""
    return re.findall(r'<a href="/customers/\d+">([^<]*)</a>', html)


@pytest.mark.parametrize("path", ["/customers", "/customers/1"])
def test_pages_need_login(client: TestClient, path: str) -> None:
    resp = client.get(path, follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == f"/login?next={path}"


def test_list_shows_columns_and_stats(staff: TestClient, session: Session) -> None:
    c = make_customer(session, first_name="Grace", last_name="Hopper", country="US",
                      city="Arlington", lifecycle_status=LifecycleStatus.ACTIVE,
                      interests=["navy", "cobol", "nanoseconds", "teaching"])
    make_order(session, c, amount=Decimal("10.50"), placed_at=datetime(2026, 2, 1, tzinfo=UTC))
    make_order(session, c, amount=Decimal("4.50"), placed_at=datetime(2026, 3, 9, tzinfo=UTC))
    html = staff.get("/customers", params={"q": "hopper"}).text
    assert f'<a href="/customers/{c.id}">Grace Hopper</a>' in html
    for text in (c.email, c.external_id, "US / Arlington", "active", "navy", "+1",
                 "£15.00", "2026-03-09", "Showing 1–1 of 1 customers"):
        assert str(text) in html
    assert '<td class="num">2</td>' in html


@pytest.mark.parametrize("field", ["name", "email", "external_id"])
def test_search_finds_by(staff: TestClient, session: Session, field: str) -> None:
    wanted = make_customer(session, first_name="Zelda", last_name="Quixote",
                           email="zq-unique@example.org", external_id="EXT-ZQ-77")
    make_customer(session, first_name="Other", last_name="Person")
    term = {"name": "zelda quix", "email": "ZQ-UNIQUE@", "external_id": "EXT-ZQ-77"}[field]
    assert _names(staff.get("/customers", params={"q": term}).text) == [wanted.display_name]


@pytest.mark.parametrize(("param", "value", "wanted_kw", "other_kw"), [
    ("country", "fr", {"country": "FR"}, {"country": "DE"}),
    ("status", "churned", {"lifecycle_status": LifecycleStatus.CHURNED},
     {"lifecycle_status": LifecycleStatus.ACTIVE}),
    ("tag", "Falconry", {"lifestyle": ["falconry"]}, {"lifestyle": ["fishing"]}),
])
def test_each_filter_narrows(staff: TestClient, session: Session, param: str, value: str,
                             wanted_kw: dict[str, object], other_kw: dict[str, object]) -> None:
    wanted = make_customer(session, last_name="Wanted", interests=["filtertest"], **wanted_kw)
    make_customer(session, last_name="Unwanted", interests=["filtertest"], **other_kw)
    both = _names(staff.get("/customers", params={"tag": "filtertest"}).text)
    assert len(both) == 2
    narrowed = staff.get("/customers", params={"tag": "filtertest", param: value}
                         if param != "tag" else {param: value})
    assert _names(narrowed.text) == [wanted.display_name]


def test_sort_orders(staff: TestClient, session: Session) -> None:
    now = datetime.now(UTC)
    for i, (first, last, email) in enumerate([("Bo", "Adams", "c@x.org"),
                                              ("Al", "Cole", "a@x.org"),
                                              ("Cy", "Baker", "b@x.org")]):
        make_customer(session, first_name=first, last_name=last, email=email,
                      interests=["sorttest"], created_at=now + timedelta(minutes=i))

    def order(sort: str) -> list[str]:
        return _names(staff.get("/customers", params={"tag": "sorttest", "sort": sort}).text)

    assert order("name") == ["Bo Adams", "Cy Baker", "Al Cole"]
    assert order("email") == ["Al Cole", "Cy Baker", "Bo Adams"]
    assert order("created") == ["Bo Adams", "Al Cole", "Cy Baker"]
    assert order("-created") == ["Cy Baker", "Al Cole", "Bo Adams"]


def test_pagination_boundaries_keep_filters(staff: TestClient, session: Session) -> None:
    for i in range(7):
        make_customer(session, last_name=f"Pager{i}", interests=["pagetest"])
    first = staff.get("/customers", params={"tag": "pagetest"}).text
    assert "Showing 1–3 of 7 customers" in first
    assert 'href="/customers?tag=pagetest&amp;page=2" rel="next"' in first
    assert 'rel="prev"' not in first
    last = staff.get("/customers", params={"tag": "pagetest", "page": 3}).text
    assert "Showing 7–7 of 7 customers" in last and len(_names(last)) == 1
    assert 'rel="next"' not in last
    assert 'href="/customers?tag=pagetest&amp;page=2" rel="prev"' in last
    past = staff.get("/customers", params={"tag": "pagetest", "page": 4},
                     follow_redirects=False)
    assert past.status_code == 303
    assert past.headers["location"] == "/customers?tag=pagetest&page=3"


def test_empty_states(staff: TestClient, session: Session) -> None:
    assert "No customers yet." in staff.get("/customers").text
    make_customer(session)
    resp = staff.get("/customers", params={"q": "nobody-is-called-this"})
    assert resp.status_code == 200
    assert "No customers match these filters" in resp.text


@pytest.mark.parametrize(("params", "field"), [
    ({"status": "vip"}, "status"),
    ({"sort": "random"}, "sort"),
    ({"country": "United Kingdom"}, "country"),
    ({"page": "-1"}, "page"),
    ({"page": "0"}, "page"),
    ({"page": "abc"}, "page"),
    ({"page": "99999999999999999999"}, "page"),
    ({"q": "x" * 201}, "q"),
])
def test_bad_query_values_get_a_clear_422(staff: TestClient, params: dict[str, str],
                                          field: str) -> None:
    resp = staff.get("/customers", params=params)
    assert resp.status_code == 422
    assert "We could not do that" in resp.text
    assert field in resp.text


@pytest.mark.parametrize("path", ["/customers/0", "/customers/987654321",
                                  "/customers/99999999999999999999999", "/customers/abc"])
def test_unknown_customer_is_404(staff: TestClient, path: str) -> None:
    resp = staff.get(path)
    assert resp.status_code == 404
    assert "We could not do that" in resp.text


def test_customer_text_is_escaped(staff: TestClient, session: Session) -> None:
    evil = "<script>alert(1)</script>"
    c = make_customer(session, first_name=evil, last_name="", city=evil, interests=[evil],
                      email="evil@example.com")
    for page in (staff.get("/customers", params={"q": "<script>"}).text,
                 staff.get(f"/customers/{c.id}").text):
        assert evil not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_customer_page_groups_profile_and_says_unknown(staff: TestClient,
                                                       session: Session) -> None:
    c = make_customer(session, first_name="Mary", last_name="Seacole", birth_year=1990,
                      city="Kingston", values=["care"], interests=[], education=None)
    html = staff.get(f"/customers/{c.id}").text
    for heading in ("Demography", "Psychography", "Lifestyle", "Usage &amp; attitude",
                    "Contact", "Orders", "Journey"):
        assert heading in html
    assert re.search(r"about \d+ \(\d\d–\d\d\)", html)
    assert re.search(r"<dt>Education</dt>\s*<dd><span class=\"unknown\">unknown</span>", html)
    assert re.search(r"<dt>Interests</dt>\s*<dd><span class=\"unknown\">unknown</span>", html)
    assert re.search(r"<dt>Phone</dt>\s*<dd><span class=\"unknown\">unknown</span>", html)
    assert '<span class="tag">care</span>' in html
    assert "No orders yet." in html and "No journey events recorded." in html


def test_customer_page_lists_orders_totals_and_journey(staff: TestClient,
                                                       session: Session) -> None:
    c = make_customer(session, first_name="Ida", last_name="Wells")
    make_order(session, c, external_id="ORD-1", amount=Decimal("40.00"),
               refunded_amount=Decimal("15.00"), item_count=3, channel="phone",
               status="partially_refunded")
    make_order(session, c, external_id="ORD-2", amount=Decimal("9.99"), currency="EUR")
    session.add(JourneyEvent(customer_id=c.id, stage=JourneyStage.FIRST_PURCHASE,
                             event_type="order_placed",
                             occurred_at=datetime(2026, 1, 1, 9, 30, tzinfo=UTC)))
    session.flush()
    html = staff.get(f"/customers/{c.id}").text
    for text in ("ORD-1", "ORD-2", "£40.00", "£15.00", "€9.99", "partially refunded", "phone",
                 "spent <strong>£40.00</strong> · refunded <strong>£15.00</strong>",
                 "spent <strong>€9.99</strong> · refunded <strong>€0.00</strong>",
                 "first purchase", "order placed", "2026-01-01 09:30 UTC"):
        assert text in html

