"""The SQL that fills the rollup tables, written once for PostgreSQL and SQLite.

Everything runs inside the database: two scratch tables (one row per ticket, one per
customer) are filled from the raw tables, then each rollup table is one ``INSERT … SELECT``
that crosses them with the list of dimensions and groups by week, dimension and value. The few
dialect differences (durations, week start, JSON) are the ``Dialect`` fragments below.
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
            return f"(EXTRACT(EPOCH FROM ({end}) - ({start})) / 60.0)"
        return f"((julianday({end}) - julianday({start})) * 1440.0)"

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


def dims_table(names: tuple[str, ...]) -> str:
    return "(" + " UNION ALL ".join(f"SELECT '{n}' AS dim" for n in names) + ")"


def value_case(**exprs: str) -> str:
    """``CASE d.dim WHEN 'segment' THEN <expr> … END``; dimensions not given read 'none'."""
    whens = " ".join(f"WHEN '{dim}' THEN {expr}" for dim, expr in exprs.items())
    return f"CASE d.dim WHEN 'all' THEN 'all' {whens} ELSE 'none' END"


def ticket_facts(d: Dialect) -> str:
    """One row per ticket opened since :since (``fresh``) or surveyed or compensated since."""
    customer_msgs = "SUM(CASE WHEN m.kind = 'customer' THEN 1 ELSE 0 END)"
    reopen = (
        f"MAX(CASE WHEN m.kind = 'event' AND {d.json_text('m.meta', 'event')} = 'reopened' "
        "THEN 1 ELSE 0 END)"
    )
    stage = (
        "COALESCE((SELECT je.stage FROM journey_event je WHERE je.customer_id = t.customer_id "
        "AND je.occurred_at <= t.created_at ORDER BY je.occurred_at DESC, je.id DESC LIMIT 1), "
        "'lead')"
    )
    return f"""
CREATE TEMPORARY TABLE sc_ticket AS
WITH picked AS (
  SELECT t.id FROM ticket t WHERE t.created_at >= :since
  UNION SELECT i.ticket_id FROM survey_invitation i
        WHERE i.ticket_id IS NOT NULL AND i.sent_at >= :since
  UNION SELECT g.ticket_id FROM goodwill_gesture g WHERE g.created_at >= :since
),
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
msg AS (
  SELECT m.ticket_id, m.kind, m.created_at,
         SUM(CASE WHEN m.kind = 'reply' THEN 1 ELSE 0 END) OVER (
           PARTITION BY m.ticket_id ORDER BY m.created_at, m.id ROWS UNBOUNDED PRECEDING
         ) AS replies_before,
         MIN(CASE WHEN m.kind = 'reply' THEN m.created_at END) OVER (
           PARTITION BY m.ticket_id ORDER BY m.created_at, m.id
           ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
         ) AS next_reply
  FROM ticket_message m JOIN picked p ON p.id = m.ticket_id
  WHERE m.kind IN ('customer', 'reply')
),
runs AS (
  SELECT ticket_id, MIN(created_at) AS asked, MAX(next_reply) AS answered
  FROM msg WHERE kind = 'customer' GROUP BY ticket_id, replies_before
),
waits AS (
  SELECT ticket_id, SUM({d.minutes("asked", "answered")}) AS wait
  FROM runs WHERE answered IS NOT NULL GROUP BY ticket_id
),
counts AS (
  SELECT m.ticket_id, {customer_msgs} AS customer_msgs, {reopen} AS reopened
  FROM ticket_message m JOIN picked p ON p.id = m.ticket_id
  WHERE m.kind IN ('customer', 'event') GROUP BY m.ticket_id
)
SELECT t.id, t.customer_id, {d.week("t.created_at")} AS wk,
       CASE WHEN t.created_at >= :since THEN 1 ELSE 0 END AS fresh,
       COALESCE(cs.rfm_segment, 'unscored') AS seg,
       COALESCE(CAST(cs.persona_id AS VARCHAR), 'none') AS persona,
       COALESCE(CAST(t.assignee_id AS VARCHAR), 'unassigned') AS agent,
       t.channel AS channel,
       {stage} AS stage,
       a.topic, a.angry, a.repeat_contact,
       CASE WHEN t.resolved_at IS NOT NULL THEN 1 ELSE 0 END AS resolved,
       CASE WHEN t.resolved_at IS NOT NULL THEN COALESCE(c.customer_msgs, 0) ELSE 0 END
         AS contacts,
       CASE WHEN t.resolved_at IS NOT NULL THEN COALESCE(c.reopened, 0) ELSE 0 END AS reopened,
       {d.minutes("t.created_at", "t.first_responded_at")} AS frt,
       {d.minutes("t.created_at", "t.resolved_at")} AS ttr,
       CASE WHEN t.resolved_at IS NOT NULL THEN COALESCE(w.wait, 0) END AS wait
FROM ticket t
JOIN picked p ON p.id = t.id
JOIN again a ON a.id = t.id
LEFT JOIN customer_score cs ON cs.customer_id = t.customer_id
LEFT JOIN counts c ON c.ticket_id = t.id
LEFT JOIN waits w ON w.ticket_id = t.id
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


TICKET_VALUE = value_case(
    segment="f.seg", persona="f.persona", agent="f.agent", channel="f.channel", stage="f.stage"
)
# A survey answer or gesture takes its ticket's dimensions; a relationship survey (no ticket)
# its customer's, with no agent or channel.
ANSWER_VALUE = value_case(
    segment="c.seg",
    persona="c.persona",
    agent="COALESCE(f.agent, 'none')",
    channel="COALESCE(f.channel, 'none')",
    stage="COALESCE(f.stage, c.stage)",
)
GESTURE_VALUE = value_case(
    segment="c.seg",
    persona="c.persona",
    agent="COALESCE(CAST(g.actor_id AS VARCHAR), 'none')",
    channel="f.channel",
    stage="f.stage",
)
COHORT_VALUE = value_case(segment="c.seg", persona="c.persona")

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


def _zeros(*given: str) -> str:
    """The ACTIVITY_COLUMNS select list: the given ``expr AS name`` pairs, 0 for the rest."""
    named = {g.rsplit(" AS ", 1)[1]: g for g in given}
    return ", ".join(named.get(c, f"0 AS {c}") for c in ACTIVITY_COLUMNS)


def activity_insert(d: Dialect) -> str:
    dims = dims_table(TICKET_DIMENSIONS)
    tickets = _zeros(
        "1 AS tickets",
        "f.resolved AS resolved",
        "f.contacts AS contacts",
        "f.reopened AS reopened",
        "f.repeat_contact AS repeat_contacts",
        "f.angry AS angry",
        "CASE WHEN f.frt IS NULL THEN 0 ELSE 1 END AS frt_n",
        "COALESCE(f.frt, 0) AS frt_sum",
        "CASE WHEN f.ttr IS NULL THEN 0 ELSE 1 END AS ttr_n",
        "COALESCE(f.ttr, 0) AS ttr_sum",
        "CASE WHEN f.wait IS NULL THEN 0 ELSE 1 END AS wait_n",
        "COALESCE(f.wait, 0) AS wait_sum",
    )
    invitations = _zeros("1 AS invitations", "CASE WHEN a.id IS NULL THEN 0 ELSE 1 END AS answers")
    gestures = _zeros(
        "1 AS gestures",
        "CASE WHEN g.status = 'granted' AND g.approver_id IS NULL THEN 1 ELSE 0 END "
        "AS gestures_at_once",
    )
    sums = ", ".join(f"SUM({c})" for c in ACTIVITY_COLUMNS)
    return f"""
INSERT INTO scorecard_activity (week, dimension, value, {", ".join(ACTIVITY_COLUMNS)})
SELECT wk, dim, val, {sums} FROM (
  SELECT f.wk, d.dim, {TICKET_VALUE} AS val, {tickets}
  FROM sc_ticket f CROSS JOIN {dims} d WHERE f.fresh = 1
  UNION ALL
  SELECT {d.week("i.sent_at")}, d.dim, {ANSWER_VALUE}, {invitations}
  FROM survey_invitation i
  JOIN sc_customer c ON c.customer_id = i.customer_id
  LEFT JOIN sc_ticket f ON f.id = i.ticket_id
  LEFT JOIN survey_answer a ON a.invitation_id = i.id
  CROSS JOIN {dims} d
  WHERE i.sent_at >= :since AND i.status <> 'skipped'
  UNION ALL
  SELECT {d.week("g.created_at")}, d.dim, {GESTURE_VALUE}, {gestures}
  FROM goodwill_gesture g
  JOIN sc_customer c ON c.customer_id = g.customer_id
  JOIN sc_ticket f ON f.id = g.ticket_id
  CROSS JOIN {dims} d
  WHERE g.created_at >= :since
) x GROUP BY wk, dim, val
"""


def score_insert(d: Dialect) -> str:
    dims = dims_table(TICKET_DIMENSIONS)
    parts = " UNION ALL ".join(
        f"SELECT a.invitation_id, '{q}' AS question, a.{q} AS score FROM survey_answer a "
        f"WHERE a.{q} IS NOT NULL"
        for q in ("csat", "ces", "nps")
    )
    return f"""
INSERT INTO scorecard_score (week, dimension, value, question, score, n)
SELECT {d.week("i.sent_at")} AS wk, d.dim, {ANSWER_VALUE} AS val, s.question, s.score, COUNT(*)
FROM ({parts}) s
JOIN survey_invitation i ON i.id = s.invitation_id
JOIN sc_customer c ON c.customer_id = i.customer_id
LEFT JOIN sc_ticket f ON f.id = i.ticket_id
CROSS JOIN {dims} d
WHERE i.sent_at >= :since
GROUP BY 1, 2, 3, 4, 5
"""


def histogram_insert(d: Dialect) -> str:
    dims = dims_table(TICKET_DIMENSIONS)
    keep = "wk, seg, persona, agent, channel, stage"
    return f"""
INSERT INTO scorecard_histogram (week, dimension, value, metric, bucket, n)
SELECT f.wk, d.dim, {TICKET_VALUE} AS val, f.metric, f.bucket, COUNT(*)
FROM (
  SELECT {keep}, 'frt' AS metric, {d.bucket("frt")} AS bucket FROM sc_ticket
  WHERE fresh = 1 AND frt IS NOT NULL
  UNION ALL
  SELECT {keep}, 'ttr', {d.bucket("ttr")} FROM sc_ticket WHERE fresh = 1 AND ttr IS NOT NULL
) f
CROSS JOIN {dims} d
GROUP BY 1, 2, 3, 4, 5
"""


def complaint_insert(d: Dialect) -> str:
    dims = dims_table(TICKET_DIMENSIONS)
    join, reason = d.reasons("a")
    return f"""
INSERT INTO scorecard_complaint (week, dimension, value, kind, key, n, angry)
SELECT wk, dim, val, kind, key, SUM(n), SUM(angry) FROM (
  SELECT f.wk, d.dim, {TICKET_VALUE} AS val, 'topic' AS kind, f.topic AS key, 1 AS n,
         f.angry AS angry
  FROM sc_ticket f CROSS JOIN {dims} d WHERE f.fresh = 1
  UNION ALL
  SELECT {d.week("i.sent_at")}, d.dim, {ANSWER_VALUE}, 'reason', CAST({reason} AS VARCHAR(80)),
         1, COALESCE(f.angry, 0)
  FROM survey_answer a {join}
  JOIN survey_invitation i ON i.id = a.invitation_id
  JOIN sc_customer c ON c.customer_id = i.customer_id
  LEFT JOIN sc_ticket f ON f.id = i.ticket_id
  CROSS JOIN {dims} d
  WHERE i.sent_at >= :since AND a.csat IS NOT NULL AND a.csat <= {LOW_CSAT_AT_MOST}
) x GROUP BY wk, dim, val, kind, key
"""


def cohort_insert() -> str:
    dims = dims_table(COHORT_DIMENSIONS)
    return f"""
INSERT INTO scorecard_cohort (week, dimension, value, leads, paid, repeat, lapsed, churned,
                              valued, p_alive_sum, clv_sum)
SELECT c.wk, d.dim, {COHORT_VALUE} AS val, COUNT(*), SUM(c.paid), SUM(c.repeat),
       SUM(c.lapsed), SUM(c.churned), SUM(c.valued), SUM(c.p_alive), SUM(c.clv)
FROM sc_customer c CROSS JOIN {dims} d
GROUP BY 1, 2, 3
"""
