"""Where each signal starts, from the settings and the goodwill policy in force."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from fairdesk.config import Settings
from fairdesk.goodwill.policy import Policy


@dataclass(frozen=True)
class Thresholds:
    """Every threshold the signals and the opening rule use (see ``Settings.fairness_*``).

    ``limits`` are the policy amounts a claim can be kept "just under": the no-receipt
    threshold and what an agent may grant alone (per gesture and per remedy).
    """

    min_peers: int = 30
    claim_z: float = 3.5
    min_claims: int = 3
    near_limit_band: float = 0.15
    near_limit_min: int = 3
    near_limit_share: float = 0.6
    not_received_categories: tuple[str, ...] = ("delivery",)
    not_received_min: int = 3
    after_delivery_min: int = 2
    wardrobe_days: int = 14
    wardrobe_refund_share: float = 0.5
    wardrobe_min: int = 2
    order_share: float = 0.2
    abuse_min: int = 2
    low_rating: int = 2
    low_rating_min: int = 2
    strong: float = 0.75
    open_score: float = 1.25
    limits: tuple[Decimal, ...] = field(default=(Decimal("30"), Decimal("40"), Decimal("50")))
    currency: str = "GBP"

    @classmethod
    def from_settings(cls, settings: Settings, policy: Policy | None = None) -> Thresholds:
        limits = cls().limits
        currency = settings.currency
        if policy is not None:
            agent = policy.roles["agent"]
            found = {policy.no_receipt_under, agent.per_gesture, *agent.per_remedy.values()}
            limits = tuple(sorted(x for x in found if x > 0))
            currency = policy.currency
        return cls(
            min_peers=settings.fairness_min_peers,
            claim_z=settings.fairness_claim_z,
            min_claims=settings.fairness_min_claims,
            near_limit_band=settings.fairness_near_limit_band,
            near_limit_min=settings.fairness_near_limit_min,
            near_limit_share=settings.fairness_near_limit_share,
            not_received_categories=tuple(settings.fairness_not_received_categories),
            not_received_min=settings.fairness_not_received_min,
            after_delivery_min=settings.fairness_after_delivery_min,
            wardrobe_days=settings.fairness_wardrobe_days,
            wardrobe_refund_share=settings.fairness_wardrobe_refund_share,
            wardrobe_min=settings.fairness_wardrobe_min,
            order_share=settings.fairness_order_share,
            abuse_min=settings.fairness_abuse_min,
            low_rating=settings.fairness_low_rating,
            low_rating_min=settings.fairness_low_rating_min,
            strong=settings.fairness_strong,
            open_score=settings.fairness_open_score,
            limits=limits,
            currency=currency,
        )

    def bands(self) -> list[tuple[Decimal, Decimal]]:
        """``(low, high)`` amounts that count as just under each limit, inclusive."""
        keep = Decimal(1) - Decimal(str(self.near_limit_band))
        return [((limit * keep).quantize(Decimal("0.01")), limit) for limit in self.limits]
