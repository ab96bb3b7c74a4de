"""Event content as a sparse matrix: what an event is, who makes it, where, when and for whom.

The :class:`ContentEncoder` turns rows of the flat events table
(``recsys.stores.batches.EVENTS_TABLE_SCHEMA``) into one sparse row per event,
made of blocks:

================  ======  =====================================================================
block             weight  columns
================  ======  =====================================================================
``text``          1.0     TF-IDF of the stemmed name (counted ``name_repeat`` times) and
                          description, analysed in the event's main language (:mod:`.text`),
                          plus every nl/fr/en translation, each analysed in its own language
``type``          0.7     one-hot event type (publiq taxonomy; the discipline)
``theme``         0.5     the event's theme, plus the themes publiq suggests for its type as a
                          weak prior (together of norm ``suggested_theme_weight``)
``organizer``     0.6     one-hot organiser
``venue``         0.4     one-hot location (``location_id``)
``production``    1.0     one-hot production (one show, many dates and venues)
``region``        0.3     one-hot province or Brussels (:mod:`.regions`: postcode ranges)
``municipality``  0.3     one-hot municipality name (lower case)
``price``         0.3     price band (:data:`.bands.PRICE_BANDS`)
``age``           0.4     the age bands the typical age range overlaps (:data:`.bands.AGE_BANDS`)
``weekday``       0.2     local weekday of the first start, plus a weekend flag
``time_of_day``   0.2     local time of day of the first start
``calendar``      0.2     calendar type (single, multiple, periodic, permanent)
================  ======  =====================================================================

Each block is L2-normalised on its own and then multiplied by its weight, so
the dot product of two rows is ``sum(w_b**2 * cosine_b)``: the squared
weights say how much each kind of resemblance counts, and a block an event
lacks (no production, no date) neither helps nor dilutes the others. The
whole row is deliberately not re-normalised; models that want cosines
normalise themselves. The defaults make "the same show" (production) and
"the same words" (text) count most, then the discipline and the organiser;
place, price, age and time weigh least, because the ranking rows
(:mod:`features.ranking`) already carry distance, date and price exactly.

Vocabularies of the fixed blocks (taxonomy, regions, bands, weekdays) do not
depend on the data, and those of the learned blocks (text, organisers,
venues, productions, municipalities) are sorted, so the encoder is
deterministic. An event unseen at fit time still gets a row: unknown
organisers or words give zeros in their block, while type, theme, region,
price, age, time and calendar still describe it. That is the point: a
brand-new event has a content vector before anybody has interacted with it.
"""

from __future__ import annotations

import json
import math
import warnings
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Self

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from features.bands import AGE_BANDS, PRICE_BANDS, TIMES_OF_DAY, age_band_matrix, price_band, time_of_day
from features.local_time import is_weekend, local_weekday_hour
from features.regions import REGIONS, region_codes
from features.tables import float_column, municipality_keys, require_columns, string_column, time_column
from features.text import STEMMER_VERSION, analyze, normalise_language
from recsys.domain.errors import InvalidFieldError, RecsysError
from recsys.domain.events import WEEKDAYS, CalendarType
from recsys.domain.taxonomy import default_taxonomy
from recsys.models.base import NotFittedError
from recsys.stores.batches import TRANSLATION_COLUMNS, TRANSLATION_LANGUAGES

#: Every block, in column order.
BLOCKS: Final = (
    "text",
    "type",
    "theme",
    "organizer",
    "venue",
    "production",
    "region",
    "municipality",
    "price",
    "age",
    "weekday",
    "time_of_day",
    "calendar",
)

#: Default weight per block (see the module docstring for the reasoning).
DEFAULT_BLOCK_WEIGHTS: Final[Mapping[str, float]] = MappingProxyType(
    {
        "text": 1.0,
        "type": 0.7,
        "theme": 0.5,
        "organizer": 0.6,
        "venue": 0.4,
        "production": 1.0,
        "region": 0.3,
        "municipality": 0.3,
        "price": 0.3,
        "age": 0.4,
        "weekday": 0.2,
        "time_of_day": 0.2,
        "calendar": 0.2,
    }
)

#: Columns of the events table the encoder reads.
REQUIRED_COLUMNS: Final = (
    "event_id",
    "type_id",
    "theme_id",
    "organizer_id",
    "location_id",
    "production_id",
    "municipality",
    "postcode",
    "start",
    "calendar_type",
    "base_price",
    "is_free",
    "min_age",
    "max_age",
    "name",
    "description",
    "main_language",
)

#: Blocks whose vocabulary is learned from the events given to ``fit``.
LEARNED_BLOCKS: Final = ("text", "organizer", "venue", "production", "municipality")
#: Blocks one-hot encoding one column of the table, by column name.
_ONE_HOT_COLUMNS: Final = {
    "type": "type_id",
    "organizer": "organizer_id",
    "venue": "location_id",
    "production": "production_id",
    "calendar": "calendar_type",
}

STATE_JSON: Final = "content_encoder.json"
STATE_NPZ: Final = "content_encoder.npz"
FORMAT: Final = "uit-recsys/content-encoder"
FORMAT_VERSION: Final = 1


#: Sparse coordinates ``rows, cols, data`` of one block.
_Coords = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]


class EncoderFormatError(RecsysError, ValueError):
    """A saved content encoder is missing, damaged or written by an incompatible version."""


def _fixed_vocabularies() -> dict[str, list[str]]:
    taxonomy = default_taxonomy()
    return {
        "type": sorted(t.id for t in taxonomy.event_types()),
        "theme": sorted(t.id for t in taxonomy.themes()),
        "region": list(REGIONS),
        "price": list(PRICE_BANDS),
        "age": [name for name, _, _ in AGE_BANDS],
        "weekday": [*WEEKDAYS, "weekend"],
        "time_of_day": [name for name, _, _ in TIMES_OF_DAY],
        "calendar": sorted(c.value for c in CalendarType),
    }


class ContentEncoder:
    """Encode events as sparse content vectors (see the module docstring for the blocks).

    Parameters
    ----------
    max_text_features : int
        Keep at most this many text terms (the most frequent over the corpus).
    min_df : int
        Drop terms found in fewer events than this.
    max_df : float
        Drop terms found in more than this share of events (boilerplate).
    name_repeat : int
        Count the words of the name this many times: the title says more than the blurb.
    suggested_theme_weight : float
        Norm of the prior spread over the themes publiq suggests for the
        event's type (the event's own theme weighs 1).
    block_weights : Mapping[str, float], optional
        Weights overriding :data:`DEFAULT_BLOCK_WEIGHTS` for the named blocks;
        a weight of 0 leaves the block out.
    translations : bool
        Also analyse the event's name and description in every other language
        it has of nl, fr and en, each in its own language, into the same text
        block; the table then needs the per-language columns
        (:data:`recsys.stores.batches.TRANSLATION_COLUMNS`). An encoder saved
        before this option existed loads with it off, so it encodes as it was
        fitted.

    Attributes
    ----------
    vocabularies_ : dict of str to list of str
        Column labels per block (learned and fixed), in column order.
    idf_ : ndarray of float64
        Inverse document frequency of each text term.
    n_events_ : int
        Number of events seen by ``fit``.

    Examples
    --------
    >>> encoder = ContentEncoder(min_df=1).fit(events)       # doctest: +SKIP
    >>> matrix = encoder.transform(new_events)               # doctest: +SKIP

    """

    vocabularies_: dict[str, list[str]]
    idf_: npt.NDArray[np.float64]
    n_events_: int

    def __init__(
        self,
        max_text_features: int = 20_000,
        min_df: int = 2,
        max_df: float = 0.5,
        name_repeat: int = 2,
        suggested_theme_weight: float = 0.3,
        block_weights: Mapping[str, float] | None = None,
        translations: bool = True,
    ) -> None:
        self.max_text_features = max_text_features
        self.min_df = min_df
        self.max_df = max_df
        self.name_repeat = name_repeat
        self.suggested_theme_weight = suggested_theme_weight
        self.block_weights = dict(block_weights) if block_weights is not None else None
        self.translations = translations
        self._validate_params()
        self._value_sets: dict[str, pa.Array] = {}
        self._term_index: dict[str, int] | None = None

    # -- parameters -----------------------------------------------------------------------

    def _validate_params(self) -> None:
        if isinstance(self.max_text_features, bool) or not isinstance(self.max_text_features, int):
            raise InvalidFieldError("max_text_features", f"must be an integer, got {self.max_text_features!r}")
        if self.max_text_features < 0:
            raise InvalidFieldError("max_text_features", f"must be at least 0, got {self.max_text_features}")
        if isinstance(self.min_df, bool) or not isinstance(self.min_df, int) or self.min_df < 1:
            raise InvalidFieldError("min_df", f"must be an integer of at least 1, got {self.min_df!r}")
        if not (isinstance(self.max_df, int | float) and 0.0 < float(self.max_df) <= 1.0):
            raise InvalidFieldError("max_df", f"must be a share in (0, 1], got {self.max_df!r}")
        if isinstance(self.name_repeat, bool) or not isinstance(self.name_repeat, int) or self.name_repeat < 0:
            raise InvalidFieldError("name_repeat", f"must be an integer of at least 0, got {self.name_repeat!r}")
        if not (math.isfinite(self.suggested_theme_weight) and self.suggested_theme_weight >= 0.0):
            raise InvalidFieldError(
                "suggested_theme_weight", f"must be finite and at least 0, got {self.suggested_theme_weight!r}"
            )
        if not isinstance(self.translations, bool):
            raise InvalidFieldError("translations", f"must be true or false, got {self.translations!r}")
        for block, weight in (self.block_weights or {}).items():
            if block not in BLOCKS:
                raise InvalidFieldError("block_weights", f"unknown block {block!r}; blocks are {list(BLOCKS)}")
            if not (isinstance(weight, int | float) and math.isfinite(weight) and weight >= 0.0):
                raise InvalidFieldError(f"block_weights.{block}", f"must be finite and at least 0, got {weight!r}")

    def get_params(self) -> dict[str, Any]:
        """Return the parameters given to ``__init__``."""
        return {
            "max_text_features": self.max_text_features,
            "min_df": self.min_df,
            "max_df": self.max_df,
            "name_repeat": self.name_repeat,
            "suggested_theme_weight": self.suggested_theme_weight,
            "block_weights": None if self.block_weights is None else dict(self.block_weights),
            "translations": self.translations,
        }

    @property
    def weights(self) -> dict[str, float]:
        """The weight of every block (defaults merged with ``block_weights``)."""
        merged = dict(DEFAULT_BLOCK_WEIGHTS)
        merged.update(self.block_weights or {})
        return {block: float(merged[block]) for block in BLOCKS}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"ContentEncoder({args})"

    # -- fitting --------------------------------------------------------------------------

    @property
    def is_fitted(self) -> bool:
        """True once ``fit`` or ``load`` has run."""
        return hasattr(self, "vocabularies_")

    def _require_fitted(self) -> None:
        if not self.is_fitted:
            raise NotFittedError("ContentEncoder is not fitted; call fit() or load() first")

    def fit(self, events: pa.Table) -> Self:
        """Learn the text vocabulary with its IDF and the organiser, venue, production and municipality lists.

        Parameters
        ----------
        events : pyarrow.Table
            Events with the columns of :data:`REQUIRED_COLUMNS` (``EVENTS_TABLE_SCHEMA`` has them all).

        Returns
        -------
        ContentEncoder
            ``self``.

        """
        self._require_columns(events)
        n = events.num_rows
        documents = self._documents(events)
        df: Counter[str] = Counter()
        total: Counter[str] = Counter()
        for doc in documents:
            df.update(set(doc))
            total.update(doc)
        max_count = self.max_df * n
        eligible = [t for t, d in df.items() if self.min_df <= d <= max_count]
        # Most frequent first, ties by term, so the cut is deterministic; then alphabetical columns.
        eligible.sort(key=lambda t: (-total[t], t))
        terms = sorted(eligible[: self.max_text_features])
        vocabularies = _fixed_vocabularies()
        vocabularies["text"] = terms
        for block in ("organizer", "venue", "production"):
            vocabularies[block] = _distinct_sorted(events.column(_ONE_HOT_COLUMNS[block]))
        vocabularies["municipality"] = _distinct_sorted(municipality_keys(events))
        self.vocabularies_ = {block: vocabularies[block] for block in BLOCKS}
        self._value_sets, self._term_index = {}, None
        # Smoothed IDF (as scikit-learn's): never zero, so a term in every event still counts a little.
        self.idf_ = np.log((1.0 + n) / (1.0 + np.array([df[t] for t in terms], dtype=np.float64))) + 1.0
        self.n_events_ = n
        return self

    def fit_transform(self, events: pa.Table) -> sp.csr_matrix:
        """``fit(events)`` then ``transform(events)``."""
        return self.fit(events).transform(events)

    # -- encoding -------------------------------------------------------------------------

    def transform(self, events: pa.Table) -> sp.csr_matrix:
        """Encode ``events``, one row each, in table order.

        Parameters
        ----------
        events : pyarrow.Table
            Events with the columns of :data:`REQUIRED_COLUMNS`; they need not have been seen by ``fit``.

        Returns
        -------
        scipy.sparse.csr_matrix
            ``len(events) x len(feature_names())``, float32.

        Raises
        ------
        NotFittedError
            Before ``fit`` or ``load``.
        InvalidFieldError
            When a required column is missing.

        """
        self._require_fitted()
        self._require_columns(events)
        weights = self.weights
        n = events.num_rows
        # Every block as coordinates; one CSR at the end (scipy objects per block cost more than the work).
        rows, cols, data = [], [], []
        offset = 0
        weekday, hour = local_weekday_hour(time_column(events, "start"))
        for block in BLOCKS:
            if weights[block] <= 0.0:
                continue
            r, c, d = self._encode_block(block, events, weekday, hour)
            rows.append(r)
            cols.append(c + offset)
            data.append(_unit_rows(r, d, n) * weights[block])
            offset += len(self.vocabularies_[block])
        matrix = sp.csr_matrix(
            (
                np.concatenate([np.zeros(0), *data]),
                (np.concatenate([np.zeros(0, np.int64), *rows]), np.concatenate([np.zeros(0, np.int64), *cols])),
            ),
            shape=(n, offset),
            dtype=np.float32,
        )
        matrix.sum_duplicates()
        return matrix

    def feature_names(self) -> list[str]:
        """Return a label per column: ``<block>:<value>`` (``text:voorstel``, ``price:free``)."""
        self._require_fitted()
        weights = self.weights
        return [f"{block}:{v}" for block in BLOCKS if weights[block] > 0.0 for v in self.vocabularies_[block]]

    def block_slices(self) -> dict[str, slice]:
        """Return the columns of each block that is in the output."""
        self._require_fitted()
        weights = self.weights
        slices, start = {}, 0
        for block in BLOCKS:
            if weights[block] > 0.0:
                width = len(self.vocabularies_[block])
                slices[block] = slice(start, start + width)
                start += width
        return slices

    def _require_columns(self, events: pa.Table) -> None:
        require_columns(events, (*REQUIRED_COLUMNS, *(TRANSLATION_COLUMNS if self.translations else ())))

    def _documents(self, events: pa.Table) -> list[list[str]]:
        """The terms of each event: its main-language text, then each other nl/fr/en translation in its language."""
        names = string_column(events, "name")
        descriptions = string_column(events, "description")
        languages = string_column(events, "main_language")
        documents = [
            analyze(name, lang) * self.name_repeat + analyze(description, lang)
            for name, description, lang in zip(names, descriptions, languages, strict=True)
        ]
        if not self.translations:
            return documents
        mains = [normalise_language(lang) for lang in languages]
        for lang in TRANSLATION_LANGUAGES:
            own_names = string_column(events, f"name_{lang}")
            own_descriptions = string_column(events, f"description_{lang}")
            for i, (name, description) in enumerate(zip(own_names, own_descriptions, strict=True)):
                if mains[i] == lang:
                    continue  # the main text, analysed above
                # A text equal to the main one is the main text standing in (LanguageMap.get falls back): once is enough.
                if name and name != names[i]:
                    documents[i] += analyze(name, lang) * self.name_repeat
                if description and description != descriptions[i]:
                    documents[i] += analyze(description, lang)
        return documents

    def _value_set(self, block: str) -> pa.Array:
        # Built once per fitted encoder: serving encodes one fresh event at a time.
        found = self._value_sets.get(block)
        if found is None:
            found = self._value_sets[block] = pa.array(self.vocabularies_[block], pa.string())
        return found

    def _encode_block(
        self, block: str, events: pa.Table, weekday: npt.NDArray[np.int8], hour: npt.NDArray[np.float64]
    ) -> _Coords:
        """Raw (not yet normalised) coordinates ``rows, cols, data`` of one block."""
        if block == "text":
            return self._encode_text(events)
        if block == "theme":
            return self._encode_themes(events)
        if block in _ONE_HOT_COLUMNS:
            return _one_hot(_lookup(events.column(_ONE_HOT_COLUMNS[block]), self._value_set(block)))
        if block == "municipality":
            return _one_hot(_lookup(municipality_keys(events), self._value_set(block)))
        if block == "region":
            return _one_hot(region_codes(events.column("postcode"), events.column("municipality")))
        if block == "price":
            return _one_hot(price_band(float_column(events, "base_price"), float_column(events, "is_free")))
        if block == "age":
            bands = age_band_matrix(float_column(events, "min_age"), float_column(events, "max_age"))
            r, c = np.nonzero(bands)
            return r.astype(np.int64), c.astype(np.int64), np.ones(len(r))
        if block == "weekday":
            # One column per weekday, and a last one for "weekend" (Friday evening included).
            day_r, day_c, _ = _one_hot(weekday)
            end_r = np.flatnonzero(is_weekend(weekday, hour))
            end_c = np.full(len(end_r), len(WEEKDAYS), dtype=np.int64)
            return np.concatenate([day_r, end_r]), np.concatenate([day_c, end_c]), np.ones(len(day_r) + len(end_r))
        if block == "time_of_day":
            return _one_hot(time_of_day(hour))
        raise AssertionError(f"no encoding for block {block!r}")  # pragma: no cover

    def _encode_text(self, events: pa.Table) -> _Coords:
        column = self._term_index
        if column is None:
            column = self._term_index = {term: i for i, term in enumerate(self.vocabularies_["text"])}
        rows: list[int] = []
        cols: list[int] = []
        counts: list[int] = []
        for r, doc in enumerate(self._documents(events)):
            found = Counter(column[t] for t in doc if t in column)
            rows.extend([r] * len(found))
            cols.extend(found.keys())
            counts.extend(found.values())
        col_array = np.asarray(cols, dtype=np.int64)
        # Sublinear term frequency: the fifth mention of a word adds less than the first.
        tf = 1.0 + np.log(np.asarray(counts, dtype=np.float64))
        return np.asarray(rows, dtype=np.int64), col_array, tf * self.idf_[col_array]

    def _encode_themes(self, events: pa.Table) -> _Coords:
        own = _lookup(events.column("theme_id"), self._value_set("theme"))
        position = {t: i for i, t in enumerate(self.vocabularies_["theme"])}
        taxonomy = default_taxonomy()
        rows: list[int] = []
        cols: list[int] = []
        data: list[float] = []
        prior_cache: dict[str | None, list[int]] = {}
        for r, type_id in enumerate(string_column(events, "type_id")):
            prior = prior_cache.get(type_id)
            if prior is None:
                term = taxonomy.get(type_id) if type_id else None
                prior = prior_cache[type_id] = [position[t] for t in (term.suggested if term else ()) if t in position]
            # The prior has norm ``suggested_theme_weight`` however many themes the type suggests.
            share = self.suggested_theme_weight / math.sqrt(len(prior)) if prior else 0.0
            for c in prior:
                if c != own[r] and share > 0.0:
                    rows.append(r)
                    cols.append(c)
                    data.append(share)
            if own[r] >= 0:
                rows.append(r)
                cols.append(int(own[r]))
                data.append(1.0)
        return np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64), np.asarray(data, dtype=np.float64)

    # -- persistence ----------------------------------------------------------------------

    def save(self, folder: str | Path) -> Path:
        """Write the fitted encoder to ``folder`` as JSON (parameters, vocabularies) and ``.npz`` (IDF).

        Returns
        -------
        Path
            The folder.

        """
        self._require_fitted()
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        state = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "params": self.get_params(),
            "stemmer": {"package": "snowballstemmer", "version": STEMMER_VERSION},
            "n_events": self.n_events_,
            "vocabularies": self.vocabularies_,
        }
        (path / STATE_JSON).write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")
        np.savez(path / STATE_NPZ, idf=self.idf_)
        return path

    @classmethod
    def load(cls, folder: str | Path) -> ContentEncoder:
        """Read an encoder written by :meth:`save`.

        Raises
        ------
        EncoderFormatError
            When a file is missing or damaged, the format is unknown, or the
            fixed vocabularies (taxonomy, regions, bands) differ from this
            version's, which would silently shift columns.

        """
        path = Path(folder)
        try:
            state = json.loads((path / STATE_JSON).read_text(encoding="utf-8"))
            with np.load(path / STATE_NPZ, allow_pickle=False) as arrays:
                idf = np.asarray(arrays["idf"], dtype=np.float64)
        except (OSError, ValueError, KeyError) as exc:
            raise EncoderFormatError(f"cannot read a content encoder from {path}: {exc}") from exc
        if not isinstance(state, dict) or state.get("format") != FORMAT or state.get("version") != FORMAT_VERSION:
            raise EncoderFormatError(f"{path / STATE_JSON} is not a {FORMAT} version {FORMAT_VERSION} file")
        try:
            # Saved before translations were analysed: keep encoding as it was fitted.
            encoder = cls(**{"translations": False, **state["params"]})
            vocabularies = {block: [str(v) for v in state["vocabularies"][block]] for block in BLOCKS}
            n_events = int(state["n_events"])
        except (KeyError, TypeError, InvalidFieldError) as exc:
            raise EncoderFormatError(f"{path / STATE_JSON} is damaged: {exc}") from exc
        for block, fixed in _fixed_vocabularies().items():
            if vocabularies[block] != fixed:
                raise EncoderFormatError(
                    f"{path / STATE_JSON}: the {block!r} columns differ from this version's; refit the encoder"
                )
        if idf.shape != (len(vocabularies["text"]),) or not np.all(np.isfinite(idf)):
            raise EncoderFormatError(f"{path / STATE_NPZ}: idf does not match the {len(vocabularies['text'])} terms")
        saved_stemmer = state.get("stemmer", {}).get("version")
        if saved_stemmer != STEMMER_VERSION:
            warnings.warn(
                f"content encoder saved with snowballstemmer {saved_stemmer}, running {STEMMER_VERSION}; "
                "a few words may stem differently",
                RuntimeWarning,
                stacklevel=2,
            )
        encoder.vocabularies_ = vocabularies
        encoder.idf_ = idf
        encoder.n_events_ = n_events
        return encoder


# -- helpers ------------------------------------------------------------------------------------


def _distinct_sorted(column: pa.ChunkedArray | pa.Array) -> list[str]:
    values = pc.unique(pc.drop_null(column))
    return [str(v) for v in pc.take(values, pc.sort_indices(values)).to_pylist() if v]


def _lookup(column: pa.ChunkedArray | pa.Array, value_set: pa.Array) -> npt.NDArray[np.int64]:
    """Position of each value in ``value_set`` (``-1`` for nulls and unknown values)."""
    found = pc.index_in(column, value_set=value_set)
    return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _one_hot(codes: npt.NDArray[np.integer[Any]]) -> _Coords:
    """Coordinates of a single 1 per row at ``codes`` (nothing where the code is negative)."""
    rows = np.flatnonzero(codes >= 0)
    return rows, np.asarray(codes, dtype=np.int64)[rows], np.ones(len(rows), dtype=np.float64)


def _unit_rows(rows: npt.NDArray[np.int64], data: npt.NDArray[np.float64], n: int) -> npt.NDArray[np.float64]:
    """Scale the entries of every row to unit L2 norm (rows given as coordinates)."""
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=n))
    return data / norms[rows] if len(rows) else data
