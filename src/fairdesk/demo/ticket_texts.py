"""What the demo's customers write and what its agents answer: topics, tones and replies.

Every complaint here is a real grievance — late parcels, split bags, double charges — told in
the voice of the person who has it. Most are polite or puzzled; some are angry, a few
furious and entirely right (charged twice); a few aim insults at the agent. The last kind is
kept like every other message (product rule 1) and is what staff protection later masks.

Placeholders: ``{first}`` the customer's first name, ``{order}`` the order number,
``{agent}`` the agent's first name, ``{weeks}`` a small number.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fairdesk.tickets.models import Priority


class Tone(StrEnum):
    POLITE = "polite"
    CONFUSED = "confused"
    ANGRY = "angry"
    FURIOUS = "furious"  # very angry, and right
    ABUSIVE = "abusive"  # insults aimed at the person answering


TONE_WEIGHTS = {
    Tone.POLITE: 0.47,
    Tone.CONFUSED: 0.2,
    Tone.ANGRY: 0.2,
    Tone.FURIOUS: 0.08,
    Tone.ABUSIVE: 0.05,
}


@dataclass(frozen=True)
class Topic:
    key: str
    category: str
    weight: float
    priority: Priority
    subjects: tuple[str, ...]
    openings: dict[Tone, tuple[str, ...]]
    replies: tuple[str, ...]  # the agent's first answer
    solutions: tuple[str, ...]  # the answer that resolves it
    reopenings: tuple[str, ...]


TOPICS: tuple[Topic, ...] = (
    Topic(
        "delivery_late",
        "delivery",
        0.26,
        Priority.NORMAL,
        ("Order {order} hasn't arrived", "Where is my coffee?", "Still waiting for {order}"),
        {
            Tone.POLITE: (
                "Hi, my order {order} was due on Tuesday and hasn't turned up yet. Could you "
                "check where it is? Thanks, {first}",
                "Hello, the tracking for {order} hasn't moved for four days. Is it lost?",
            ),
            Tone.CONFUSED: (
                "The tracking link says delivered but there's nothing here or with the "
                "neighbours. Did it go somewhere else? Order {order}.",
            ),
            Tone.ANGRY: (
                "This is the second time an order has been late. {order} was promised for "
                "Monday and I've now run out of coffee. Not good enough.",
                "Nine days for a bag of beans. Where is {order}?",
            ),
            Tone.FURIOUS: (
                "I paid for NEXT DAY delivery on {order}. It is now day six. I have emailed "
                "twice with no answer. I want the delivery charge back and the coffee, today.",
            ),
            Tone.ABUSIVE: (
                "Whoever runs your dispatch is a clown. {order} is a week late. Sort it out "
                "instead of sending me your idiotic tracking emails.",
            ),
        },
        (
            "Hi {first}, I'm sorry {order} is late. The courier has it stuck at their depot; "
            "I've asked them to push it out today and will check again tomorrow morning.",
            "Hello {first}, thank you for telling us. The parcel for {order} looks lost, so "
            "I've sent a replacement by tracked next-day post at no cost.",
        ),
        (
            "Hi {first}, the replacement for {order} shows as delivered this morning. I've "
            "refunded the delivery charge as well. Enjoy the coffee. {agent}",
            "Good news {first}: {order} arrived at the depot and is out for delivery. I've "
            "added a credit of £5 to your account for the wait. {agent}",
        ),
        ("It's happened again with my next order.", "The replacement hasn't arrived either."),
    ),
    Topic(
        "damaged_bag",
        "quality",
        0.14,
        Priority.NORMAL,
        ("Bag arrived split open", "Damaged parcel", "Coffee all over the box"),
        {
            Tone.POLITE: (
                "Hi there, one of the bags in {order} arrived split down the side and the beans "
                "were loose in the box. Photo attached in spirit! Could you help?",
            ),
            Tone.CONFUSED: (
                "Is the valve on the bag supposed to be open? The bag from {order} is puffed "
                "and half empty.",
            ),
            Tone.ANGRY: (
                "Coffee grounds everywhere, the box soaked through. {order} is unusable and I "
                "had to clean my doorstep.",
            ),
            Tone.FURIOUS: (
                "Three bags in {order}, all three burst. That's £38 of coffee in the bin. This "
                "is the second damaged parcel this month and nobody replied to the first.",
            ),
            Tone.ABUSIVE: (
                "Are your packers blind or just stupid? Bag split again. {order}. Try doing "
                "your job.",
            ),
        },
        (
            "Hi {first}, I'm so sorry about the state of {order}. No need to send anything "
            "back: a fresh bag is on its way today.",
        ),
        (
            "Hi {first}, your replacement bags shipped in our new double-sealed box. Thank you "
            "for telling us; we've raised it with the packing team. {agent}",
        ),
        ("The replacement bag was split as well, I'm afraid.",),
    ),
    Topic(
        "wrong_grind",
        "fulfilment",
        0.12,
        Priority.NORMAL,
        ("Wrong grind", "I ordered whole beans", "Received espresso grind instead of filter"),
        {
            Tone.POLITE: (
                "Hello, I ordered whole beans but {order} came pre-ground for espresso. Could "
                "you swap it? Many thanks, {first}",
            ),
            Tone.CONFUSED: (
                "My order {order} says cafetière grind on the label but it looks very fine. Is "
                "that right or did I choose the wrong option?",
            ),
            Tone.ANGRY: (
                "I specifically chose whole bean. {order} is ground. Useless for my grinder.",
            ),
            Tone.FURIOUS: (
                "Wrong grind on {order} AGAIN. I have a note on my account saying whole bean. "
                "That's three times. I want it fixed properly, not another apology.",
            ),
            Tone.ABUSIVE: ("Can't you people read? WHOLE BEAN. {order}. Pathetic.",),
        },
        (
            "Hi {first}, that's our mistake. A bag of whole beans is on its way; keep the "
            "ground one for a friend with a cafetière.",
        ),
        (
            "Hi {first}, the whole-bean bag has been delivered and I've pinned 'whole bean' to "
            "every future order on your account. {agent}",
        ),
        ("This month's delivery was ground again.",),
    ),
    Topic(
        "subscription_billing",
        "billing",
        0.14,
        Priority.HIGH,
        ("Charged twice for my subscription", "Double payment", "Subscription billing error"),
        {
            Tone.POLITE: (
                "Hi, my bank shows two payments for this month's subscription. Could you "
                "refund one? Thanks, {first}",
            ),
            Tone.CONFUSED: (
                "I paused my subscription last month but I've still been charged. Did the pause "
                "not work?",
            ),
            Tone.ANGRY: (
                "You've taken my subscription payment twice. I didn't agree to that. Refund it.",
            ),
            Tone.FURIOUS: (
                "You have charged my card TWICE this month and twice last month. That is £56 "
                "taken without permission. I have the bank statements. I want every penny back "
                "today or I'm reporting this to my bank as fraud.",
                "CHARGED TWICE. AGAIN. I cancelled in September and you are still taking money. "
                "Refund all of it now.",
            ),
            Tone.ABUSIVE: (
                "You thieving idiots have charged me twice. Is anyone competent working there?",
            ),
        },
        (
            "Hi {first}, you're right, and I'm sorry: the payment was taken twice. I've "
            "refunded the duplicate in full; banks take 3-5 working days to show it.",
            "Hello {first}, I can see the pause didn't apply. I've refunded this month's "
            "charge and confirmed the pause on your account.",
        ),
        (
            "Hi {first}, the refund has gone through and I've added a free bag to your next "
            "box for the trouble. I've also checked every past payment: all correct now. "
            "{agent}",
        ),
        ("I've been charged twice again this month.",),
    ),
    Topic(
        "refund",
        "billing",
        0.1,
        Priority.NORMAL,
        ("Refund for {order} not received", "Where is my refund?", "Refund request"),
        {
            Tone.POLITE: (
                "Hello, I returned {order} two weeks ago and haven't seen the refund yet. Could "
                "you check? {first}",
            ),
            Tone.CONFUSED: (
                "I was told I'd get a refund for {order} but I only got half back. Is the rest "
                "coming separately?",
            ),
            Tone.ANGRY: ("Three weeks and still no refund for {order}. How long does it take?",),
            Tone.FURIOUS: (
                "You confirmed my refund for {order} in writing on the 3rd. It is now the 28th "
                "and nothing. I have been patient. Pay it today.",
            ),
            Tone.ABUSIVE: ("Give me my money back for {order}, you useless lot.",),
        },
        (
            "Hi {first}, I've checked {order}: the refund was stuck in an approval queue. I've "
            "released it now; it should reach your card within 3 working days.",
        ),
        (
            "Hi {first}, the refund for {order} has been paid in full. Sorry it took so long. "
            "{agent}",
        ),
        ("The refund still hasn't shown up.",),
    ),
    Topic(
        "grinder_defect",
        "equipment",
        0.08,
        Priority.HIGH,
        ("Grinder stopped working", "Burr grinder broken after {weeks} weeks", "Grinder fault"),
        {
            Tone.POLITE: (
                "Hi, the burr grinder I bought ({order}) stopped turning after {weeks} weeks. "
                "The motor hums but nothing happens. What should I do?",
            ),
            Tone.CONFUSED: (
                "My grinder makes a clicking noise and the grind is uneven. Is it meant to do "
                "that? Bought in {order}.",
            ),
            Tone.ANGRY: ("£120 grinder, dead in {weeks} weeks. I expected better. {order}.",),
            Tone.FURIOUS: (
                "The grinder from {order} sparked and died. That is a safety issue. I want a "
                "full refund, not a repair, and someone to tell me this model is safe.",
            ),
            Tone.ABUSIVE: (
                "Your grinder is junk and so is your customer service. Don't bother with a "
                "script, {agent}, just refund me.",
            ),
        },
        (
            "Hi {first}, that shouldn't happen and it's covered. A new grinder is on its way "
            "today; a prepaid label for the old one is attached, no rush.",
        ),
        (
            "Hi {first}, the new grinder has been delivered. I've extended its warranty to two "
            "years. {agent}",
        ),
        ("The replacement grinder is making the same noise.",),
    ),
    Topic(
        "product_question",
        "product",
        0.16,
        Priority.LOW,
        (
            "Which beans for a moka pot?",
            "Question about decaf",
            "Gift subscription question",
            "How fresh are the beans?",
        ),
        {
            Tone.POLITE: (
                "Hello! Which of your coffees would you recommend for a moka pot? I like "
                "chocolatey flavours. Thanks, {first}",
                "Hi, can I send a three-month subscription as a gift and choose the start date?",
            ),
            Tone.CONFUSED: (
                "What's the difference between the Swiss water decaf and the regular decaf? "
                "Sorry if this is a silly question.",
                "How long after roasting do you ship? The date on my bag confused me.",
            ),
            Tone.ANGRY: ("Your website doesn't say whether the decaf is chemical-free. Why not?",),
            Tone.FURIOUS: (
                "I asked this last week and got no answer: is the 'Brazil Santos' roasted on "
                "shared equipment with nuts? My son has an allergy. I need to know.",
            ),
            Tone.ABUSIVE: (
                "Simple question and your chat bot is useless. Do you sell decaf or not?",
            ),
        },
        (
            "Hi {first}, great question. For a moka pot try our Brazil Santos or the House "
            "Espresso; both are chocolatey and forgiving. We roast Monday to Thursday and ship "
            "the day after.",
        ),
        ("Hi {first}, happy to help any time. {agent}",),
        ("One more question about the same thing, sorry!",),
    ),
)

THANKS = (
    "Thank you, that's great.",
    "Brilliant, thanks for sorting it so quickly.",
    "Thanks {agent}, much appreciated.",
    "Perfect, thank you!",
)
STILL_UNHAPPY = (
    "Fine, but this shouldn't have happened in the first place.",
    "OK. I'll believe it when I see it.",
)
INSULTS = (
    "{agent}, you are genuinely the most useless person I have ever dealt with.",
    "Are you thick, {agent}? I already told you that. Read the message.",
    "Stop copying and pasting, {agent}. A trained monkey could do your job better.",
)
