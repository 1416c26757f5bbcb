"""Importing our own customers and orders formats (what the exporter writes)."""

from __future__ import annotations

import polars as pl

from fairdesk.customers.csv_formats import EXPORTED_ID_PREFIX, CsvFormat
from fairdesk.customers.importer.checks import LINE, PROBLEM_SCHEMA, check
from fairdesk.customers.importer.pipeline import BATCH_ROWS, Run, header_errors
from fairdesk.customers.importer.report import Phase
from fairdesk.customers.importer.source import Batch, CsvSource, FileRejected
from fairdesk.customers.importer.staging import Stage


def run_ours(run: Run, source: CsvSource, fmt: CsvFormat) -> None:
    """Check the file into a stage, then (if allowed) upsert it; the report tells the rest."""
    errors = header_errors(source, fmt.names, fmt.required)
    if errors:
        raise FileRejected(*errors)
    columns = [c for c in fmt.names if c in source.header]
    with Stage(run.session, fmt, columns) as stage:
        adopt = False
        for batch in source.batches(BATCH_ROWS):
            adopt = _stage_batch(run, stage, fmt, batch) or adopt
            run.tick(Phase.CHECKING, source.bytes_read, source.size)
        if run.may_write():
            if adopt:
                stage.adopt_exported_ids(EXPORTED_ID_PREFIX)
            report = run.report
            report.inserted, report.updated, report.unchanged = run.write(stage)
            report.applied = True


def _stage_batch(run: Run, stage: Stage, fmt: CsvFormat, batch: Batch) -> bool:
    """Check one batch into the stage; True when it names customers by exported ids."""
    run.report.rows_read += batch.frame.height + len(batch.ragged)
    checked = check(batch.frame, fmt, max_field_bytes=run.settings.import_max_field_bytes)
    good, repeats = run.first_only(fmt.name, checked.good, fmt.key)
    stage.load(good)
    problems = [checked.problems, repeats]
    if fmt.reference and not good.is_empty():
        lines = good.get_column(LINE)
        orphans = stage.unmatched(int(lines.min()), int(lines.max()))  # type: ignore[arg-type]
        problems.append(pl.DataFrame(
            [(line, fmt.reference[0], value, "no customer has this external_id (import the "
              "customers first)") for line, value in orphans],
            schema=PROBLEM_SCHEMA, orient="row"))
        good = good.filter(~pl.col(LINE).is_in([line for line, _ in orphans]))
    ragged_problems, ragged_rows = run.ragged(batch)
    run.refuse(pl.concat([batch.frame, ragged_rows]), [*problems, ragged_problems])
    run.staged(stage, good.get_column(LINE), good.height)
    keys = good.get_column(fmt.key)
    return fmt.name == "customers" and bool(keys.str.starts_with(EXPORTED_ID_PREFIX).any())
