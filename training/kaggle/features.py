"""Ranking features for (user, event) pairs of the challenge, without its side tables.

Every pair a user was shown in ``train.csv`` or ``test.csv`` becomes one row
(a user shown the same event twice gets one row: a submission lists each
candidate once). Two kinds of features:

- **label-free** (:func:`build_pairs`): the invitation, where the impression
  sits among the user's own impressions in time and in the file, how many
  users of train *and* test were shown the event and when, the user's
  attributes from ``users.csv``, and how many users shown the same event share
  the user's location, locale or time zone. They read no label, so they are
  computed once over both files, as they would be for a real submission.
- **label-derived** (:func:`label_features`): how many users marked the event
  interested or not interested. They are computed from a *source* set of
  labelled rows given by the caller and never from the rows being described:
  :func:`out_of_fold_label_features` gives each training row counts from the
  other inner folds' users only, and held-out or test rows get counts from the
  training rows only, so no row ever sees its own user's labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from training.kaggle.data import KaggleFrames

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Ages are taken when the competition ran (late 2012).
REFERENCE_YEAR: Final = 2012
#: Locales with fewer users than this share one "other" code.
MIN_LOCALE_USERS: Final = 30
#: Pseudo-count of the smoothed interest and dismissal rates.
RATE_PRIOR_WEIGHT: Final = 2.0

#: The label-free feature columns, in matrix order.
LABEL_FREE_FEATURES: Final = (
    "invited",
    "times_shown",
    "user_candidates",
    "user_timestamps",
    "user_invitations",
    "timestamp_rank",
    "timestamp_rank_from_last",
    "timestamp_rank_share",
    "is_latest",
    "hours_since_user_first",
    "hours_to_user_last",
    "batch_size",
    "position",
    "position_share",
    "position_in_batch",
    "event_users",
    "event_train_users",
    "event_test_users",
    "event_invitations",
    "event_impressions",
    "event_hours_since_first",
    "event_hours_to_last",
    "event_span_hours",
    "event_latest_share",
    "event_multi_timestamp_share",
    "event_mean_batch_size",
    "event_mean_rank_share",
    "age",
    "gender",
    "locale",
    "timezone",
    "hours_since_joined",
    "event_same_location",
    "event_same_location_share",
    "event_same_country",
    "event_same_country_share",
    "event_same_locale",
    "event_same_locale_share",
    "event_same_language",
    "event_same_timezone",
    "event_same_timezone_share",
    "event_mean_age",
    "age_gap",
)

#: The label-derived feature columns, in matrix order.
LABEL_FEATURES: Final = (
    "event_interested",
    "event_not_interested",
    "event_labelled_users",
    "event_interest_rate",
    "event_dismiss_rate",
    "event_interested_same_location",
)


@dataclass(frozen=True, slots=True)
class PairTable:
    """One row per (user, event) pair of train and test, with label-free features.

    Parameters
    ----------
    user, event : ndarray of int64
        External ids.
    order : ndarray of int64
        First file line of the pair (train lines first, then test lines); the
        tie-breaker that keeps rankings deterministic.
    is_train : ndarray of bool
        Whether the pair comes from ``train.csv``.
    interested, not_interested : ndarray of int8
        The labels (any of the pair's rows; 0 for test pairs).
    single_timestamp : ndarray of bool
        Whether all of the user's impressions share one timestamp (the kind of
        user the competition scored, after its timestamp leak).
    event_code, location_code : ndarray of int64
        Dense codes of the event and of the user's location text (-1 when empty).
    features : ndarray of float64, shape (n_pairs, len(LABEL_FREE_FEATURES))
        Label-free features; NaN where unknown.

    """

    user: IntArray
    event: IntArray
    order: IntArray
    is_train: BoolArray
    interested: npt.NDArray[np.int8]
    not_interested: npt.NDArray[np.int8]
    single_timestamp: BoolArray
    event_code: IntArray
    location_code: IntArray
    features: FloatArray

    def __len__(self) -> int:
        return len(self.user)

    @property
    def n_events(self) -> int:
        """Number of distinct events."""
        return int(self.event_code.max()) + 1 if len(self.event_code) else 0


def _impressions(frames: KaggleFrames) -> pl.DataFrame:
    """Train and test rows in one frame, in file order, with hours since the epoch."""
    train = frames.train.with_columns(is_train=pl.lit(True))
    test = frames.test.with_columns(
        interested=pl.lit(0, pl.Int8), not_interested=pl.lit(0, pl.Int8), is_train=pl.lit(False)
    )
    rows = pl.concat([train, test.select(train.columns)]).with_row_index("line")
    return rows.with_columns(hours=pl.col("timestamp").dt.epoch("ms").cast(pl.Float64) / 3_600_000.0)


def _user_attributes(users: pl.DataFrame) -> pl.DataFrame:
    year = pl.col("birthyear").cast(pl.Int64, strict=False)
    age = (REFERENCE_YEAR - year).cast(pl.Float64)
    location = pl.col("location").fill_null("").str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars()
    return users.select(
        user="user_id",
        # The site's birth years include placeholders; keep plausible ages only.
        age=pl.when(age.is_between(5, 100)).then(age),
        gender=pl.when(pl.col("gender") == "male")
        .then(1.0)
        .when(pl.col("gender") == "female")
        .then(0.0)
        .otherwise(None),
        joined=pl.col("joinedAt").str.to_datetime("%Y-%m-%dT%H:%M:%S%.fZ", strict=False, time_zone="UTC"),
        location=pl.when(location != "").then(location),
        # "City  Country" (two spaces) in the raw text: the last part is the country or state.
        country=pl.col("location").str.split("  ").list.last().str.strip_chars().str.to_lowercase(),
        locale_text=pl.col("locale"),
        language=pl.col("locale").str.slice(0, 2),
        timezone=pl.col("timezone").cast(pl.Float64, strict=False),
    ).with_columns(
        pl.when(pl.col("country") != "").then(pl.col("country")).alias("country"),
        joined=pl.col("joined").dt.epoch("ms").cast(pl.Float64) / 3_600_000.0,
    )


def _same_group(key: str, name: str) -> list[pl.Expr]:
    """How many other users shown the event share ``key`` with this user, and their share."""
    same = pl.when(pl.col(key).is_not_null()).then(pl.len().over("event", key) - 1).cast(pl.Float64)
    others = (pl.len().over("event") - 1).clip(lower_bound=1).cast(pl.Float64)
    return [same.alias(f"event_same_{name}"), (same / others).alias(f"event_same_{name}_share")]


def build_pairs(frames: KaggleFrames) -> PairTable:
    """Aggregate impressions to (user, event) pairs and compute the label-free features.

    Parameters
    ----------
    frames : KaggleFrames
        The checked files.

    Returns
    -------
    PairTable
        Train pairs first, then test pairs, each in order of first appearance.

    """
    pairs = (
        _impressions(frames)
        # A pair is train or test: test candidates stay candidates even if also shown in train.
        .group_by("user", "event", "is_train", maintain_order=True)
        .agg(
            invited=pl.col("invited").max().cast(pl.Float64),
            hours=pl.col("hours").min(),
            times_shown=pl.len().cast(pl.Float64),
            interested=pl.col("interested").max(),
            not_interested=pl.col("not_interested").max(),
            line=pl.col("line").min().cast(pl.Int64),
        )
        .sort("line")
    )
    hours = pl.col("hours")
    pairs = pairs.with_columns(
        user_candidates=pl.len().over("user"),
        user_timestamps=hours.n_unique().over("user"),
        user_invitations=pl.col("invited").sum().over("user"),
        timestamp_rank=hours.rank("dense").over("user"),
        timestamp_rank_from_last=(-hours).rank("dense").over("user"),
        hours_since_user_first=hours - hours.min().over("user"),
        hours_to_user_last=hours.max().over("user") - hours,
        batch_size=pl.len().over("user", "hours"),
        position=pl.col("line").rank("ordinal").over("user"),
        position_in_batch=pl.col("line").rank("ordinal").over("user", "hours"),
        event_users=pl.len().over("event"),
        event_train_users=pl.col("is_train").sum().over("event"),
        event_invitations=pl.col("invited").sum().over("event"),
        event_impressions=pl.col("times_shown").sum().over("event"),
        event_hours_since_first=hours - hours.min().over("event"),
        event_hours_to_last=hours.max().over("event") - hours,
        event_span_hours=hours.max().over("event") - hours.min().over("event"),
    ).with_columns(
        event_test_users=pl.col("event_users") - pl.col("event_train_users"),
        timestamp_rank_share=pl.col("timestamp_rank") / pl.col("user_timestamps"),
        is_latest=(pl.col("timestamp_rank_from_last") == 1).cast(pl.Float64),
        position_share=pl.col("position") / pl.col("user_candidates"),
        single_timestamp=pl.col("user_timestamps") == 1,
    )
    pairs = pairs.with_columns(
        event_latest_share=pl.col("is_latest").mean().over("event"),
        event_multi_timestamp_share=(~pl.col("single_timestamp")).mean().over("event"),
        event_mean_batch_size=pl.col("batch_size").mean().over("event"),
        event_mean_rank_share=pl.col("timestamp_rank_share").mean().over("event"),
    )
    attributes = _user_attributes(frames.users)
    frequent = (
        attributes.get_column("locale_text")
        .drop_nulls()
        .value_counts()
        .sort(["count", "locale_text"], descending=[True, False])
        .filter(pl.col("count") >= MIN_LOCALE_USERS)
    )
    locale_codes = {name: float(code) for code, name in enumerate(frequent.get_column("locale_text").to_list())}
    pairs = pairs.join(attributes, on="user", how="left", maintain_order="left").with_columns(
        locale=pl.col("locale_text").replace_strict(
            locale_codes, default=float(len(locale_codes)), return_dtype=pl.Float64
        ),
        hours_since_joined=pl.col("hours") - pl.col("joined"),
        event_mean_age=pl.col("age").mean().over("event"),
        age_gap=(pl.col("age") - pl.col("age").mean().over("event")).abs(),
    )
    # (column, feature name): users shown the same event who share the user's place or language.
    groups = (
        ("location", "location"),
        ("country", "country"),
        ("locale_text", "locale"),
        ("language", "language"),
        ("timezone", "timezone"),
    )
    pairs = pairs.with_columns([expr for key, name in groups for expr in _same_group(key, name)])
    matrix = pairs.select(pl.col(name).cast(pl.Float64) for name in LABEL_FREE_FEATURES).to_numpy()
    codes = pairs.select(
        event_code=pl.col("event").rank("dense").cast(pl.Int64) - 1,
        location_code=(pl.col("location").rank("dense").cast(pl.Int64) - 1).fill_null(-1),
    )
    return PairTable(
        user=pairs.get_column("user").to_numpy().astype(np.int64),
        event=pairs.get_column("event").to_numpy().astype(np.int64),
        order=pairs.get_column("line").to_numpy().astype(np.int64),
        is_train=pairs.get_column("is_train").to_numpy().astype(bool),
        interested=pairs.get_column("interested").to_numpy().astype(np.int8),
        not_interested=pairs.get_column("not_interested").to_numpy().astype(np.int8),
        single_timestamp=pairs.get_column("single_timestamp").to_numpy().astype(bool),
        event_code=codes.get_column("event_code").to_numpy().astype(np.int64),
        location_code=codes.get_column("location_code").to_numpy().astype(np.int64),
        features=np.ascontiguousarray(matrix, dtype=np.float64),
    )


def label_features(table: PairTable, source: BoolArray, rows: IntArray) -> FloatArray:
    """Label-derived event counts for ``rows``, from the labelled pairs marked in ``source``.

    Parameters
    ----------
    table : PairTable
        All pairs.
    source : ndarray of bool
        Mask over the pairs whose labels may be counted. It must not include
        the users of ``rows`` (the callers in this package guarantee it).
    rows : ndarray of int64
        Indices of the pairs to describe.

    Returns
    -------
    ndarray of float64, shape (len(rows), len(LABEL_FEATURES))
        Interested and not-interested counts of the event among the source
        users, how many source users were shown it, the smoothed interest and
        dismissal rates, and interested source users sharing the row's location.

    """
    source = source & table.is_train
    n_events = table.n_events
    codes = table.event_code[source]
    interested = np.bincount(codes, weights=table.interested[source], minlength=n_events)
    dismissed = np.bincount(codes, weights=table.not_interested[source], minlength=n_events)
    shown = np.bincount(codes, minlength=n_events).astype(np.float64)
    prior = float(table.interested[source].mean()) if source.any() else 0.0
    event = table.event_code[rows]
    rate = (interested[event] + RATE_PRIOR_WEIGHT * prior) / (shown[event] + RATE_PRIOR_WEIGHT)
    dismiss_rate = dismissed[event] / (shown[event] + RATE_PRIOR_WEIGHT)
    return np.column_stack(
        [
            interested[event],
            dismissed[event],
            shown[event],
            rate,
            dismiss_rate,
            _interested_same_location(table, source, rows),
        ]
    ).astype(np.float64)


def _interested_same_location(table: PairTable, source: BoolArray, rows: IntArray) -> FloatArray:
    """Interested source pairs of the same event whose user shares the row's (known) location."""
    n_locations = int(table.location_code.max()) + 2
    keys = table.event_code * n_locations + table.location_code + 1
    hit = source & (table.interested == 1) & (table.location_code >= 0)
    found, counts = np.unique(keys[hit], return_counts=True)
    wanted = keys[rows]
    at = np.clip(np.searchsorted(found, wanted), 0, max(len(found) - 1, 0))
    matched = (
        (found[at] == wanted) & (table.location_code[rows] >= 0) if len(found) else np.zeros(len(rows), dtype=bool)
    )
    return np.where(matched, counts[at] if len(found) else 0, 0).astype(np.float64)


def user_groups(users: IntArray, n_groups: int, seed: int) -> IntArray:
    """Assign each row to one of ``n_groups`` by its user, at random but reproducibly.

    Users are shuffled with ``seed`` and dealt round-robin, so group sizes
    differ by at most one user; every row of a user lands in the same group.
    """
    unique = np.unique(users)
    shuffled = np.random.default_rng(seed).permutation(unique)
    group_of = np.empty(len(unique), dtype=np.int64)
    group_of[np.searchsorted(unique, shuffled)] = np.arange(len(unique)) % n_groups
    return group_of[np.searchsorted(unique, users)]


def out_of_fold_label_features(table: PairTable, rows: IntArray, n_folds: int, seed: int) -> FloatArray:
    """Label-derived features for training ``rows``, each from the *other* inner folds' users.

    The rows' users are split into ``n_folds`` groups; a row's counts come
    from the labelled rows of the other groups among ``rows``, never from its
    own user, so the model learns on counts made the way they are made for a
    held-out or test user.
    """
    groups = user_groups(table.user[rows], n_folds, seed)
    out = np.zeros((len(rows), len(LABEL_FEATURES)), dtype=np.float64)
    for group in range(n_folds):
        source = np.zeros(len(table), dtype=bool)
        source[rows[groups != group]] = True
        out[groups == group] = label_features(table, source, rows[groups == group])
    return out
