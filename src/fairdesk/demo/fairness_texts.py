"""What the demo's planted exploiters, abusers and angry-but-legitimate customers write.

Abusive lines are ones the shipped triage recognises (insults and threats aimed at the person
answering); angry lines are loud about a real problem and aimed at nobody.
"""

from __future__ import annotations

NEAR_LIMIT = (
    "The beans in {order} tasted stale, I'd like £{amount} back as credit please.",
    "{order} arrived with a torn bag. I think £{amount} credit would be fair.",
    "Not happy with the roast on {order}. Could you put £{amount} on my account?",
    "The grind on {order} was wrong again, £{amount} credit should cover it.",
)
NOT_RECEIVED = (
    "Tracking says {order} was delivered but nothing came. Please send another.",
    "My order {order} never arrived, whatever the courier says. I need a replacement.",
    "Nothing on the doorstep, nothing with the neighbours: {order} didn't arrive.",
)
WARDROBING = (
    "I've decided the grinder from {order} isn't for me after all. I'd like a full refund.",
    "Returning {order}: used it a few times, it's not what I expected. Refund please.",
    "{order} doesn't suit me any more, please refund the whole order.",
)
ABUSIVE = (
    "Listen you incompetent moron, refund me now.",
    "Are you thick, {agent}? I already told you that. Read the message.",
    "You are a useless idiot, {agent}. Do your job.",
    "What a pathetic bunch of morons you all are.",
)
THREAT = (
    "I will find you and hurt you, you useless idiot.",
    "You people are pathetic. I'm coming down there and someone is going to get hurt.",
)
ABUSER_OPENING = (
    "Order {order} is wrong AGAIN. Sort it out.",
    "The coffee in {order} is stale. I want my money back.",
)
ANGRY_LEGIT = (
    "This is the THIRD bag that arrived split open. Coffee all over the box. I am furious.",
    "Absolutely unacceptable. The grinder from {order} stopped working after two days.",
    "I paid for next-day delivery on {order} and it took a week. Really not good enough.",
    "The valve on the bag from {order} was missing and the beans are stale. Very annoyed.",
    "Twice now the wrong grind. I told you espresso. I'm fed up with this, {order}.",
)
AGENT_FIX = (
    "I'm sorry about {order}. I've sorted it as below, and noted what went wrong.",
    "Thanks for telling us, and apologies. Here's what I've done for {order}.",
)
