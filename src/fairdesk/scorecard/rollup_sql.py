"""The SQL that fills the rollup tables, written once for PostgreSQL and SQLite.

Everything runs inside the database: scratch tables (one row per ticket, per customer, per
survey invitation) are filled from the raw tables with set-based joins, then each rollup is
one ``INSERT … SELECT`` grouping them by week and by every dimension at once
(``by_dimension``). The few dialect differences (durations, week start, JSON, grouping sets)
are the ``Dialect`` fragments below.
"""

from __future__ import annotations

from dataclasses import dataclass

from fairdesk.scorecard.buckets import LOG_BASE

REPEAT_WITHIN_DAYS = 14  # a second ticket on the same topic this soon: the customer had to repeat
ANGRY_FROM = 0.5  # triage's anger score from which a message reads "angry" (triage/sentiment.py)
LOW_CSAT_AT_MOST = 3  # CSAT answers of 1-3 are not satisfied; their reasons are complaints

TICKET_DIMENSIONS = ("all", "segment", "persona", "agent", "channel", "stage")
COHORT_DIMENSIONS = ("all", "segment", "persona")


@dataclass(frozen=True)
class Dialect:
    name: str

    @property
    def pg(self) -> bool:
        return self.name == "postgresql"

    def minutes(self, start: str, end: str) -> str:
        if self.pg:
            # As a double: EXTRACT gives a numeric, whose ln() and sums are many times slower.
            return f"(CAST(EXTRACT(EPOCH FROM ({end}) - ({start})) AS DOUBLE PRECISION) / 60.0)"
        return f"((julianday({end}) - julianday({start})) * 1440.0)"

    def epoch_minutes(self, at: str) -> str:
        """Minutes since a fixed origin: sums and differences of these are durations."""
        if self.pg:
            return f"(CAST(EXTRACT(EPOCH FROM {at}) AS DOUBLE PRECISION) / 60.0)"
        return f"(julianday({at}) * 1440.0)"

    def week(self, at: str) -> str:
        if self.pg:
            return f"CAST(date_trunc('week', ({at}) AT TIME ZONE 'UTC') AS date)"
        return f"date({at}, 'weekday 0', '-6 days')"

    def json_text(self, column: str, key: str) -> str:
        if self.pg:
            return f"({column} ->> '{key}')"
        return f"json_extract({column}, '$.{key}')"

    def bucket(self, minutes: str) -> str:
        greatest = "GREATEST" if self.pg else "MAX"
        return f"CAST(floor(ln({greatest}({minutes}, 1.0)) / {LOG_BASE!r}) AS INTEGER)"

    def reasons(self, answer: str) -> tuple[str, str]:
        """(FROM-clause addition, column) that turns an answer's reason list into rows."""
        if self.pg:
            return f"CROSS JOIN LATERAL json_array_elements_text({answer}.reasons) AS r(reason)", (
                "r.reason"
            )
        return f", json_each({answer}.reasons) AS r", "r.value"


# The breakdown columns every rollup source row carries, by dimension ("all" has none).
DIMENSION_COLUMNS = {
    "segment": "seg",
    "persona": "persona",
    "agent": "agent",
    "channel": "channel",
    "stage": "stage",
}


def by_dimension(
    d: Dialect, source: str, keys: tuple[str, ...], sums: dict[str, str], dims: tuple[str, ...]
) -> str:
    """``SELECT wk, dim, val, <keys>, <sums>`` of ``source`` summed per week and dimension value.

    ``source`` gives one row per fact with ``wk``, the breakdown columns of ``dims`` and the
    columns ``keys`` and ``sums`` (name: additive expression) read. PostgreSQL groups once with
    ``GROUPING SETS`` (one pass, one hash table per dimension); SQLite, without them, crosses
    the rows with the dimension list and reads each row's value for that dimension. The "all"
    cell is not grouped from the facts again: every fact has one value of the first
    dimension, so it is the sum of that dimension's (few) rows.
    """
    columns = [DIMENSION_COLUMNS[dim] for dim in dims if dim != "all"]
    key_list = "".join(f", {k}" for k in keys)
    exprs = ", ".join(f"{expr} AS {name}" for name, expr in sums.items())
    if d.pg:
        bits = f"GROUPING({', '.join(columns)})"
        full = (1 << len(columns)) - 1
        names = " ".join(
            f"WHEN {full ^ (1 << (len(columns) - 1 - i))} THEN '{dim}'"
            for i, dim in enumerate(dims[1:])
        )
        values = " ".join(f"WHEN GROUPING({c}) = 0 THEN {c}" for c in columns)
        sets = ", ".join(f"({c})" for c in columns)
        per_value = (
            f"SELECT wk, CASE {bits} {names} END AS dim, "
            f"CASE {values} END AS val{key_list}, {exprs} "
            f"FROM ({source}) x GROUP BY wk{key_list}, GROUPING SETS ({sets})"
        )
    else:
        listed = " UNION ALL ".join(f"SELECT '{n}' AS dim" for n in dims[1:])
        whens = " ".join(f"WHEN '{dim}' THEN {DIMENSION_COLUMNS[dim]}" for dim in dims[1:])
        value = f"CASE d.dim {whens} END"
        per_value = (
            f"SELECT wk, d.dim AS dim, {value} AS val{key_list}, {exprs} "
            f"FROM ({source}) x CROSS JOIN ({listed}) d GROUP BY wk, d.dim, {value}{key_list}"
        )
    added = ", ".join(f"SUM({name}) AS {name}" for name in sums)
    return (
        f"SELECT * FROM (WITH per_value AS ({per_value}) "
        f"SELECT * FROM per_value UNION ALL SELECT wk, 'all', 'all'{key_list}, {added} "
        f"FROM per_value WHERE dim = '{dims[1]}' GROUP BY wk{key_list}) by_dim"
    )


def ticket_facts(d: Dialect, *, whole: bool = False) -> str:
    """One row per ticket opened since :since (``fresh``) or surveyed or compensated since.

    Everything is set-based (a correlated lookup per ticket costs a million index probes):
    the customer's journey stage when the ticket was opened comes from joining each journey
    event's validity interval, from its time to the customer's next event's. The customer and
    reply messages are ordered once per ticket: runs of customer messages start after a reply
    (or first) and end at our next reply, so the time waited is the ends' times less the
    starts' (plus the last start when it is still unanswered, which waits on no reply).
    Reopenings need no order: a plain GROUP BY over the few events. ``whole`` (every ticket,
    a full rebuild) reads the messages without matching them to the tickets picked, which
    lets the ordering run per ticket off the (ticket, id) index instead of one sort of all.
    """
    customer_msgs = "SUM(CASE WHEN kind = 'customer' THEN 1 ELSE 0 END)"
    # The customer waits from the first message of a run of theirs to our next reply.
    run_start = "kind = 'customer' AND (before IS NULL OR before = 'reply')"
    run_end = "kind = 'reply' AND before = 'customer'"
    picked = (
        "SELECT t.id FROM ticket t"
        if whole
        else """SELECT t.id FROM ticket t WHERE t.created_at >= :since
  UNION SELECT i.ticket_id FROM survey_invitation i
        WHERE i.ticket_id IS NOT NULL AND i.sent_at >= :since
  UNION SELECT g.ticket_id FROM goodwill_gesture g WHERE g.created_at >= :since"""
    )
    only_picked = "" if whole else "JOIN picked p ON p.id = m.ticket_id"
    return f"""
CREATE TEMPORARY TABLE sc_ticket AS
WITH picked AS ({picked}),
topics AS (
  SELECT t.id, t.customer_id, t.created_at,
         COALESCE(tt.topic, t.category, 'other') AS topic,
         CASE WHEN tt.anger >= {ANGRY_FROM} THEN 1 ELSE 0 END AS angry
  FROM ticket t LEFT JOIN ticket_triage tt ON tt.ticket_id = t.id
),
again AS (
  SELECT id, topic, angry,
         CASE WHEN {
        d.minutes(
            "LAG(created_at) OVER (PARTITION BY customer_id, topic ORDER BY created_at, id)",
            "created_at",
        )
    }
                   <= {REPEAT_WITHIN_DAYS * 1440} THEN 1 ELSE 0 END AS repeat_contact
  FROM topics
),
talk AS (
  SELECT m.ticket_id, m.kind, {d.epoch_minutes("m.created_at")} AS at,
         LAG(m.kind) OVER (PARTITION BY m.ticket_id ORDER BY m.created_at, m.id) AS before
  FROM ticket_message m {only_picked}
  WHERE m.kind IN ('customer', 'reply')
),
counts AS (
  SELECT ticket_id, {customer_msgs} AS customer_msgs,
         SUM(CASE WHEN {run_end} THEN at ELSE 0 END)
         - SUM(CASE WHEN {run_start} THEN at ELSE 0 END)
         + CASE WHEN SUM(CASE WHEN {run_start} THEN 1 ELSE 0 END)
                     > SUM(CASE WHEN {run_end} THEN 1 ELSE 0 END)
                THEN MAX(CASE WHEN {run_start} THEN at END) ELSE 0 END AS wait
  FROM talk GROUP BY ticket_id
),
reopens AS (
  SELECT DISTINCT m.ticket_id FROM ticket_message m
  WHERE m.kind = 'event' AND {d.json_text("m.meta", "event")} = 'reopened'
),
stages AS (
  SELECT customer_id, stage, occurred_at AS began,
         LEAD(occurred_at) OVER (PARTITION BY customer_id ORDER BY occurred_at, id) AS ended
  FROM journey_event
)
SELECT t.id, t.customer_id, {d.week("t.created_at")} AS wk,
       CASE WHEN t.created_at >= :since THEN 1 ELSE 0 END AS fresh,
       COALESCE(cs.rfm_segment, 'unscored') AS seg,
       COALESCE(CAST(cs.persona_id AS VARCHAR), 'none') AS persona,
       COALESCE(CAST(t.assignee_id AS VARCHAR), 'unassigned') AS agent,
       t.channel AS channel,
       COALESCE(st.stage, 'lead') AS stage,
       a.topic, a.angry, a.repeat_contact,
       CASE WHEN t.resolved_at IS NOT NULL THEN 1 ELSE 0 END AS resolved,
       CASE WHEN t.resolved_at IS NOT NULL THEN COALESCE(c.customer_msgs, 0) ELSE 0 END
         AS contacts,
       CASE WHEN t.resolved_at IS NOT NULL AND r.ticket_id IS NOT NULL THEN 1 ELSE 0 END
         AS reopened,
       {d.minutes("t.created_at", "t.first_responded_at")} AS frt,
       {d.minutes("t.created_at", "t.resolved_at")} AS ttr,
       CASE WHEN t.resolved_at IS NOT NULL THEN COALESCE(c.wait, 0) END AS wait
FROM ticket t
JOIN picked p ON p.id = t.id
JOIN again a ON a.id = t.id
LEFT JOIN customer_score cs ON cs.customer_id = t.customer_id
LEFT JOIN counts c ON c.ticket_id = t.id
LEFT JOIN reopens r ON r.ticket_id = t.id
LEFT JOIN stages st ON st.customer_id = t.customer_id AND st.began <= t.created_at
                   AND (st.ended IS NULL OR t.created_at < st.ended)
"""


def customer_facts(d: Dialect) -> str:
    """One row per customer: cohort week, the funnel steps reached, latest stage, value."""
    return f"""
CREATE TEMPORARY TABLE sc_customer AS
WITH ranked AS (
  SELECT je.customer_id, je.stage, je.occurred_at,
         ROW_NUMBER() OVER (PARTITION BY je.customer_id
                            ORDER BY je.occurred_at DESC, je.id DESC) AS latest
  FROM journey_event je
),
summary AS (
  SELECT customer_id, MIN(occurred_at) AS entered,
         MAX(CASE WHEN stage = 'first_purchase' THEN 1 ELSE 0 END) AS paid,
         MAX(CASE WHEN stage IN ('repeat', 'reactivated') THEN 1 ELSE 0 END) AS repeat,
         MAX(CASE WHEN latest = 1 THEN stage END) AS stage
  FROM ranked GROUP BY customer_id
)
SELECT c.id AS customer_id,
       {d.week("COALESCE(s.entered, c.created_at)")} AS wk,
       COALESCE(cs.rfm_segment, 'unscored') AS seg,
       COALESCE(CAST(cs.persona_id AS VARCHAR), 'none') AS persona,
       COALESCE(s.stage, 'lead') AS stage,
       COALESCE(s.paid, 0) AS paid, COALESCE(s.repeat, 0) AS repeat,
       CASE WHEN s.paid = 1 AND s.stage = 'lapsed' THEN 1 ELSE 0 END AS lapsed,
       CASE WHEN s.paid = 1 AND s.stage = 'churned' THEN 1 ELSE 0 END AS churned,
       CASE WHEN s.paid = 1 AND v.customer_id IS NOT NULL THEN 1 ELSE 0 END AS valued,
       CASE WHEN s.paid = 1 THEN COALESCE(v.p_alive, 0) ELSE 0 END AS p_alive,
       CASE WHEN s.paid = 1 THEN COALESCE(v.clv, 0) ELSE 0 END AS clv
FROM customer c
LEFT JOIN summary s ON s.customer_id = c.id
LEFT JOIN customer_score cs ON cs.customer_id = c.id
LEFT JOIN customer_value v ON v.customer_id = c.id
"""


BREAKDOWN = "wk, seg, persona, agent, channel, stage"  # every fact's breakdown columns


def answer_facts(d: Dialect) -> str:
    """One row per survey invitation sent since :since, with its answer if any.

    An answer takes its ticket's breakdown; a relationship survey (no ticket) its customer's,
    with no agent or channel. Built once, read by three rollups, so the joins run once.
    """
    return f"""
CREATE TEMPORARY TABLE sc_answer AS
SELECT {d.week("i.sent_at")} AS wk, c.seg, c.persona, COALESCE(f.agent, 'none') AS agent,
       COALESCE(f.channel, 'none') AS channel, COALESCE(f.stage, c.stage) AS stage,
       CASE WHEN i.status <> 'skipped' THEN 1 ELSE 0 END AS sent,
       CASE WHEN i.status <> 'skipped' AND a.id IS NOT NULL THEN 1 ELSE 0 END AS answered,
       a.csat, a.ces, a.nps, a.reasons, COALESCE(f.angry, 0) AS angry
FROM survey_invitation i
JOIN sc_customer c ON c.customer_id = i.customer_id
LEFT JOIN sc_ticket f ON f.id = i.ticket_id
LEFT JOIN survey_answer a ON a.invitation_id = i.id
WHERE i.sent_at >= :since
"""


ACTIVITY_COLUMNS = (
    "tickets",
    "resolved",
    "contacts",
    "reopened",
    "repeat_contacts",
    "angry",
    "frt_n",
    "frt_sum",
    "ttr_n",
    "ttr_sum",
    "wait_n",
    "wait_sum",
    "invitations",
    "answers",
    "gestures",
    "gestures_at_once",
)


TICKET_SUMS = {
    "tickets": "COUNT(*)",
    "resolved": "SUM(resolved)",
    "contacts": "SUM(contacts)",
    "reopened": "SUM(reopened)",
    "repeat_contacts": "SUM(repeat_contact)",
    "angry": "SUM(angry)",
    "frt_n": "COUNT(frt)",
    "frt_sum": "COALESCE(SUM(frt), 0)",
    "ttr_n": "COUNT(ttr)",
    "ttr_sum": "COALESCE(SUM(ttr), 0)",
    "wait_n": "COUNT(wait)",
    "wait_sum": "COALESCE(SUM(wait), 0)",
}


def ticket_cells(d: Dialect) -> str:
    """The tickets' sums per week, dimension value and topic, in one pass over the tickets.

    Both the activity (summed over topics) and the topic complaints (angry tickets per topic)
    read this small table, instead of each grouping the million tickets six ways.
    """
    cells = by_dimension(
        d, "SELECT * FROM sc_ticket WHERE fresh = 1", ("topic",), TICKET_SUMS, TICKET_DIMENSIONS
    )
    return f"CREATE TEMPORARY TABLE sc_cell AS {cells}"


def activity_insert(d: Dialect) -> str:
    """Tickets (from ``sc_cell``), invitations and gestures summed apart, each with only its
    own columns, then added up per cell: far fewer aggregate steps than summing zeros."""
    answer_sums = {"invitations": "SUM(sent)", "answers": "SUM(answered)"}
    gesture_sums = {
        "gestures": "COUNT(*)",
        "gestures_at_once": "SUM(CASE WHEN status = 'granted' AND approver_id IS NULL "
        "THEN 1 ELSE 0 END)",
    }
    gestures = f"""
  SELECT {d.week("g.created_at")} AS wk, c.seg, c.persona,
         COALESCE(CAST(g.actor_id AS VARCHAR), 'none') AS agent, f.channel, f.stage,
         g.status, g.approver_id
  FROM goodwill_gesture g
  JOIN sc_customer c ON c.customer_id = g.customer_id
  JOIN sc_ticket f ON f.id = g.ticket_id
  WHERE g.created_at >= :since"""
    tickets = ", ".join(
        f"{'SUM(' + c + ')' if c in TICKET_SUMS else '0'} AS {c}" for c in ACTIVITY_COLUMNS
    )
    parts = " UNION ALL ".join(
        [
            f"SELECT wk, dim, val, {tickets} FROM sc_cell GROUP BY wk, dim, val",
            *(
                by_dimension(
                    d,
                    source,
                    (),
                    {c: sums.get(c, "0") for c in ACTIVITY_COLUMNS},
                    TICKET_DIMENSIONS,
                )
                for source, sums in (
                    ("SELECT * FROM sc_answer WHERE sent = 1", answer_sums),
                    (gestures, gesture_sums),
                )
            ),
        ]
    )
    columns = ", ".join(ACTIVITY_COLUMNS)
    sums = ", ".join(f"SUM({c})" for c in ACTIVITY_COLUMNS)
    return f"""
INSERT INTO scorecard_activity (week, dimension, value, {columns})
SELECT wk, dim, val, {sums} FROM ({parts}) x GROUP BY wk, dim, val
"""


def distribution_increments(d: Dialect) -> str:
    """Per week, dimension value and metric, how many facts fell on each key.

    Metrics: ``csat``, ``ces``, ``nps`` (key: the score, by invitation week) and ``frt``,
    ``ttr`` (key: the minute bucket, by ticket week). ``rollup.py`` turns these weekly counts
    into the running totals ``scorecard_distribution`` keeps.
    """
    answers = " UNION ALL ".join(
        f"SELECT {BREAKDOWN}, '{q}' AS metric, {q} AS k FROM sc_answer WHERE {q} IS NOT NULL"
        for q in ("csat", "ces", "nps")
    )
    durations = " UNION ALL ".join(
        f"SELECT {BREAKDOWN}, '{m}', {d.bucket(m)} FROM sc_ticket "
        f"WHERE fresh = 1 AND {m} IS NOT NULL"
        for m in ("frt", "ttr")
    )
    grouped = by_dimension(
        d, f"{answers} UNION ALL {durations}", ("metric", "k"), {"n": "COUNT(*)"}, TICKET_DIMENSIONS
    )
    return f"SELECT dim, val, metric, wk, k, n FROM ({grouped}) g"


def complaint_increments(d: Dialect) -> str:
    """Per week, dimension value and complaint (a topic, a low-CSAT reason), its new counts.

    ``rollup.py`` turns these into the running totals ``scorecard_complaint`` keeps.
    """
    join, reason = d.reasons("a")
    source = f"""
  SELECT {BREAKDOWN}, 'reason' AS kind, CAST({reason} AS VARCHAR(80)) AS key, angry
  FROM sc_answer a {join} WHERE a.csat <= {LOW_CSAT_AT_MOST}"""
    reasons = by_dimension(
        d, source, ("kind", "key"), {"n": "COUNT(*)", "angry": "SUM(angry)"}, TICKET_DIMENSIONS
    )
    return f"""
SELECT dim, val, 'topic', topic, wk, tickets, angry FROM sc_cell
UNION ALL SELECT dim, val, kind, key, wk, n, angry FROM ({reasons}) r
"""


def cohort_insert(d: Dialect) -> str:
    sums = {
        "leads": "COUNT(*)",
        **{c: f"SUM({c})" for c in ("paid", "repeat", "lapsed", "churned", "valued")},
        "p_alive_sum": "SUM(p_alive)",
        "clv_sum": "SUM(clv)",
    }
    grouped = by_dimension(d, "SELECT * FROM sc_customer", (), sums, COHORT_DIMENSIONS)
    return f"""
INSERT INTO scorecard_cohort (week, dimension, value, leads, paid, repeat, lapsed, churned,
                              valued, p_alive_sum, clv_sum)
{grouped}
"""
