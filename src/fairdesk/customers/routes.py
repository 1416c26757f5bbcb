"""REST endpoints for customers and orders (mounted under /api/v1)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette import status

from fairdesk.auth.deps import ApiUser
from fairdesk.customers import service as customer_service
from fairdesk.customers.models import LifecycleStatus, OrderStatus
from fairdesk.customers.schemas import (
    CustomerCreate,
    CustomerOut,
    CustomerUpdate,
    OrderCreate,
    OrderOut,
    OrderUpdate,
    Page,
)
from fairdesk.customers.service import CustomerQuery, CustomerSort
from fairdesk.db.deps import DbSession

router = APIRouter(tags=["customers"])

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]


@router.get("/customers", response_model=Page[CustomerOut])
def list_customers(
    session: DbSession,
    user: ApiUser,
    q: str | None = None,
    country: str | None = None,
    lifecycle_status: LifecycleStatus | None = None,
    tag: str | None = None,
    sort: CustomerSort = CustomerSort.NAME,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[CustomerOut]:
    query = CustomerQuery(
        q=q, country=country, lifecycle_status=lifecycle_status, tag=tag, sort=sort
    )
    rows, total = customer_service.list_customers(session, query=query, limit=limit, offset=offset)
    return Page(
        items=[CustomerOut.model_validate(r) for r in rows], total=total, limit=limit, offset=offset
    )


@router.get("/customers/{customer_id}", response_model=CustomerOut)
def get_customer(customer_id: int, session: DbSession, user: ApiUser) -> CustomerOut:
    return CustomerOut.model_validate(customer_service.get_customer(session, customer_id))


@router.post("/customers", response_model=CustomerOut, status_code=status.HTTP_201_CREATED)
def create_customer(data: CustomerCreate, session: DbSession, user: ApiUser) -> CustomerOut:
    customer = customer_service.create_customer(session, data=data, actor=user)
    return CustomerOut.model_validate(customer)


@router.patch("/customers/{customer_id}", response_model=CustomerOut)
def update_customer(
    customer_id: int, data: CustomerUpdate, session: DbSession, user: ApiUser
) -> CustomerOut:
    customer = customer_service.update_customer(
        session, customer_id=customer_id, data=data, actor=user
    )
    return CustomerOut.model_validate(customer)


@router.get("/orders", response_model=Page[OrderOut], tags=["orders"])
def list_orders(
    session: DbSession,
    user: ApiUser,
    customer_id: int | None = None,
    status: OrderStatus | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[OrderOut]:
    rows, total = customer_service.list_orders(
        session, customer_id=customer_id, status=status, limit=limit, offset=offset
    )
    return Page(
        items=[OrderOut.model_validate(r) for r in rows], total=total, limit=limit, offset=offset
    )


@router.get("/orders/{order_id}", response_model=OrderOut, tags=["orders"])
def get_order(order_id: int, session: DbSession, user: ApiUser) -> OrderOut:
    return OrderOut.model_validate(customer_service.get_order(session, order_id))


@router.post(
    "/orders", response_model=OrderOut, status_code=status.HTTP_201_CREATED, tags=["orders"]
)
def create_order(data: OrderCreate, session: DbSession, user: ApiUser) -> OrderOut:
    return OrderOut.model_validate(customer_service.create_order(session, data=data, actor=user))


@router.patch("/orders/{order_id}", response_model=OrderOut, tags=["orders"])
def update_order(order_id: int, data: OrderUpdate, session: DbSession, user: ApiUser) -> OrderOut:
    order = customer_service.update_order(session, order_id=order_id, data=data, actor=user)
    return OrderOut.model_validate(order)
