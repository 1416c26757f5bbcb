"""The funnel's stages and how the stored journey events map onto them.

``customers.JourneyEvent`` records milestones (lead, first_purchase, repeat, lapsed,
reactivated, churned). The funnel reads them as three steps a customer climbs — a *lead*
(anyone the business knows of), *paid* (a first purchase), *repeat* (a second order, whether
straight on or after a lapse) — and two ways of leaving after paying: *lapsed* and *churned*,
judged from the customer's latest event.
"""

from __future__ import annotations

from enum import StrEnum

from fairdesk.customers.models import JourneyStage


class FunnelStep(StrEnum):
    LEAD = "lead"
    PAID = "paid"
    REPEAT = "repeat"


FUNNEL = (FunnelStep.LEAD, FunnelStep.PAID, FunnelStep.REPEAT)

# Stored stages that prove a step was reached.
REACHES_PAID = (JourneyStage.FIRST_PURCHASE,)
REACHES_REPEAT = (JourneyStage.REPEAT, JourneyStage.REACTIVATED)
# Latest stages that mean the customer has gone quiet.
LEFT = (JourneyStage.LAPSED, JourneyStage.CHURNED)

# The journey-stage dimension of the scorecard: the customer's latest stage at the time.
STAGES = tuple(JourneyStage)
NO_STAGE = "lead"  # a customer without any event yet is a lead
