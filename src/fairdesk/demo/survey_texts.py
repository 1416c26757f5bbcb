"""What the demo's customers write in survey comments, by ticket topic and by how it went.

Happy and unhappy comments for each topic of ``ticket_texts``, and relationship-NPS comments
for promoters, passives and detractors. ``{agent}`` is the first name of the agent who
handled the case. A few comments carry HTML or a script tag, as real ones sometimes do
(pasted from an e-mail, or someone testing us): the product must store and show them as text.
"""

from __future__ import annotations

HAPPY: dict[str, tuple[str, ...]] = {
    "delivery_late": (
        "{agent} chased the courier for me and the beans arrived the next morning.",
        "Parcel was late but you kept me posted with the tracking link. Thank you.",
        "Quick answer, and the replacement bag was delivered before the weekend.",
    ),
    "damaged_bag": (
        "Sent a new bag straight away, no photos or forms needed. That is how it should be.",
        "{agent} replaced the split bag at once. Lovely coffee as always.",
    ),
    "wrong_grind": (
        "Swapped for whole beans the same day, easy.",
        "{agent} explained the grind sizes and sent the right one. Brilliant.",
    ),
    "subscription_billing": (
        "Refunded the double charge within the hour, thanks {agent}.",
        "Billing mix-up fixed quickly and politely.",
    ),
    "refund": (
        "Refund came through fast, no questions asked. I will order again.",
        "Easy refund, clear explanation of when the money arrives.",
    ),
    "grinder_defect": (
        "New burr set arrived in two days and the grinder works perfectly now.",
        "{agent} walked me through the fix on the phone, very patient.",
    ),
    "product_question": (
        "Great advice on which roast suits a moka pot.",
        "Helpful, friendly answer. Learned something about decaf processing.",
    ),
}

UNHAPPY: dict[str, tuple[str, ...]] = {
    "delivery_late": (
        "Tracking said delivered for four days and nothing arrived. I had to chase three times.",
        "The courier lost it and I had to explain everything again to a second person.",
        "Took a week to get an answer about a parcel that never came.",
        "Please use a courier that actually updates the tracking.",
    ),
    "damaged_bag": (
        "You asked for photos of a split bag of coffee. Just send a new one.",
        "Replacement arrived damaged too. Packaging needs fixing.",
    ),
    "wrong_grind": (
        "Had to send the wrong grind back at my own cost. Not fair for your mistake.",
        "Second time I got espresso grind for a cafetiere order.",
    ),
    "subscription_billing": (
        "Charged twice and told to wait 10 working days for my own money. Policy over people.",
        "Cancelling the subscription took three e-mails. Far too hard.",
        "I was billed after cancelling and nobody said sorry.",
    ),
    "refund": (
        "Refund took weeks and I had to repeat my order number every time.",
        "The refund policy is unclear and the answer felt like a template.",
    ),
    "grinder_defect": (
        "Grinder still jams after the 'fix'. Not solved.",
        "Waited ages for a part and had to ask again and again.",
    ),
    "product_question": (
        "Slow answer to a simple question.",
        "Did not really answer what I asked.",
    ),
}

# A handful of comments as customers sometimes type them: with markup and even a script.
MARKUP = (
    "<b>Third</b> time asking about this. Please read my e-mails.",
    "Fine in the end <script>alert('thanks')</script> but slow.",
    'Lovely service <3 <a href="https://example.com">see my review</a>',
    "<i>Finally</i> sorted, thank you {agent}!",
)

NPS_COMMENTS: dict[str, tuple[str, ...]] = {
    "promoter": (
        "Best coffee I can get delivered, and the people are lovely.",
        "I recommend you to everyone at work. Fresh beans, fair prices.",
        "Whenever something goes wrong you fix it without fuss.",
        "The subscription just works. Never have to think about it.",
    ),
    "passive": (
        "Good coffee, delivery can be slow.",
        "Nice beans but the price went up again.",
        "Fine. Would like more decaf choices.",
    ),
    "detractor": (
        "Deliveries are unreliable and the tracking is useless.",
        "Too expensive for what it is now, and cancelling was a pain.",
        "Support took days to answer last time.",
        "Quality has dropped, two stale bags in a row.",
    ),
}

CLOSING_NOTES = (
    "Called {customer}; apologised, refunded the postage and added a free bag to the next order.",
    "Phoned {customer}, talked it through; they were happy we called. Passed the packaging "
    "feedback to the warehouse.",
    "E-mailed {customer} personally (no answer by phone); offered store credit, accepted.",
    "Spoke to {customer}: the real issue was the courier; logged it for the delivery review.",
)
