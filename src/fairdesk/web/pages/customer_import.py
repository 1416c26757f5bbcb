"""The CSV upload page: the same importer as the CLI, with its report shown in the page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from starlette.responses import Response

from fairdesk.auth.csrf import require_csrf
from fairdesk.auth.deps import ManagerPage
from fairdesk.customers.importer import ImportMode, import_customers, import_orders
from fairdesk.db.deps import DbSession
from fairdesk.errors import ValidationFailed
from fairdesk.web.templating import render

router = APIRouter()
KINDS = ("customers", "orders")


@router.get("/customers/import")
def import_page(request: Request, user: ManagerPage) -> Response:
    return render(request, "customers/import.html", {"report": None})


@router.post("/customers/import", dependencies=[Depends(require_csrf)])
def upload(
    request: Request, session: DbSession, user: ManagerPage,
    kind: Annotated[str, Form()], file: Annotated[UploadFile, File()],
    skip_invalid: Annotated[bool, Form()] = False,
) -> Response:
    if kind not in KINDS:
        raise ValidationFailed(f"kind must be one of {', '.join(KINDS)}", field="kind")
    mode = ImportMode.SKIP_INVALID if skip_invalid else ImportMode.ALL_OR_NOTHING
    run = import_customers if kind == "customers" else import_orders
    report = run(session, file.file, mode=mode, actor=user)
    # The audit entry is committed with the request even when the file was refused.
    status = 200 if report.applied or not report.error_count else 422
    return render(request, "customers/import.html",
                  {"report": report, "filename": file.filename}, status_code=status)
