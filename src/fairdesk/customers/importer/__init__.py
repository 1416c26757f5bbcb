"""CSV import of customers and orders: check the whole file, then upsert by external id.

``import_customers`` and ``import_orders`` take an open binary file (an upload) or a path and
return an :class:`ImportReport`. They flush and never commit: the caller commits once. The
report tells whether anything was written (``applied``); one audit entry records every import,
so a CLI or request should commit even when the file was refused.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.config import Settings, get_settings
from fairdesk.customers.csv_formats import CUSTOMERS, ORDERS, Shopify
from fairdesk.customers.importer.ours import run_ours
from fairdesk.customers.importer.pipeline import Progress, Run
from fairdesk.customers.importer.report import (
    ImportMode,
    ImportProgress,
    ImportReport,
    Phase,
    RowError,
)
from fairdesk.customers.importer.source import FileRejected
from fairdesk.customers.shopify import run_shopify

__all__ = [
    "ImportMode", "ImportProgress", "ImportReport", "Phase", "RowError", "SourceFormat",
    "import_customers", "import_orders",
]


class SourceFormat(StrEnum):
    FAIRDESK = "fairdesk"  # our orders format, as exported
    SHOPIFY = "shopify"  # Shopify's standard orders export


def import_customers(
    session: Session, source: BinaryIO | Path, *, mode: ImportMode = ImportMode.ALL_OR_NOTHING,
    progress: Progress | None = None, actor: StaffUser | None = None,
    settings: Settings | None = None,
) -> ImportReport:
    """Import a customers CSV (``external_id`` plus any customer fields) by external id."""
    report = ImportReport(kind="customers", source_format=SourceFormat.FAIRDESK, mode=mode)
    run = Run(session, report, settings=settings or get_settings(), progress=progress)
    try:
        with run.open(source) as csv_source:
            run.started(csv_source)
            run_ours(run, csv_source, CUSTOMERS)
    except FileRejected as exc:
        report.add(exc.errors)
    run.audit(actor, source)
    return report


def import_orders(
    session: Session, source: BinaryIO | Path, *, mode: ImportMode = ImportMode.ALL_OR_NOTHING,
    progress: Progress | None = None, actor: StaffUser | None = None,
    source_format: SourceFormat | None = None, settings: Settings | None = None,
) -> ImportReport:
    """Import an orders CSV, ours or Shopify's (``source_format=None`` reads the header to tell).

    Ours names each order's customer by ``customer_external_id``, who must exist already;
    Shopify's names them by e-mail, and customers are created for unknown addresses.
    """
    report = ImportReport(kind="orders", source_format=source_format or SourceFormat.FAIRDESK,
                          mode=mode)
    run = Run(session, report, settings=settings or get_settings(), progress=progress)
    try:
        with run.open(source) as csv_source:
            run.started(csv_source)
            shopify = (source_format is SourceFormat.SHOPIFY if source_format
                       else Shopify.is_shopify(csv_source.header))
            report.source_format = SourceFormat.SHOPIFY if shopify else SourceFormat.FAIRDESK
            if shopify:
                run_shopify(run, csv_source)
            else:
                run_ours(run, csv_source, ORDERS)
    except FileRejected as exc:
        report.add(exc.errors)
    run.audit(actor, source)
    return report
