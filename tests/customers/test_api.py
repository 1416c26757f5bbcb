"""The customers and orders REST API: auth, validation naming the field, CRUD, 404."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth.models import AuditEntry
from fairdesk.customers.models import Customer
from tests.factories import make_customer, make_order


def test_no_token_is_401(client: TestClient) -> None:
    resp = client.get("/api/v1/customers")
    assert resp.status_code == 401
    assert resp.headers["www-authenticate"] == "Bearer"
    assert resp.json()["error"] == "not_authenticated"


def test_bad_token_is_401(client: TestClient) -> None:
    resp = client.get("/api/v1/customers", headers={"Authorization": "Bearer fd_wrong"})
    assert resp.status_code == 401


def test_create_get_update_customer(
    client: TestClient, api_headers: dict[str, str], session: Session
) -> None:
    body = {
        "external_id": "C-API-1",
        "first_name": "Grace",
        "last_name": "Hopper",
        "email": "grace@example.com",
        "country": "gb",
        "values": ["quality", "craft"],
        "birth_year": 1986,
    }
    created = client.post("/api/v1/customers", json=body, headers=api_headers)
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    assert created.json()["country"] == "GB"
    got = client.get(f"/api/v1/customers/{cid}", headers=api_headers).json()
    assert got["values"] == ["quality", "craft"]
    patched = client.patch(
        f"/api/v1/customers/{cid}", json={"city": "Leeds", "values": None}, headers=api_headers
    )
    assert patched.status_code == 200
    assert patched.json()["city"] == "Leeds" and patched.json()["values"] == []
    stored = session.get(Customer, cid)
    assert stored is not None and stored.city == "Leeds"
    actions = session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.entity_type == "customer", AuditEntry.entity_id == str(cid)
        )
    ).all()
    assert actions == ["customer.create", "customer.update"]


def test_wrong_types_are_422_naming_the_field(
    client: TestClient, api_headers: dict[str, str]
) -> None:
    resp = client.post("/api/v1/customers", json={"birth_year": "nineteen"}, headers=api_headers)
    assert resp.status_code == 422
    assert resp.json()["field"] == "birth_year"
    resp = client.post("/api/v1/customers", json={"shoe_size": 42}, headers=api_headers)
    assert resp.status_code == 422 and resp.json()["field"] == "shoe_size"
    resp = client.get("/api/v1/customers?limit=abc", headers=api_headers)
    assert resp.status_code == 422 and resp.json()["field"] == "limit"


def test_unknown_ids_are_404(client: TestClient, api_headers: dict[str, str]) -> None:
    assert client.get("/api/v1/customers/999999", headers=api_headers).status_code == 404
    assert client.get("/api/v1/orders/999999", headers=api_headers).status_code == 404
    resp = client.patch("/api/v1/customers/999999", json={"city": "X"}, headers=api_headers)
    assert resp.status_code == 404


def test_duplicate_external_id_is_409(
    client: TestClient, api_headers: dict[str, str], session: Session
) -> None:
    make_customer(session, external_id="DUP-1")
    resp = client.post("/api/v1/customers", json={"external_id": "DUP-1"}, headers=api_headers)
    assert resp.status_code == 409 and resp.json()["field"] == "external_id"


def test_list_filters_and_paginates(
    client: TestClient, api_headers: dict[str, str], session: Session
) -> None:
    for i in range(7):
        make_customer(
            session,
            last_name=f"Zed{i}",
            country="IE" if i % 2 else "DE",
            interests=["espresso"] if i < 3 else [],
        )
    page = client.get("/api/v1/customers?country=IE&limit=2", headers=api_headers).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    tagged = client.get("/api/v1/customers?tag=Espresso", headers=api_headers).json()
    assert tagged["total"] == 3
    found = client.get("/api/v1/customers?q=zed4", headers=api_headers).json()
    assert [c["last_name"] for c in found["items"]] == ["Zed4"]


def test_orders_create_update_and_validation(
    client: TestClient, api_headers: dict[str, str], session: Session
) -> None:
    customer = make_customer(session)
    body = {
        "external_id": "O-API-1",
        "customer_id": customer.id,
        "placed_at": "2026-03-01T10:00:00Z",
        "amount": "42.50",
        "currency": "GBP",
    }
    created = client.post("/api/v1/orders", json=body, headers=api_headers)
    assert created.status_code == 201, created.text
    oid = created.json()["id"]
    resp = client.patch(
        f"/api/v1/orders/{oid}",
        json={"status": "refunded", "refunded_amount": "42.50"},
        headers=api_headers,
    )
    assert resp.status_code == 200 and resp.json()["status"] == "refunded"
    too_much = client.patch(
        f"/api/v1/orders/{oid}", json={"refunded_amount": "50"}, headers=api_headers
    )
    assert too_much.status_code == 422 and too_much.json()["field"] == "refunded_amount"
    negative = client.post(
        "/api/v1/orders",
        json={**body, "external_id": "O-API-2", "amount": "-1"},
        headers=api_headers,
    )
    assert negative.status_code == 422 and negative.json()["field"] == "amount"
    naive = client.post(
        "/api/v1/orders",
        json={**body, "external_id": "O-API-3", "placed_at": "2026-03-01T10:00:00"},
        headers=api_headers,
    )
    assert naive.status_code == 422 and naive.json()["field"] == "placed_at"
    orphan = client.post(
        "/api/v1/orders",
        json={**body, "external_id": "O-API-4", "customer_id": 987654},
        headers=api_headers,
    )
    assert orphan.status_code == 404 and orphan.json()["field"] == "customer_id"
    make_order(session, customer)
    listed = client.get(f"/api/v1/orders?customer_id={customer.id}", headers=api_headers).json()
    assert listed["total"] == 2


def test_openapi_lists_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/customers" in spec["paths"] and "/api/v1/orders/{order_id}" in spec["paths"]
