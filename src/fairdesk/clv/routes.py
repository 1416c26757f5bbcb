"""REST endpoints for stored lifetime values (mounted under /api/v1)."""

from __future__ import annotations

from fastapi import APIRouter

from fairdesk.auth.deps import ApiUser
from fairdesk.clv import service as clv_service
from fairdesk.clv.schemas import ClvFitOut, CustomerValueOut
from fairdesk.customers import service as customer_service
from fairdesk.db.deps import DbSession
from fairdesk.errors import NotFound

router = APIRouter(tags=["lifetime value"])


@router.get("/clv/fit", response_model=ClvFitOut)
def latest_fit(session: DbSession, user: ApiUser) -> ClvFitOut:
    fit = clv_service.latest_fit(session)
    if fit is None:
        raise NotFound("no CLV fit yet; run `fairdesk analyze`")
    return ClvFitOut.model_validate(fit)


@router.get("/customers/{customer_id}/value", response_model=CustomerValueOut)
def customer_value(customer_id: int, session: DbSession, user: ApiUser) -> CustomerValueOut:
    customer_service.get_customer(session, customer_id)
    value = clv_service.value_of(session, customer_id)
    if value is None:
        raise NotFound(
            f"customer {customer_id} has no lifetime value yet (no purchases, or "
            "`fairdesk analyze` has not run since their first order)"
        )
    return CustomerValueOut.model_validate(value)
