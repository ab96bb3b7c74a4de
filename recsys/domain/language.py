"""Multilingual text as UiTdatabank stores it: a map from language code to text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

LANGUAGES: Final = ("nl", "fr", "de", "en")


@dataclass(frozen=True, slots=True)
class LanguageMap:
    """Text in several languages, one of which is the main language.

    Parameters
    ----------
    texts : Mapping[str, str]
        Text per ISO 639-1 code (``nl``, ``fr``, ``de``, ``en``).
    main : str
        The authoritative language; falls back to the first available one.

    """

    texts: Mapping[str, str] = field(default_factory=dict)
    main: str = "nl"

    def get(self, lang: str | None = None) -> str:
        """Return the text in ``lang``, else in the main language, else any.

        Parameters
        ----------
        lang : str, optional
            Preferred language.

        Returns
        -------
        str
            The best available text, or an empty string when there is none.

        """
        for candidate in (lang, self.main, *LANGUAGES):
            if candidate and self.texts.get(candidate):
                return self.texts[candidate]
        return next(iter(self.texts.values()), "")

    def __bool__(self) -> bool:
        return any(self.texts.values())

    @classmethod
    def single(cls, text: str, lang: str = "nl") -> LanguageMap:
        """Build a map holding one text in one language."""
        return cls({lang: text}, main=lang)
