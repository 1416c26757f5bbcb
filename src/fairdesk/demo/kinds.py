"""The kinds of customer planted in the demo, each with distributions for every criterion.

Segmentation (four criteria and behaviour) is only worth demonstrating if there is something
real to find, so each kind differs from the others in demography, psychography, lifestyle,
usage & attitude *and* buying behaviour — while overlapping enough (shared vocabularies,
background noise in tags, wide age ranges) that recovering the kinds is not trivial.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from fairdesk.demo.seasons import (
    DEALS,
    GIFTS,
    LATE_HOURS,
    LEISURE_HOURS,
    OFFICE,
    OFFICE_HOURS,
    STEADY,
    TERM,
    HourWeights,
    Season,
)

Weights = Mapping[str, float]


class Kind(StrEnum):
    SUBSCRIPTION_ENTHUSIAST = "subscription_enthusiast"
    OFFICE_MANAGER = "office_manager"
    GIFT_BUYER = "gift_buyer"
    BARGAIN_HUNTER = "bargain_hunter"
    LAPSED_TRIAL = "lapsed_trial"
    HOME_BARISTA = "home_barista"
    STUDENT = "student"


@dataclass(frozen=True)
class Profile:
    """Who a kind's customers are: weights over the vocabularies in ``vocab.py``.

    Tag fields (values … lifestyle) are relative weights for drawing one to three tags;
    ``product_lines`` are independent probabilities of using each line.
    """

    age_mean: float
    age_sd: float
    age_range: tuple[int, int]
    gender: Weights
    country: Weights
    city_share: float  # chance of living in a city rather than a town
    education: Weights
    income: Weights
    household: tuple[float, ...]  # weights for sizes 1 to 6
    values: Weights
    interests: Weights
    personality: Weights
    lifestyle: Weights
    usage: Weights
    product_lines: Weights
    attitude: Weights
    channel: Weights
    marketing_consent: float


@dataclass(frozen=True)
class Behaviour:
    """How a kind's customers buy: an MBG/NBD-style repeat-purchase process.

    While alive a customer buys at a Poisson rate (mean gap ``gap_days``, spread across
    customers by a Gamma with shape ``gap_shape``) modulated by ``season``; after every
    purchase, the first included, they leave with a probability drawn from a Beta with mean
    ``dropout`` and concentration ``dropout_concentration``. Order values follow the
    Gamma-Gamma model: a per-customer mean (Gamma, shape ``spend_spread``) around ``spend``,
    and per-order values (Gamma, shape ``spend_shape``) around that mean.
    """

    gap_days: float
    gap_shape: float
    dropout: float
    dropout_concentration: float
    lead_share: float  # sign up (newsletter, account) before the first purchase
    lead_days: float  # mean wait from sign-up to first purchase for those
    never_buy: float  # sign-ups who never purchase and stay leads
    spend: float  # mean order value, GBP
    spend_shape: float
    spend_spread: float
    unit_price: float  # mean price per item, for item counts
    big_ticket: float  # share of orders that include equipment, worth five times as much
    order_channel: Weights
    season: Season
    acquisition: Season
    hours: HourWeights


@dataclass(frozen=True)
class KindSpec:
    kind: Kind
    share: float
    description: str
    profile: Profile
    behaviour: Behaviour


_MOSTLY_GB = {"GB": 0.8, "IE": 0.06, "DE": 0.05, "FR": 0.04, "NL": 0.05}
_EITHER = {"female": 0.49, "male": 0.48, "nonbinary": 0.015, "undisclosed": 0.015}

KIND_SPECS: tuple[KindSpec, ...] = (
    KindSpec(
        Kind.SUBSCRIPTION_ENTHUSIAST, 0.18,
        "Urban professional in their thirties on a bean subscription; values craft and "
        "freshness, orders every two to four weeks, spends well and stays.",
        Profile(
            age_mean=37, age_sd=4.5, age_range=(28, 52), gender=_EITHER, country=_MOSTLY_GB,
            city_share=0.85,
            education={"vocational": 0.1, "undergraduate": 0.5, "postgraduate": 0.35,
                       "secondary": 0.05},
            income={"20k_40k": 0.15, "40k_70k": 0.45, "70k_100k": 0.3, "over_100k": 0.1},
            household=(0.3, 0.45, 0.15, 0.1, 0, 0),
            values={"quality": 5, "craft": 4, "freshness": 3, "sustainability": 2,
                    "ethical sourcing": 2},
            interests={"specialty coffee": 5, "single origins": 4, "brewing gear": 1.5,
                       "cooking": 2, "travel": 1.5},
            personality={"curious": 3, "loyal": 3, "detail-oriented": 2, "trend-seeking": 1},
            lifestyle={"urban professional": 4, "remote worker": 3, "early riser": 2,
                       "commuter": 1},
            usage={"daily": 0.7, "several_a_week": 0.25, "weekly": 0.05},
            product_lines={"subscription": 0.9, "beans": 0.85, "ground": 0.15,
                           "equipment": 0.2, "gifts": 0.15},
            attitude={"enthusiast": 0.6, "loyal": 0.35, "experimental": 0.05},
            channel={"email": 0.6, "chat": 0.25, "web": 0.1, "sms": 0.05},
            marketing_consent=0.7,
        ),
        Behaviour(
            gap_days=21, gap_shape=6, dropout=0.03, dropout_concentration=40,
            lead_share=0.35, lead_days=10, never_buy=0.03,
            spend=32, spend_shape=8, spend_spread=6, unit_price=11, big_ticket=0.01,
            order_channel={"web": 0.55, "app": 0.4, "phone": 0.05},
            season=STEADY, acquisition=STEADY, hours=LEISURE_HOURS,
        ),
    ),
    KindSpec(
        Kind.OFFICE_MANAGER, 0.08,
        "Buys for an office every month in bulk; values reliability and proper invoices, "
        "prefers e-mail or the phone.",
        Profile(
            age_mean=42, age_sd=8, age_range=(24, 64),
            gender={"female": 0.6, "male": 0.37, "undisclosed": 0.03},
            country={"GB": 0.9, "IE": 0.06, "NL": 0.04}, city_share=0.8,
            education={"secondary": 0.15, "vocational": 0.3, "undergraduate": 0.45,
                       "postgraduate": 0.1},
            income={"under_20k": 0.05, "20k_40k": 0.35, "40k_70k": 0.45, "70k_100k": 0.15},
            household=(0.2, 0.35, 0.25, 0.2, 0, 0),
            values={"reliability": 5, "invoicing": 4, "consistency": 3, "convenience": 3,
                    "value for money": 2, "speed": 2},
            interests={"office wellbeing": 4, "team events": 4, "reading": 1, "gardening": 1,
                       "cycling": 1},
            personality={"organised": 5, "practical": 4, "cautious": 2, "sociable": 2},
            lifestyle={"busy office": 5, "commuter": 3, "parent": 2},
            usage={"daily": 0.85, "several_a_week": 0.15},
            product_lines={"beans": 0.6, "ground": 0.5, "capsules": 0.55, "equipment": 0.15,
                           "subscription": 0.3, "gifts": 0.1},
            attitude={"pragmatic": 0.6, "loyal": 0.3, "sceptical": 0.1},
            channel={"email": 0.6, "phone": 0.35, "chat": 0.05},
            marketing_consent=0.35,
        ),
        Behaviour(
            gap_days=30, gap_shape=12, dropout=0.025, dropout_concentration=40,
            lead_share=0.6, lead_days=21, never_buy=0.06,
            spend=185, spend_shape=10, spend_spread=4, unit_price=14, big_ticket=0.02,
            order_channel={"web": 0.6, "app": 0.05, "phone": 0.35},
            season=OFFICE, acquisition=STEADY, hours=OFFICE_HOURS,
        ),
    ),
    KindSpec(
        Kind.GIFT_BUYER, 0.18,
        "Buys presents around Christmas, Mothering Sunday and Father's Day, once or twice a "
        "year; values thoughtfulness and presentation.",
        Profile(
            age_mean=52, age_sd=10, age_range=(26, 82),
            gender={"female": 0.62, "male": 0.35, "undisclosed": 0.03},
            country={"GB": 0.82, "IE": 0.08, "DE": 0.04, "FR": 0.03, "NL": 0.03},
            city_share=0.35,
            education={"secondary": 0.3, "vocational": 0.25, "undergraduate": 0.35,
                       "postgraduate": 0.1},
            income={"under_20k": 0.05, "20k_40k": 0.3, "40k_70k": 0.35, "70k_100k": 0.2,
                    "over_100k": 0.1},
            household=(0.15, 0.45, 0.2, 0.15, 0.05, 0),
            values={"thoughtfulness": 5, "presentation": 4, "reliability": 2, "quality": 2},
            interests={"gardening": 3, "cooking": 3, "reading": 3, "travel": 2, "crafts": 2},
            personality={"generous": 5, "sociable": 3, "cautious": 2, "organised": 1},
            lifestyle={"festive celebrator": 4, "parent": 3, "homebody": 2, "weekend host": 2},
            usage={"occasional": 0.5, "seasonal": 0.45, "monthly": 0.05},
            product_lines={"gifts": 0.95, "beans": 0.3, "ground": 0.35, "equipment": 0.15,
                           "capsules": 0.05},
            attitude={"gift_giver": 0.75, "indifferent": 0.15, "pragmatic": 0.1},
            channel={"email": 0.7, "phone": 0.15, "web": 0.15},
            marketing_consent=0.55,
        ),
        Behaviour(
            gap_days=200, gap_shape=3, dropout=0.25, dropout_concentration=12,
            lead_share=0.1, lead_days=20, never_buy=0.05,
            spend=48, spend_shape=5, spend_spread=5, unit_price=16, big_ticket=0.03,
            order_channel={"web": 0.8, "app": 0.1, "phone": 0.1},
            season=GIFTS, acquisition=GIFTS, hours=LEISURE_HOURS,
        ),
    ),
    KindSpec(
        Kind.BARGAIN_HUNTER, 0.18,
        "Comes for discounts, Black Friday and the January sales; buys irregularly, spends "
        "little and compares prices.",
        Profile(
            age_mean=34, age_sd=11, age_range=(18, 75),
            gender={"female": 0.5, "male": 0.47, "nonbinary": 0.02, "undisclosed": 0.01},
            country={"GB": 0.78, "IE": 0.06, "DE": 0.06, "FR": 0.05, "NL": 0.05},
            city_share=0.55,
            education={"secondary": 0.35, "vocational": 0.3, "undergraduate": 0.3,
                       "postgraduate": 0.05},
            income={"under_20k": 0.3, "20k_40k": 0.45, "40k_70k": 0.2, "70k_100k": 0.05},
            household=(0.25, 0.3, 0.2, 0.15, 0.07, 0.03),
            values={"value for money": 5, "discounts": 5, "convenience": 2},
            interests={"deal forums": 5, "coupons": 4, "gaming": 2, "music festivals": 1,
                       "home improvement": 1},
            personality={"frugal": 5, "spontaneous": 3, "cautious": 2},
            lifestyle={"budget living": 4, "commuter": 2, "night owl": 2, "parent": 2},
            usage={"daily": 0.2, "several_a_week": 0.35, "weekly": 0.35, "occasional": 0.1},
            product_lines={"ground": 0.6, "capsules": 0.5, "beans": 0.3},
            attitude={"price_sensitive": 0.8, "sceptical": 0.1, "indifferent": 0.1},
            channel={"email": 0.5, "sms": 0.2, "web": 0.2, "chat": 0.1},
            marketing_consent=0.85,
        ),
        Behaviour(
            gap_days=55, gap_shape=1.2, dropout=0.15, dropout_concentration=6,
            lead_share=0.5, lead_days=20, never_buy=0.12,
            spend=15, spend_shape=3, spend_spread=3, unit_price=7, big_ticket=0,
            order_channel={"web": 0.5, "app": 0.45, "phone": 0.05},
            season=DEALS, acquisition=DEALS, hours=LEISURE_HOURS,
        ),
    ),
    KindSpec(
        Kind.LAPSED_TRIAL, 0.14,
        "Tried the roastery once or twice, out of curiosity or a promotion, then drifted "
        "away; no strong views either way.",
        Profile(
            age_mean=38, age_sd=13, age_range=(18, 80), gender=_EITHER, country=_MOSTLY_GB,
            city_share=0.6,
            education={"secondary": 0.25, "vocational": 0.25, "undergraduate": 0.35,
                       "postgraduate": 0.15},
            income={"under_20k": 0.15, "20k_40k": 0.3, "40k_70k": 0.3, "70k_100k": 0.15,
                    "over_100k": 0.1},
            household=(0.25, 0.3, 0.2, 0.15, 0.07, 0.03),
            values={"convenience": 3, "quality": 2, "value for money": 2, "freshness": 1},
            interests={"cooking": 2, "travel": 2, "reading": 2, "specialty coffee": 1,
                       "hiking": 1},
            personality={"spontaneous": 3, "trend-seeking": 3, "curious": 2},
            lifestyle={"commuter": 2, "homebody": 2, "frequent traveller": 2,
                       "urban professional": 2},
            usage={"daily": 0.2, "weekly": 0.3, "occasional": 0.5},
            product_lines={"ground": 0.5, "beans": 0.4, "capsules": 0.3, "subscription": 0.15},
            attitude={"indifferent": 0.45, "experimental": 0.3, "sceptical": 0.25},
            channel={"email": 0.8, "web": 0.15, "chat": 0.05},
            marketing_consent=0.4,
        ),
        Behaviour(
            gap_days=40, gap_shape=2, dropout=0.65, dropout_concentration=5,
            lead_share=0.4, lead_days=7, never_buy=0.15,
            spend=22, spend_shape=4, spend_spread=4, unit_price=10, big_ticket=0,
            order_channel={"web": 0.75, "app": 0.2, "phone": 0.05},
            season=STEADY, acquisition=STEADY, hours=LEISURE_HOURS,
        ),
    ),
    KindSpec(
        Kind.HOME_BARISTA, 0.12,
        "Hobbyist with an espresso machine at home; experiments with beans and gear, buys "
        "every month or so and now and then a grinder or a machine.",
        Profile(
            age_mean=36, age_sd=9, age_range=(20, 66),
            gender={"male": 0.68, "female": 0.28, "nonbinary": 0.02, "undisclosed": 0.02},
            country={"GB": 0.75, "IE": 0.05, "DE": 0.08, "FR": 0.05, "NL": 0.07},
            city_share=0.6,
            education={"secondary": 0.1, "vocational": 0.2, "undergraduate": 0.45,
                       "postgraduate": 0.25},
            income={"20k_40k": 0.15, "40k_70k": 0.4, "70k_100k": 0.3, "over_100k": 0.15},
            household=(0.3, 0.4, 0.15, 0.15, 0, 0),
            values={"experimentation": 5, "craft": 4, "quality": 3, "freshness": 2},
            interests={"espresso": 5, "latte art": 4, "brewing gear": 5, "photography": 2,
                       "home improvement": 2},
            personality={"perfectionist": 4, "curious": 4, "detail-oriented": 3},
            lifestyle={"homebody": 3, "remote worker": 3, "early riser": 2, "weekend host": 2},
            usage={"daily": 0.8, "several_a_week": 0.2},
            product_lines={"beans": 0.95, "equipment": 0.8, "subscription": 0.2,
                           "gifts": 0.05},
            attitude={"enthusiast": 0.55, "experimental": 0.4, "loyal": 0.05},
            channel={"email": 0.5, "chat": 0.35, "web": 0.15},
            marketing_consent=0.6,
        ),
        Behaviour(
            gap_days=35, gap_shape=4, dropout=0.05, dropout_concentration=20,
            lead_share=0.45, lead_days=14, never_buy=0.04,
            spend=58, spend_shape=2, spend_spread=5, unit_price=13, big_ticket=0.08,
            order_channel={"web": 0.8, "app": 0.15, "phone": 0.05},
            season=STEADY, acquisition=STEADY, hours=LEISURE_HOURS,
        ),
    ),
    KindSpec(
        Kind.STUDENT, 0.12,
        "University student in a shared house; capsules and ground coffee on a tight "
        "budget, orders from the app in term time, late at night.",
        Profile(
            age_mean=21, age_sd=2, age_range=(18, 28),
            gender={"female": 0.52, "male": 0.44, "nonbinary": 0.04},
            country={"GB": 0.85, "IE": 0.06, "DE": 0.03, "FR": 0.03, "NL": 0.03},
            city_share=0.9,
            education={"secondary": 0.55, "undergraduate": 0.4, "postgraduate": 0.05},
            income={"under_20k": 0.9, "20k_40k": 0.1},
            household=(0.1, 0.1, 0.2, 0.35, 0.2, 0.05),
            values={"value for money": 4, "convenience": 4, "sustainability": 2,
                    "community": 2},
            interests={"music festivals": 4, "gaming": 3, "travel": 2, "cycling": 2,
                       "reading": 2},
            personality={"sociable": 4, "spontaneous": 3, "trend-seeking": 2},
            lifestyle={"student life": 5, "night owl": 4, "budget living": 2},
            usage={"daily": 0.5, "several_a_week": 0.3, "weekly": 0.2},
            product_lines={"capsules": 0.5, "ground": 0.6, "beans": 0.2},
            attitude={"price_sensitive": 0.45, "experimental": 0.3, "indifferent": 0.25},
            channel={"chat": 0.35, "sms": 0.25, "email": 0.3, "web": 0.1},
            marketing_consent=0.5,
        ),
        Behaviour(
            gap_days=28, gap_shape=2, dropout=0.12, dropout_concentration=10,
            lead_share=0.3, lead_days=5, never_buy=0.08,
            spend=13, spend_shape=4, spend_spread=4, unit_price=6, big_ticket=0,
            order_channel={"web": 0.3, "app": 0.7},
            season=TERM, acquisition=TERM, hours=LATE_HOURS,
        ),
    ),
)
