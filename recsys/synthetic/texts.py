"""Names and descriptions of synthetic organisers, venues and events, built from templates.

Mostly Dutch; events in Brussels are sometimes French, and some concerts
and talks in the big cities English. Texts only need to be plausible and
varied enough for content models (TF-IDF over names and descriptions) to
find the discipline, the theme and the production in them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from recsys.domain.taxonomy import default_taxonomy

# fmt: off
FIRST_NAMES = (
    "Jan", "Els", "Wouter", "Lies", "Pieter", "An", "Tom", "Sofie", "Koen", "Griet", "Bart", "Katrien", "Jonas",
    "Marie", "Lucas", "Noor", "Arne", "Fien", "Seppe", "Lotte", "Dries", "Hanne", "Wim", "Ilse", "Yasmine", "Mehdi",
    "Amira", "Stijn", "Elke", "Ruben", "Nina", "Jef", "Leen", "Kobe", "Ines", "Bram", "Saar", "Karim", "Louise",
    "Emiel",
)
LAST_NAMES = (
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "De Smet",
    "Dubois", "Lambrechts", "Dumont", "Hermans", "Michiels", "Vermeulen", "Van den Broeck", "De Clercq", "Aerts",
    "Pauwels", "Van Damme", "Verhoeven", "El Amrani", "Desmet", "Claeys", "Coppens", "Segers", "Smets", "Vos",
    "De Backer", "Van Acker", "Bogaert", "Martens", "Hendrickx", "Vandenberghe", "Leclercq", "Lemmens", "Cools",
)
ADJECTIVES = (
    "Stille", "Verloren", "Grote", "Kleine", "Blauwe", "Late", "Eerste", "Laatste", "Wilde", "Nieuwe", "Oude",
    "Zachte", "Donkere", "Lichte", "Vreemde", "Gouden", "Lege", "Warme", "Koude", "Verre",
)
NOUNS = (
    "zee", "stad", "vogel", "nacht", "winter", "zomer", "tijd", "droom", "reis", "liefde", "stilte", "storm",
    "spiegel", "brug", "tuin", "rivier", "hemel", "stem", "wolk", "haven",
)
ANIMALS = ("Kikker", "Beer", "Muis", "Vos", "Olifant", "Pinguïn", "Konijn", "Uil", "Draak", "Egel")
BAND_ADJ = ("Silver", "Velvet", "Quiet", "Electric", "Golden", "Wild", "Broken", "Northern", "Little", "Blue")
BAND_NOUNS = ("Foxes", "Lights", "Rivers", "Ghosts", "Pilots", "Dreamers", "Wolves", "Sparrows", "Echoes", "Tides")
COMPOSERS = (
    "Bach", "Mozart", "Beethoven", "Schubert", "Brahms", "Ravel", "Debussy", "Chopin", "Vivaldi", "Haydn",
    "César Franck", "Ysaÿe", "Peter Benoit", "Mendelssohn",
)
ASSOCIATION_NAMES = (
    "De Vrolijke Vrienden", "Eendracht", "Kunst en Vermaak", "Oefening Baart Kunst", "Vreugdegalm",
    "De Volksvrienden", "De Verenigde Vrienden", "Rust Roest", "Nooit Gedacht", "De Ware Vrienden",
    "Moed en Volharding", "Crescendo", "Concordia", "Vooruit", "De Kleine Kunst", "Het Masker", "Thalia",
    "De Schakel", "Vriendenkring", "Jong Leven",
)
SAINTS = (
    "Sint-Cecilia", "Sint-Jan", "Sint-Martinus", "Sint-Pieter", "Sint-Jozef", "Sint-Ambrosius", "Sint-Lutgardis",
    "Sint-Amandus", "Sint-Barbara", "Sint-Dionysius", "Sint-Niklaas", "Sint-Gertrudis",
)
VENUE_NOUNS = (
    "De Kroon", "De Molen", "Het Anker", "De Spil", "De Brug", "De Werf", "De Zolder", "De Kapel", "De Oude Post",
    "Het Magazijn", "De Kaai", "De Linde", "De Vonk", "De Schelp", "Het Bos", "De Zwaan", "De Pomp", "Het Pakhuis",
    "De Meersen", "De Beiaard",
)
COMPANY_NOUNS = (
    "Zuidwind", "Luxemburg", "Het Gevolg", "Malpertuis", "Tieret", "Nachtlicht", "Zeven", "Ondergrond", "Fabula",
    "Kwatta",
)
NATURE_NAMES = (
    "De Vennen", "Het Broek", "De Heide", "Den Bos", "De Meersen", "De Kluis", "Het Vinne", "De Gavers",
    "Het Hageven", "De Bergen",
)
STREETS = (
    "Kerkstraat", "Stationsstraat", "Dorpsstraat", "Molenstraat", "Nieuwstraat", "Schoolstraat", "Markt",
    "Grote Markt", "Kapelstraat", "Beekstraat", "Hoogstraat", "Veldstraat", "Kasteelstraat", "Kouter", "Vaartstraat",
    "Leopoldlaan", "Stadsplein", "Gemeenteplein", "Nieuwe Kaai", "Bruggestraat", "Processiestraat", "Meersstraat",
)
SPORTS = ("petanque", "badminton", "yoga", "tafeltennis", "nordic walking", "minivoetbal", "zumba", "klimmen")
COURSE_SKILLS = {
    "1.42.0.0.0": ("creatief schrijven", "keramiek", "naaien", "tekenen"),
    "1.51.6.0.0": ("yoga", "pilates", "salsa", "tai chi"),
    "1.0.6.0.0": ("fotografie voor beginners", "smartphonefotografie", "portretfotografie"),
    "1.65.0.0.0": ("koken met seizoensgroenten", "brood bakken", "wereldkeuken"),
    "1.21.0.0.0": ("digitale basisvaardigheden", "programmeren voor kinderen", "werken met je tablet"),
    "1.0.1.0.0": ("aquarel", "olieverf", "modeltekenen"),
}
DEFAULT_SKILLS = ("Spaans", "Italiaans", "gitaar", "bloemschikken", "EHBO", "breien")
TOPICS = {
    "1.21.0.0.0": ("Artificiële intelligentie in het dagelijks leven", "Veilig online"),
    "1.42.0.0.0": ("Creatief schrijven voor iedereen",),
    "1.40.0.0.0": ("Het verhaal van de beiaard", "Kerken en kloosters in {town}"),
    "1.11.0.0.0": ("{town} tijdens de Eerste Wereldoorlog", "De Boerenkrijg", "De Bourgondiërs in Vlaanderen"),
    "1.37.1.0.0": ("Slaap beter", "Gezond ouder worden"),
    "1.41.0.0.0": ("Kijken naar Van Eyck", "De Vlaamse Primitieven"),
    "1.10.0.0.0": ("{person} over de roman '{title}'",),
    "1.64.0.0.0": ("Biodiversiteit in je tuin", "Klimaat en wij"),
    "1.37.0.0.0": ("Opvoeden in een digitale wereld", "Pubers begrijpen"),
    "1.61.0.0.0": ("Omgaan met rouw", "Samen leven, samen wonen"),
    "1.10.5.0.0": ("Poëzieavond met {person}",),
    "1.37.2.0.0": ("Wonen in de stad van morgen", "Vrijwilligerswerk in {town}"),
    "1.25.0.0.0": ("Het heelal in een notendop", "Het brein ontrafeld"),
    "1.44.0.0.0": ("Filosofisch café: over geluk", "Wat is een goed leven?"),
    "1.63.0.0.0": ("Het landschap van {town}",),
    "1.2.1.0.0": ("Architectuur van {town}",),
}
TOUR_TOPICS = {
    "1.40.0.0.0": ("Kerken en kloosters in {town}", "Het verhaal van de beiaard"),
    "1.11.0.0.0": ("{town} tijdens de Eerste Wereldoorlog", "Sporen van de Bourgondiërs"),
    "1.2.1.0.0": ("Architectuur van {town}",),
    "1.64.0.0.0": ("Natuur in {town}",),
    "1.63.0.0.0": ("Het landschap van {town}",),
}
#: Disciplines whose children's events get a children's title.
KIDS_TITLED = ("theatre", "dance", "concert", "film")
GENERIC_TOPICS = ("{town} vroeger en nu", "Verborgen plekjes in {town}", "Het verhaal van {town}")
FRENCH_TITLES = (
    "La mer silencieuse", "La ville perdue", "Le dernier hiver", "La grande nuit", "Le rêve bleu", "La maison vide",
    "Le long voyage", "L'oiseau de nuit", "Les jours heureux", "Le jardin secret",
)
ENGLISH_TITLES = (
    "The Quiet Sea", "Lost City", "The Last Winter", "Long Night", "Blue Dream", "Empty House", "The Long Journey",
    "Night Bird", "Happy Days", "Secret Garden",
)
# fmt: on

# Event names per discipline for events of local associations and municipal services.
LOCAL_NAMES = {
    "concert": ("Jaarconcert {org}", "Lenteconcert {org}", "Kerstconcert {org}", "Najaarsconcert {org}"),
    "theatre": ("{org} speelt '{title}'",),
    "food": (
        "Mosselfeest {org}",
        "Spaghettiavond {org}",
        "Pannenkoekenfestijn {org}",
        "Eetfestijn {org}",
        "Breugheliaans feestmaal {org}",
    ),
    "party": ("{org} fuif", "{adj} Party", "Afterworkparty {town}"),
    "youth": ("Startdag {org}", "Speelnamiddag {org}", "Kennismakingsdag {org}"),
    "market": ("Rommelmarkt {town}", "Kerstmarkt {town}", "Jaarmarkt {town}", "Braderie {town}", "Kermis {town}"),
    "festivity": ("Sinterklaasfeest {town}", "Carnavalsstoet {town}", "Nieuwjaarsdrink {town}", "Dorpsfeest {town}"),
    "fair": ("Tweedehandsbeurs {org}", "Boekenbeurs {town}", "Stripbeurs {town}", "Speelgoedbeurs {org}"),
    "quiz": ("Quiz van {org}", "Grote quiz van {town}", "Muziekquiz {org}"),
    "route": ("Wandelroute {nature}", "Fietsroute door {town}", "Erfgoedwandeling {town}"),
    "sport": ("Initiatie {sport}", "Sportnamiddag {org}", "Loop van {town}"),
    "camp": ("{skill_cap}kamp", "Avonturenkamp {town}", "Kunstkamp {org}"),
    "open_day": ("Opendeurdag {org}",),
    "festival": ("{town} Zomert", "{adj} Festival {town}", "Feest in het park"),
}

_DESCRIPTION_OPENERS = {
    "concert": (
        "{performer} brengt een avond vol {theme_lc} in {place}.",
        "Een concert om niet te missen: {performer} in {town}.",
    ),
    "theatre": (
        "In '{title}' maakt {performer} een voorstelling over {noun} en {noun2}.",
        "{performer} speelt '{title}', een voorstelling over {noun}.",
    ),
    "dance": ("{performer} danst '{title}', een voorstelling over {noun} en beweging.",),
    "film": ("'{title}' is een film ({theme_lc}) over {noun} en {noun2}.",),
    "exhibition": (
        "De tentoonstelling toont werk van {performer} rond {noun} en {noun2}.",
        "Een tentoonstelling over {theme_lc} in {place}.",
    ),
    "lecture": (
        "{performer} neemt je mee in het verhaal: {topic}.",
        "Een boeiende lezing over {theme_lc} door {performer}.",
    ),
    "tour": ("Een gids neemt je mee langs de mooiste plekken van {town}.", "Ontdek {town} met een ervaren gids."),
    "festival": ("Muziek, eten en sfeer: het festival strijkt neer in {town}.", "Een weekend lang feest in {town}."),
    "course": ("In deze lessenreeks leer je stap voor stap {skill}.",),
    "workshop": ("Kom langs en probeer {skill}; je hoeft niets mee te brengen.",),
    "quiz": ("Stel een ploeg samen en test je kennis in {place}.",),
    "party": ("De beste dj's zorgen voor een onvergetelijke nacht in {place}.",),
    "market": ("Kramen, lekkers en gezelligheid in het centrum van {town}.",),
    "food": ("Schuif aan voor een gezellige maaltijd ten voordele van {org}.",),
    "sport": ("Beweeg mee met {org}; iedereen is welkom, ongeacht je niveau.",),
    "camp": ("Een week vol spel, creativiteit en nieuwe vrienden.",),
    "route": ("Een bewegwijzerde route langs natuur en erfgoed in {town}.",),
    "open_day": ("{org} zet de deuren open: kijk achter de schermen.",),
    "festivity": ("Het hele dorp viert feest in {town}.",),
    "fair": ("Koopjes en ontmoetingen in {place}.",),
    "youth": ("Spelen, ravotten en vrienden maken bij {org}.",),
}
_DESCRIPTION_MIDDLES = (
    "Kom samen met vrienden of familie genieten.",
    "Na afloop is er een drankje in de foyer.",
    "Een aanrader voor wie houdt van {theme_lc}.",
    "Reserveren is aangeraden.",
    "Iedereen is van harte welkom.",
)
_FR_OPENERS = ("{label}: {title} à {place}, {town}.", "{performer} présente « {title} » à {town}.")
_EN_OPENERS = ("{performer} live at {place}, {town}.", "{label} in English: {title}, with {performer}.")


@dataclass(frozen=True, slots=True)
class EventText:
    """Name and description of an event in its main language and optional translations."""

    name: dict[str, str]
    description: dict[str, str]
    main: str


def pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    """One element of ``options``."""
    return options[int(rng.integers(len(options)))]


def person(rng: np.random.Generator) -> str:
    """A plausible Flemish personal name."""
    return f"{pick(rng, FIRST_NAMES)} {pick(rng, LAST_NAMES)}"


def title(rng: np.random.Generator) -> str:
    """A Dutch title of a show, film or book."""
    pattern = int(rng.integers(4))
    if pattern == 0:
        return f"De {pick(rng, ADJECTIVES).lower()} {pick(rng, NOUNS)}"
    if pattern == 1:
        return f"{pick(rng, ADJECTIVES)} {pick(rng, NOUNS)}"
    if pattern == 2:
        return f"Na de {pick(rng, NOUNS)}"
    return f"Over {pick(rng, NOUNS)} en {pick(rng, NOUNS)}"


def performer(rng: np.random.Generator, discipline: str, theme: str | None) -> str:
    """Who performs or makes the event, in a form that suits the discipline and theme."""
    if discipline == "concert":
        if theme == "1.8.1.0.0":
            return pick(
                rng,
                (
                    f"{pick(rng, COMPOSERS)}kwartet",
                    f"Ensemble {pick(rng, LAST_NAMES)}",
                    f"Trio {pick(rng, LAST_NAMES)}",
                ),
            )
        if theme in ("1.8.3.1.0", "1.8.4.0.0", "1.8.3.3.0"):
            return pick(
                rng,
                (
                    f"The {pick(rng, BAND_ADJ)} {pick(rng, BAND_NOUNS)}",
                    f"{pick(rng, BAND_ADJ)} {pick(rng, BAND_NOUNS)}",
                ),
            )
        if theme == "1.8.2.0.0":
            return f"{person(rng)} {pick(rng, ('Trio', 'Quartet', 'Quintet'))}"
        return person(rng)
    if discipline in ("theatre", "dance"):
        form = int(rng.integers(3))
        if form == 0:
            return f"Theater {pick(rng, COMPANY_NOUNS)}"
        if form == 1:
            return f"Compagnie {pick(rng, LAST_NAMES)}"
    return person(rng)


def _theme_label(theme: str | None, lang: str = "nl") -> str:
    return default_taxonomy().label(theme, lang) if theme else ""


def event_text(
    rng: np.random.Generator,
    *,
    discipline: str,
    type_label: dict[str, str],
    theme: str | None,
    kids: bool,
    local: bool,
    permanent: bool,
    org: str,
    town: str,
    place: str,
    lang: str,
    translations: tuple[str, ...] = (),
    practical: str = "",
) -> EventText:
    """Name and description of one event (or of a production, shared by its dates).

    Parameters
    ----------
    rng : Generator
        Random stream.
    discipline : str
        Discipline key.
    type_label : dict
        Event type label per language.
    theme : str or None
        Theme id.
    kids : bool
        Children's event.
    local : bool
        Organised by a local association or municipal service (names mention the organiser).
    permanent : bool
        Permanent offer (a museum's collection, a signposted route).
    org, town, place : str
        Organiser, municipality and venue names.
    lang : str
        Main language (``nl``, ``fr`` or ``en``).
    translations : tuple of str
        Further languages to add.
    practical : str
        Closing Dutch sentence on price and age.

    """
    fields = {
        "org": org,
        "town": town,
        "place": place,
        "title": title(rng),
        "noun": pick(rng, NOUNS),
        "noun2": pick(rng, NOUNS),
        "adj": pick(rng, ADJECTIVES),
        "nature": pick(rng, NATURE_NAMES),
        "sport": pick(rng, SPORTS),
        "person": person(rng),
        "performer": performer(rng, discipline, theme),
        "theme_lc": _theme_label(theme).lower() or type_label["nl"].lower(),
        "label": type_label["nl"],
    }
    skills = COURSE_SKILLS.get(theme or "", DEFAULT_SKILLS)
    fields["skill"] = pick(rng, skills)
    fields["skill_cap"] = fields["skill"].capitalize().split(" ")[0]
    topics = TOUR_TOPICS if discipline == "tour" else TOPICS
    topic_options = topics.get(theme or "", GENERIC_TOPICS)
    if kids and discipline in KIDS_TITLED:
        fields["title"] = f"{pick(rng, ANIMALS)} en de {pick(rng, NOUNS)}"
    fields["topic"] = pick(rng, topic_options).format(**fields)
    name_nl = _dutch_name(rng, discipline, theme, kids, local, permanent, fields)
    desc_nl = f"{_dutch_description(rng, discipline, kids, fields)} {practical}".strip()
    names = {"nl": name_nl}
    descriptions = {"nl": desc_nl}
    for extra in sorted({lang, *translations} - {"nl"}):  # sorted: set order varies per process
        foreign_title = pick(rng, FRENCH_TITLES if extra == "fr" else ENGLISH_TITLES)
        extra_fields = {**fields, "title": foreign_title, "label": type_label.get(extra, type_label["nl"])}
        opener = pick(rng, _FR_OPENERS if extra == "fr" else _EN_OPENERS).format(**extra_fields)
        names[extra] = name_nl if discipline in ("concert", "market", "festival") else foreign_title
        descriptions[extra] = opener
    return EventText(name=names, description=descriptions, main=lang)


def _dutch_name(
    rng: np.random.Generator,
    discipline: str,
    theme: str | None,
    kids: bool,
    local: bool,
    permanent: bool,
    f: dict[str, str],
) -> str:
    if permanent and discipline == "exhibition":
        return f"Vaste collectie {f['org']}"
    if local and discipline in LOCAL_NAMES:
        return pick(rng, LOCAL_NAMES[discipline]).format(**f)
    if kids and discipline in KIDS_TITLED:
        suffix = f"Kinderfilm: {f['title']}" if discipline == "film" else f"{f['title']} (familievoorstelling)"
        return pick(rng, (f["title"], suffix))
    match discipline:
        case "concert":
            if theme == "1.8.1.0.0":
                return f"{f['performer']} speelt {pick(rng, COMPOSERS)}"
            return pick(rng, (f["performer"], f"{f['performer']} + support", f"{f['performer']}: {f['title']}"))
        case "theatre" | "dance":
            if theme == "1.3.10.0.0":
                return f"{f['person']}: {f['title']}"
            return pick(rng, (f["title"], f"{f['performer']} - {f['title']}"))
        case "film":
            return pick(rng, (f["title"], f"Filmclub: {f['title']}"))
        case "exhibition":
            return pick(
                rng,
                (
                    f"{f['person']}. {f['title']}",
                    f"Tentoonstelling: {f['title']}",
                    f"{f['theme_lc'].capitalize()} in beeld",
                ),
            )
        case "lecture":
            return f"Lezing: {f['topic']}"
        case "tour":
            return pick(
                rng, (f"Wandeling door {f['town']}", f"Rondleiding: {f['topic']}", f"Gegidste wandeling in {f['town']}")
            )
        case "course":
            return f"Cursus {f['skill']}"
        case "workshop":
            return pick(rng, (f"Workshop {f['skill']}", f"Open atelier {f['skill']}"))
        case "festival":
            return pick(
                rng,
                (
                    f"{f['town']} {pick(rng, ('Jazz', 'Folk', 'Rock', 'Film', 'Kunsten'))} Festival",
                    f"{f['adj']} Festival",
                ),
            )
        case "camp":
            return f"{f['skill_cap']}kamp"
        case _:
            options = LOCAL_NAMES.get(discipline, ("{label} in {town}",))
            return pick(rng, options).format(**f)


def _dutch_description(rng: np.random.Generator, discipline: str, kids: bool, f: dict[str, str]) -> str:
    opener = pick(rng, _DESCRIPTION_OPENERS.get(discipline, ("{label} in {place}, {town}.",))).format(**f)
    middle = pick(rng, _DESCRIPTION_MIDDLES).format(**f)
    closing = " Leuk voor het hele gezin." if kids else ""
    return f"{opener} {middle}{closing}"


def street_address(rng: np.random.Generator) -> str:
    """A street and house number."""
    return f"{pick(rng, STREETS)} {int(rng.integers(1, 160))}"
