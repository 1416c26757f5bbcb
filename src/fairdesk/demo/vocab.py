"""The words the demo draws from: categories, tags, places and names.

Every categorical field has one fixed, ordered vocabulary here, so kinds differ only in the
weights they give to the same words, and a typo in a kind's weights fails loudly (see
``kinds.py``) instead of inventing a category no other customer shares.
"""

from __future__ import annotations

from typing import NamedTuple

from fairdesk.customers.models import Channel, Gender

GENDERS: tuple[str, ...] = tuple(Gender)
COUNTRIES = ("GB", "IE", "DE", "FR", "NL")
EDUCATION = ("secondary", "vocational", "undergraduate", "postgraduate")
INCOME_BANDS = ("under_20k", "20k_40k", "40k_70k", "70k_100k", "over_100k")
HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6)
USAGE_FREQUENCIES = ("daily", "several_a_week", "weekly", "monthly", "occasional", "seasonal")
ATTITUDES = (
    "enthusiast", "loyal", "pragmatic", "price_sensitive", "gift_giver", "experimental",
    "indifferent", "sceptical",
)
CHANNELS: tuple[str, ...] = tuple(Channel)
ORDER_CHANNELS = ("web", "app", "phone")

VALUES = (
    "quality", "craft", "freshness", "sustainability", "ethical sourcing", "reliability",
    "invoicing", "consistency", "convenience", "speed", "value for money", "discounts",
    "thoughtfulness", "presentation", "experimentation", "community",
)
INTERESTS = (
    "specialty coffee", "single origins", "espresso", "latte art", "brewing gear", "cooking",
    "baking", "travel", "cycling", "hiking", "gaming", "music festivals", "reading",
    "gardening", "crafts", "photography", "home improvement", "deal forums", "coupons",
    "office wellbeing", "team events",
)
PERSONALITY = (
    "curious", "loyal", "organised", "practical", "generous", "frugal", "spontaneous",
    "perfectionist", "sociable", "cautious", "trend-seeking", "detail-oriented",
)
LIFESTYLE = (
    "urban professional", "remote worker", "commuter", "parent", "early riser", "busy office",
    "student life", "night owl", "weekend host", "outdoorsy", "frequent traveller", "homebody",
    "budget living", "festive celebrator",
)
PRODUCT_LINES = ("beans", "ground", "capsules", "equipment", "subscription", "gifts")


class Place(NamedTuple):
    region: str
    city: str


class CountryPlaces(NamedTuple):
    """Cities a kind that likes city life draws from, and towns for everyone else."""

    cities: tuple[Place, ...]
    towns: tuple[Place, ...]


PLACES: dict[str, CountryPlaces] = {
    "GB": CountryPlaces(
        cities=(
            Place("Greater London", "London"), Place("Greater Manchester", "Manchester"),
            Place("West Midlands", "Birmingham"), Place("South West England", "Bristol"),
            Place("West Yorkshire", "Leeds"), Place("Scotland", "Edinburgh"),
            Place("Scotland", "Glasgow"), Place("Wales", "Cardiff"),
            Place("South East England", "Brighton"), Place("Northern Ireland", "Belfast"),
            Place("North East England", "Newcastle upon Tyne"),
            Place("South Yorkshire", "Sheffield"),
        ),
        towns=(
            Place("North Yorkshire", "Harrogate"), Place("South West England", "Stroud"),
            Place("West Midlands", "Ludlow"), Place("North West England", "Kendal"),
            Place("South East England", "Tunbridge Wells"),
            Place("East of England", "Bury St Edmunds"), Place("South West England", "Totnes"),
            Place("North East England", "Hexham"), Place("Wales", "Aberystwyth"),
            Place("Scotland", "Oban"),
        ),
    ),
    "IE": CountryPlaces(
        cities=(Place("Leinster", "Dublin"), Place("Munster", "Cork"),
                Place("Connacht", "Galway")),
        towns=(Place("Leinster", "Kilkenny"), Place("Connacht", "Westport")),
    ),
    "DE": CountryPlaces(
        cities=(Place("Berlin", "Berlin"), Place("Hamburg", "Hamburg"),
                Place("Bayern", "München"), Place("Nordrhein-Westfalen", "Köln")),
        towns=(Place("Baden-Württemberg", "Freiburg im Breisgau"),
               Place("Niedersachsen", "Lüneburg")),
    ),
    "FR": CountryPlaces(
        cities=(Place("Île-de-France", "Paris"), Place("Auvergne-Rhône-Alpes", "Lyon"),
                Place("Nouvelle-Aquitaine", "Bordeaux")),
        towns=(Place("Auvergne-Rhône-Alpes", "Annecy"), Place("Grand Est", "Colmar")),
    ),
    "NL": CountryPlaces(
        cities=(Place("Noord-Holland", "Amsterdam"), Place("Zuid-Holland", "Rotterdam"),
                Place("Utrecht", "Utrecht")),
        towns=(Place("Zuid-Holland", "Delft"), Place("Overijssel", "Zwolle")),
    ),
}


class NameBook(NamedTuple):
    female: tuple[str, ...]
    male: tuple[str, ...]
    last: tuple[str, ...]


NAMES: dict[str, NameBook] = {
    "GB": NameBook(
        female=("Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophie", "Grace", "Chloe", "Hannah",
                "Lucy", "Charlotte", "Ellie", "Megan", "Rebecca", "Sarah", "Laura", "Helen",
                "Susan", "Priya", "Aisha", "Zara", "Joanne"),
        male=("Oliver", "George", "Harry", "Jack", "Jacob", "Thomas", "James", "William",
              "Daniel", "Samuel", "Joseph", "Matthew", "David", "Andrew", "Mark", "Paul",
              "Richard", "Mohammed", "Arjun", "Ravi", "Kwame", "Tomasz"),
        last=("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
              "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green",
              "Hall", "Wood", "Jackson", "Clarke", "Patel", "Khan", "Ahmed", "Okafor", "Nowak",
              "Campbell", "MacDonald", "Murray", "Hughes", "Edwards", "Lewis", "Singh"),
    ),
    "IE": NameBook(
        female=("Aoife", "Siobhán", "Niamh", "Ciara", "Saoirse", "Róisín", "Orla", "Máire"),
        male=("Seán", "Cian", "Oisín", "Darragh", "Pádraig", "Conor", "Eoin", "Liam"),
        last=("Murphy", "Kelly", "O'Sullivan", "Walsh", "O'Brien", "Byrne", "Ryan",
              "O'Connor", "Doyle", "McCarthy"),
    ),
    "DE": NameBook(
        female=("Anna", "Lena", "Marie", "Katharina", "Julia", "Sabine", "Ursula", "Johanna"),
        male=("Lukas", "Jonas", "Felix", "Maximilian", "Stefan", "Jürgen", "Matthias", "Tobias"),
        last=("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner",
              "Becker", "Schäfer", "Hoffmann"),
    ),
    "FR": NameBook(
        female=("Camille", "Léa", "Chloé", "Manon", "Inès", "Sophie", "Élodie", "Françoise"),
        male=("Lucas", "Hugo", "Louis", "Théo", "Nicolas", "Julien", "Benoît", "Étienne"),
        last=("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
              "Leroy", "Lefèvre"),
    ),
    "NL": NameBook(
        female=("Emma", "Sanne", "Lotte", "Fleur", "Anouk", "Femke", "Eva", "Noor"),
        male=("Daan", "Sem", "Lars", "Bram", "Thijs", "Joost", "Ruben", "Pieter"),
        last=("de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser",
              "Smit", "Meijer", "de Boer"),
    ),
}
