"""Language-aware tokenising and stemming of event texts (Dutch, French, English).

An event's name and description are analysed in the event's main language:
HTML tags are stripped and entities decoded, the text is lower-cased and cut
into runs of letters, stop words of that language are dropped, the Snowball
stemmer of that language reduces each word to its stem, and finally accents
are folded (``théâtre`` and ``theatre`` give one term). Stemming happens
*before* folding because the French stemmer relies on the accents.

Texts in another language (German, unknown) are analysed without stemming
or stop words; document-frequency limits in the content encoder still drop
their most common words.
"""

from __future__ import annotations

import html
import importlib.metadata
import re
import threading
import unicodedata
from functools import lru_cache
from typing import Final

import snowballstemmer

from features.stopwords import STOP_WORDS

#: Languages with a stemmer and stop words.
SUPPORTED_LANGUAGES: Final = ("nl", "fr", "en")

#: Snowball algorithm per language. ``dutch`` is Snowball's current Dutch
#: stemmer (snowballstemmer >= 3 also strips the ``ge-`` participle prefix).
SNOWBALL_ALGORITHMS: Final = {"nl": "dutch", "fr": "french", "en": "english"}

#: Version of the installed stemmer; saved with fitted encoders because
#: another version may stem some words differently.
STEMMER_VERSION: Final = importlib.metadata.version("snowballstemmer")

#: Tokens shorter than this carry no meaning once stemmed (``l'``, ``d'``, ``s``).
MIN_TOKEN_LENGTH: Final = 2

_TAG = re.compile(r"<[^>]*>")
# Runs of letters in any script; digits (prices, years, dates) are not topics.
_WORD = re.compile(r"[^\W\d_]+")
_local = threading.local()


def normalise_language(language: str | None) -> str:
    """Return the bare ISO 639-1 code of ``language`` (``nl-BE`` -> ``nl``; ``None`` -> ``""``)."""
    if not language:
        return ""
    return re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0]


def strip_html(text: str) -> str:
    """Replace HTML tags by spaces and decode entities (``&amp;``, ``&eacute;``)."""
    return html.unescape(_TAG.sub(" ", text))


def fold_accents(text: str) -> str:
    """Remove diacritics (``é`` -> ``e``, ``ï`` -> ``i``) and keep the base letters."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokenize(text: str) -> list[str]:
    """Cut ``text`` into lower-case words (runs of letters), after stripping HTML.

    Parameters
    ----------
    text : str
        Plain text or an HTML fragment.

    Returns
    -------
    list of str
        The words in order, accents kept.

    """
    return _WORD.findall(strip_html(text).casefold())


def _stemmer(language: str) -> object:
    # Snowball stemmers keep state while stemming, so each thread gets its own.
    cache: dict[str, object] | None = getattr(_local, "stemmers", None)
    if cache is None:
        cache = _local.stemmers = {}
    found = cache.get(language)
    if found is None:
        found = cache[language] = snowballstemmer.stemmer(SNOWBALL_ALGORITHMS[language])
    return found


@lru_cache(maxsize=1 << 18)
def stem(word: str, language: str) -> str:
    """Return the accent-folded stem of one lower-case ``word`` in ``language``.

    Words of an unsupported language are only accent-folded. Results are
    cached: event texts reuse a small vocabulary.
    """
    lang = normalise_language(language)
    if lang not in SNOWBALL_ALGORITHMS:
        return fold_accents(word)
    stemmed: str = _stemmer(lang).stemWord(word)  # type: ignore[attr-defined]
    return fold_accents(stemmed)


def analyze(text: str | None, language: str | None) -> list[str]:
    """Turn a text into the terms the content encoder counts.

    Parameters
    ----------
    text : str or None
        Plain text or HTML; ``None`` gives no terms.
    language : str or None
        The text's language (``nl``, ``fr``, ``en``; others are not stemmed).

    Returns
    -------
    list of str
        Stemmed, accent-folded terms without stop words, in text order.

    Examples
    --------
    >>> analyze("<p>Twee voorstellingen voor kinderen</p>", "nl")
    ['twee', 'voorstel', 'kinder']

    """
    if not text:
        return []
    lang = normalise_language(language)
    terms = (_term(word, lang) for word in tokenize(text))
    return [term for term in terms if term is not None]


@lru_cache(maxsize=1 << 18)
def _term(word: str, language: str) -> str | None:
    """The term of one word, or ``None`` for a stop word or a too-short stem (cached)."""
    if fold_accents(word) in STOP_WORDS.get(language, frozenset()):
        return None
    term = stem(word, language)
    return term if len(term) >= MIN_TOKEN_LENGTH else None
