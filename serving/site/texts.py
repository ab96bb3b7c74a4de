"""The demo site's words in Dutch, French and English, and dates written the Brussels way.

Hand-written tables rather than a locale library: the site needs a few dozen
strings and day and month names, and a server's installed locales differ.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Final
from zoneinfo import ZoneInfo

#: Languages of the site; the first is the default.
SITE_LANGUAGES: Final = ("nl", "fr", "en")
#: Events happen in Belgium: dates are shown in Brussels time.
LOCAL_ZONE: Final = ZoneInfo("Europe/Brussels")

TEXTS: Final[Mapping[str, Mapping[str, str]]] = {
    "nl": {
        "site_name": "UiT-agenda",
        "tagline": "Demo van de aanbevelingswidget",
        "language": "Taal",
        "visitor": "Bezoeker",
        "anonymous": "Anonieme bezoeker",
        "signed_in_as": "Aangemeld als demogebruiker",
        "place": "Waar ben je?",
        "apply": "Toepassen",
        "for_you": "Voor jou",
        "popular_near": "Populair in de buurt",
        "similar": "Misschien ook iets voor jou",
        "agenda": "In de agenda",
        "agenda_link": "Bekijk de volledige agenda",
        "consent_title": "Mogen we onthouden wat je bekijkt?",
        "consent_text": "Dan bewaren we een willekeurige bezoekers-id in je browser en worden je tips persoonlijker. "
        "Zonder toestemming zie je populaire en gelijkaardige evenementen en bewaren we niets.",
        "consent_yes": "Ja, onthoud",
        "consent_no": "Nee, liever niet",
        "consent_on": "Je gaf toestemming: we onthouden je klikken op dit toestel.",
        "consent_off": "Geen toestemming: we bewaren niets.",
        "when": "Wanneer",
        "where": "Waar",
        "price": "Prijs",
        "free": "Gratis",
        "organizer": "Organisator",
        "age": "Leeftijd",
        "type": "Soort",
        "back": "Terug naar de startpagina",
        "not_found": "Dit evenement bestaat niet (meer).",
        "from_to": "van {start} tot {end}",
        "years": "{min} tot {max} jaar",
        "years_from": "vanaf {min} jaar",
        "years_to": "tot {max} jaar",
        "footer": "Demogegevens: een synthetisch Vlaams cultuurseizoen. Geen echte personen of evenementen.",
        "skip": "Naar de inhoud",
    },
    "fr": {
        "site_name": "Agenda UiT",
        "tagline": "Démo du widget de recommandations",
        "language": "Langue",
        "visitor": "Visiteur",
        "anonymous": "Visiteur anonyme",
        "signed_in_as": "Connecté comme utilisateur de démo",
        "place": "Où êtes-vous ?",
        "apply": "Appliquer",
        "for_you": "Pour vous",
        "popular_near": "Populaire près de chez vous",
        "similar": "Cela pourrait aussi vous plaire",
        "agenda": "À l'agenda",
        "agenda_link": "Voir tout l'agenda",
        "consent_title": "Pouvons-nous retenir ce que vous consultez ?",
        "consent_text": "Nous conserverons alors un identifiant de visiteur aléatoire dans votre navigateur et nos "
        "suggestions deviendront plus personnelles. Sans votre accord, vous voyez des événements populaires "
        "et similaires et nous ne conservons rien.",
        "consent_yes": "Oui, retenir",
        "consent_no": "Non merci",
        "consent_on": "Vous avez donné votre accord : nous retenons vos clics sur cet appareil.",
        "consent_off": "Pas d'accord : nous ne conservons rien.",
        "when": "Quand",
        "where": "Où",
        "price": "Prix",
        "free": "Gratuit",
        "organizer": "Organisateur",
        "age": "Âge",
        "type": "Type",
        "back": "Retour à l'accueil",
        "not_found": "Cet événement n'existe pas (ou plus).",
        "from_to": "du {start} au {end}",
        "years": "de {min} à {max} ans",
        "years_from": "à partir de {min} ans",
        "years_to": "jusqu'à {max} ans",
        "footer": "Données de démo : une saison culturelle flamande synthétique. Aucune personne ni aucun "
        "événement réels.",
        "skip": "Aller au contenu",
    },
    "en": {
        "site_name": "UiT agenda",
        "tagline": "Recommendations widget demo",
        "language": "Language",
        "visitor": "Visitor",
        "anonymous": "Anonymous visitor",
        "signed_in_as": "Signed in as demo user",
        "place": "Where are you?",
        "apply": "Apply",
        "for_you": "For you",
        "popular_near": "Popular near you",
        "similar": "You might also like",
        "agenda": "In the calendar",
        "agenda_link": "See the whole calendar",
        "consent_title": "May we remember what you look at?",
        "consent_text": "We then keep a random visitor id in your browser and your suggestions become more "
        "personal. Without consent you see popular and similar events and we store nothing.",
        "consent_yes": "Yes, remember",
        "consent_no": "No thanks",
        "consent_on": "You gave consent: we remember your clicks on this device.",
        "consent_off": "No consent: we store nothing.",
        "when": "When",
        "where": "Where",
        "price": "Price",
        "free": "Free",
        "organizer": "Organiser",
        "age": "Age",
        "type": "Type",
        "back": "Back to the home page",
        "not_found": "This event does not exist (any more).",
        "from_to": "from {start} to {end}",
        "years": "{min} to {max} years",
        "years_from": "from {min} years",
        "years_to": "up to {max} years",
        "footer": "Demo data: a synthetic Flemish cultural season. No real people or events.",
        "skip": "Skip to content",
    },
}

_WEEKDAYS: Final = {
    "nl": ("ma", "di", "wo", "do", "vr", "za", "zo"),
    "fr": ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
_MONTHS: Final = {
    "nl": ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"),
    "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def site_language(value: str | None) -> str:
    """``value`` when it is a site language, else Dutch."""
    return value if value in SITE_LANGUAGES else SITE_LANGUAGES[0]


def format_day(moment: dt.datetime | dt.date, lang: str) -> str:
    """A day such as ``vr 12 sep 2025``, ``ven. 12 sept. 2025`` or ``Fri 12 Sep 2025`` (Brussels time)."""
    day = moment.astimezone(LOCAL_ZONE).date() if isinstance(moment, dt.datetime) else moment
    return f"{_WEEKDAYS[lang][day.weekday()]} {day.day} {_MONTHS[lang][day.month - 1]} {day.year}"


def format_moment(moment: dt.datetime, lang: str) -> str:
    """A day and time such as ``vr 12 sep 2025, 20:00`` (24-hour clock, Brussels time)."""
    local = moment.astimezone(LOCAL_ZONE)
    return f"{format_day(local, lang)}, {local:%H:%M}"


def format_price(price: float | None, lang: str) -> str | None:
    """``Gratis``/``Gratuit``/``Free`` for 0; ``€ 12,50``, ``12,50 €`` or ``€12.50`` (as the widget writes them).

    ``None`` when the price is unknown.
    """
    if price is None:
        return None
    if price == 0:
        return TEXTS[lang]["free"]
    amount = f"{price:.0f}" if float(price).is_integer() else f"{price:.2f}"
    if lang == "en":
        return f"€{amount}"
    amount = amount.replace(".", ",")
    return f"{amount} €" if lang == "fr" else f"€ {amount}"
