"""The one contract every recommendation model implements.

In the spirit of scikit-learn: hyperparameters in ``__init__`` (stored as
attributes of the same name), ``fit`` returns ``self``, learned attributes end
in ``_``. Public methods speak external ids and validate them; subclasses
implement the underscore methods on internal indices (``*_idx``). Models save
to a folder of ``.npz`` arrays and JSON, never pickle.

Events a collaborative model has no evidence about get the score ``-inf``:
"cannot rank" rather than a made-up number; :meth:`Recommender.recommend`
never returns them.
"""

from __future__ import annotations

import inspect
import json
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Self, cast

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import scipy.sparse as sp

from recsys.domain.errors import InvalidFieldError, RecsysError
from recsys.models.data import TrainingData
from recsys.vocabulary import IdVocabulary

Scores = npt.NDArray[np.float32]
STATE_FILE = "state.npz"
PARAMS_FILE = "params.json"


class NotFittedError(RecsysError):
    """A model was used before ``fit``."""


class ColdUserError(RecsysError):
    """A model cannot score a user it has not seen and who brings no history."""


@dataclass(frozen=True, slots=True)
class Reason:
    """Why an event was recommended.

    Parameters
    ----------
    kind : str
        ``popular``, ``trending``, ``collaborative``, ``similar``, ``content`` or ``cold-start``.
    event_id : str or None
        The event in the person's history this one is like (``Omdat je ... bekeek``).
    detail : Mapping[str, str]
        Anything else worth saying (region, discipline).

    """

    kind: str
    event_id: str | None = None
    detail: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Recommendation:
    """One recommended event with its score and reason."""

    event_id: str
    score: float
    reason: Reason


def check_positive(name: str, value: float, *, integer: bool = False) -> None:
    """Refuse a hyperparameter that must be a positive number (checked at ``fit``, as scikit-learn does).

    Raises
    ------
    InvalidFieldError
        When ``value`` is not positive, or not an integer where one is needed.

    """
    if integer and (not isinstance(value, int | np.integer) or isinstance(value, bool)):
        raise InvalidFieldError(name, f"must be a positive integer, got {value!r}")
    if not value > 0:
        raise InvalidFieldError(name, f"must be positive, got {value!r}")


class Recommender(ABC):
    """Base class of all models.

    Subclasses set ``name`` (the registry key), implement :meth:`_fit`,
    :meth:`_score_users`, :meth:`_state` and :meth:`_restore`, and optionally
    :meth:`_score_history` (fold-in), :meth:`_similar_scores` (then set
    ``supports_similar``) and :meth:`_explain`.

    Attributes
    ----------
    users_, events_ : IdVocabulary
        The vocabularies the model was fitted on.
    seen_ : scipy.sparse.csr_matrix
        Users x events training weights (float32, negative = dismissals); a
        stored entry means the user already interacted with the event.

    """

    name: ClassVar[str]
    reason_kind: ClassVar[str] = "collaborative"
    #: Whether :meth:`similar` works (the training job publishes "similar events" lists only for these).
    supports_similar: ClassVar[bool] = False
    registry: ClassVar[dict[str, type[Recommender]]] = {}

    users_: IdVocabulary
    events_: IdVocabulary
    seen_: sp.csr_matrix

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not inspect.isabstract(cls) and getattr(cls, "name", None):
            Recommender.registry[cls.name] = cls

    # -- parameters -----------------------------------------------------------------------

    def get_params(self) -> dict[str, Any]:
        """Return the hyperparameters given to ``__init__``."""
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names}

    def set_params(self, **params: Any) -> Self:
        """Change hyperparameters (before the next ``fit``)."""
        allowed = self.get_params()
        for key, value in params.items():
            if key not in allowed:
                raise InvalidFieldError(
                    key, f"{type(self).__name__} has no parameter {key!r}; it has {sorted(allowed)}"
                )
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # -- fitting --------------------------------------------------------------------------

    def fit(self, data: TrainingData) -> Self:
        """Learn from ``data`` and return ``self``; a failed fit leaves the model unfitted."""
        self.users_ = data.users
        self.events_ = data.events
        # What each user already interacted with (excluded from their lists by default), with
        # its weight so that fold-in and explanations see the training history as it was.
        seen = sp.csr_matrix(data.matrix, dtype=np.float32, copy=True)
        seen.sum_duplicates()
        self.seen_ = seen
        try:
            self._fit(data)
        except BaseException:
            self._forget_fitted()
            raise
        return self

    def _forget_fitted(self) -> None:
        for attribute in [k for k in vars(self) if k.endswith("_") and not k.startswith("__")]:
            delattr(self, attribute)

    @property
    def is_fitted(self) -> bool:
        """True once ``fit`` or ``load`` has run."""
        return hasattr(self, "events_")

    def _require_fitted(self) -> None:
        if not self.is_fitted:
            raise NotFittedError(f"{type(self).__name__} is not fitted; call fit() or load() first")

    # -- recommending ---------------------------------------------------------------------

    def recommend(
        self,
        user_id: str,
        n: int = 10,
        *,
        candidates: Sequence[str] | None = None,
        exclude: Collection[str] = (),
        exclude_seen: bool = True,
        history: Mapping[str, float] | None = None,
    ) -> list[Recommendation]:
        """Return the ``n`` best events for ``user_id``, best first.

        Parameters
        ----------
        user_id : str
            The user.
        n : int
            How many.
        candidates : sequence of str, optional
            Only rank these events (ids unknown to the model are skipped).
        exclude : collection of str
            Events never to return.
        exclude_seen : bool
            Leave out events the user interacted with in training (and in ``history``).
        history : mapping of str to float, optional
            Recent event ids with weights. A known user's vector is folded in
            with it where the model supports fold-in; an unknown user is scored
            from it alone.

        Raises
        ------
        ColdUserError
            For a user the model has not seen and who brings no usable history.

        """
        self._require_fitted()
        if n < 1:
            raise InvalidFieldError("n", f"n must be at least 1, got {n}")
        user_idx = self.users_.get(user_id)
        extra = self._known_history(history)
        history_row = self._history_row(user_idx, extra)
        scores: Scores | None = None
        if extra.nnz:
            try:
                scores = self._score_history(history_row)
            except ColdUserError:
                # A model without fold-in still serves a known user from what it learned.
                if user_idx is None:
                    raise
        if scores is None:
            if user_idx is None:
                raise ColdUserError(f"user {user_id!r} is unknown to {self.name} and brought no known history")
            scores = self._score_users(np.asarray([user_idx], dtype=np.int32))[0]
        seen = history_row.indices if exclude_seen else np.empty(0, dtype=np.int32)
        items = self._rank(scores, n, candidates, exclude, seen)
        reasons = self._explain(history_row, items)
        return [
            Recommendation(self.events_.id_of(i), float(scores[i]), reason)
            for i, reason in zip(items, reasons, strict=True)
        ]

    def similar(self, event_id: str, n: int = 10, *, candidates: Sequence[str] | None = None) -> list[Recommendation]:
        """Return the ``n`` events most like ``event_id``, best first (never the event itself).

        Raises
        ------
        UnknownEntityError
            For an event the model does not know.
        InvalidFieldError
            For a model that does not compute similar events (``supports_similar`` is false).

        """
        self._require_fitted()
        if n < 1:
            raise InvalidFieldError("n", f"n must be at least 1, got {n}")
        event_idx = self.events_.index_of(event_id)
        scores = self._similar_scores(event_idx)
        items = self._rank(scores, n, candidates, (), np.asarray([event_idx], dtype=np.int32))
        reason = Reason("similar", event_id=event_id)
        return [Recommendation(self.events_.id_of(i), float(scores[i]), reason) for i in items]

    def score_users(self, user_idx: npt.NDArray[np.int32]) -> Scores:
        """Dense scores of the given users over all events (``len(users) x n_events``), for evaluation."""
        self._require_fitted()
        return self._score_users(np.asarray(user_idx, dtype=np.int32))

    def user_scores(self, user_id: str | None, *, history: Mapping[str, float] | None = None) -> Scores | None:
        """Dense scores of one user over all events, as :meth:`recommend` computes them (for online ranking).

        Parameters
        ----------
        user_id : str or None
            The user (``None`` or an id the model does not know: scored from ``history`` alone).
        history : mapping of str to float, optional
            Recent event ids with weights, folded in as in :meth:`recommend`.

        Returns
        -------
        ndarray of float32 or None
            One score per event of ``events_`` (``-inf`` = cannot rank), or ``None`` for
            a user the model cannot score (unknown and without usable history).

        """
        self._require_fitted()
        user_idx = None if user_id is None else self.users_.get(user_id)
        extra = self._known_history(history)
        if extra.nnz:
            try:
                return self._score_history(self._history_row(user_idx, extra))
            except ColdUserError:
                if user_idx is None:
                    return None
        if user_idx is None:
            return None
        row: Scores = self._score_users(np.asarray([user_idx], dtype=np.int32))[0]
        return row

    def _known_history(self, history: Mapping[str, float] | None) -> sp.csr_matrix:
        """The events of ``history`` the model knows, as a 1 x n_events row (unknown ids are dropped)."""
        shape = (1, len(self.events_))
        if not history:
            return sp.csr_matrix(shape, dtype=np.float32)
        known = [(self.events_.get(e), w) for e, w in history.items()]
        cols = np.asarray([i for i, _ in known if i is not None], dtype=np.int32)
        vals = np.asarray([w for i, w in known if i is not None], dtype=np.float32)
        return sp.csr_matrix((vals, (np.zeros(len(cols), dtype=np.int32), cols)), shape=shape)

    def _history_row(self, user_idx: int | None, extra: sp.csr_matrix) -> sp.csr_matrix:
        """The user's training weights (if known) plus the recent history."""
        if user_idx is None:
            return extra
        return sp.csr_matrix(self.seen_[user_idx] + extra, dtype=np.float32)

    def _append_events(self, event_ids: Sequence[str]) -> npt.NDArray[np.int64]:
        """Add ids the model does not know to ``events_`` (``seen_`` grows with it); return every id's index.

        For models that learn about new events after ``fit`` (see ``HybridRecommender.add_events``).
        """
        wanted = list(event_ids)
        new = [e for e in dict.fromkeys(wanted) if e not in self.events_]
        if new:
            self.events_ = IdVocabulary(pa.concat_arrays([self.events_.ids, pa.array(new, type=pa.string())]), "event")
            seen = self.seen_
            self.seen_ = sp.csr_matrix(
                (seen.data, seen.indices, seen.indptr), shape=(len(self.users_), len(self.events_))
            )
        return self.events_.indices_of(wanted)

    def _rank(
        self,
        scores: Scores,
        n: int,
        candidates: Sequence[str] | None,
        exclude: Collection[str],
        seen: npt.NDArray[np.int32],
    ) -> npt.NDArray[np.int64]:
        masked = np.asarray(scores, dtype=np.float32).copy()
        if candidates is not None:
            allowed = self.events_.indices_of(list(candidates))
            keep = np.zeros(len(masked), dtype=bool)
            keep[allowed[allowed >= 0]] = True
            masked[~keep] = -np.inf
        if exclude:
            ids = self.events_.indices_of(list(exclude))
            masked[ids[ids >= 0]] = -np.inf
        masked[seen] = -np.inf
        finite = np.flatnonzero(np.isfinite(masked))
        if len(finite) == 0:
            return np.empty(0, dtype=np.int64)
        k = min(n, len(finite))
        top = finite[np.argpartition(-masked[finite], k - 1)[:k]]
        # Ties broken by index so results are deterministic.
        return top[np.lexsort((top, -masked[top]))]

    # -- persistence ----------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write the fitted model to ``folder`` (``params.json`` + ``state.npz``)."""
        self._require_fitted()
        folder.mkdir(parents=True, exist_ok=True)
        arrays = {f"state__{k}": v for k, v in self._state().items()}
        arrays["users"] = self.users_.to_numpy()
        arrays["events"] = self.events_.to_numpy()
        arrays["seen_indptr"], arrays["seen_indices"] = self.seen_.indptr, self.seen_.indices
        arrays["seen_data"] = self.seen_.data
        np.savez(folder / STATE_FILE, allow_pickle=False, **arrays)
        params = {"model": self.name, "params": self.get_params()}
        (folder / PARAMS_FILE).write_text(json.dumps(params, indent=2, sort_keys=True), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Self:
        """Rebuild a model saved by :meth:`save`; the class comes from the registry, never from the file.

        Raises
        ------
        InvalidFieldError
            When a file is missing or unreadable, lacks an array, or holds a model of another class.

        """
        try:
            params = json.loads((folder / PARAMS_FILE).read_text(encoding="utf-8"))
            model_cls = Recommender.registry[params["model"]]
        except FileNotFoundError as exc:
            raise InvalidFieldError(PARAMS_FILE, f"missing in {folder}") from exc
        except (KeyError, TypeError, json.JSONDecodeError) as exc:
            raise InvalidFieldError(PARAMS_FILE, f"not a saved model ({exc!r})") from exc
        if cls is not Recommender and not issubclass(model_cls, cls):
            raise InvalidFieldError("model", f"{folder} holds a {model_cls.__name__}, not a {cls.__name__}")
        try:
            model = model_cls(**params["params"])
        except (KeyError, TypeError) as exc:
            raise InvalidFieldError(PARAMS_FILE, f"parameters do not fit {model_cls.__name__} ({exc})") from exc
        try:
            with np.load(folder / STATE_FILE, allow_pickle=False) as stored:
                arrays = {k: stored[k] for k in stored.files}
        except FileNotFoundError as exc:
            raise InvalidFieldError(STATE_FILE, f"missing in {folder}") from exc
        except (OSError, ValueError, zipfile.BadZipFile) as exc:
            raise InvalidFieldError(STATE_FILE, f"unreadable in {folder} ({exc})") from exc
        try:
            model.users_ = IdVocabulary.from_numpy(arrays.pop("users"), "user")
            model.events_ = IdVocabulary.from_numpy(arrays.pop("events"), "event")
            indptr, indices, data = arrays.pop("seen_indptr"), arrays.pop("seen_indices"), arrays.pop("seen_data")
            model.seen_ = sp.csr_matrix(
                (data.astype(np.float32), indices, indptr), shape=(len(model.users_), len(model.events_))
            )
            model._restore({k.removeprefix("state__"): v for k, v in arrays.items()})
        except KeyError as exc:
            model._forget_fitted()
            raise InvalidFieldError(STATE_FILE, f"{folder} lacks the array {exc.args[0]!r}") from exc
        except ValueError as exc:
            model._forget_fitted()
            raise InvalidFieldError(STATE_FILE, f"arrays in {folder} do not fit together ({exc})") from exc
        # The registry class is ``cls`` or a subclass of it (checked above).
        return cast(Self, model)

    # -- for subclasses -------------------------------------------------------------------

    def _check_rows(self, **arrays: npt.NDArray[Any]) -> None:
        """Refuse restored arrays whose rows do not match the vocabularies (``user*`` keys: users, others: events)."""
        for key, array in arrays.items():
            expected = len(self.users_) if key.startswith("user") else len(self.events_)
            if array.shape[0] != expected:
                raise ValueError(f"{key} has {array.shape[0]} rows, expected {expected}")

    @abstractmethod
    def _fit(self, data: TrainingData) -> None:
        """Learn the fitted attributes from ``data``."""

    @abstractmethod
    def _score_users(self, user_idx: npt.NDArray[np.int32]) -> Scores:
        """Scores of known users over all events (``len(user_idx) x n_events``)."""

    def _score_history(self, history: sp.csr_matrix) -> Scores:
        """Scores over all events for a 1 x n_events history row (fold-in)."""
        raise ColdUserError(f"{self.name} cannot score from a history alone")

    def _similar_scores(self, event_idx: int) -> Scores:
        """Similarity of every event to ``event_idx``."""
        raise InvalidFieldError("event_id", f"{self.name} does not compute similar events")

    def _explain(self, history: sp.csr_matrix, items: npt.NDArray[np.int64]) -> list[Reason]:
        """A reason per recommended item; the default names the model's kind."""
        return [Reason(self.reason_kind)] * len(items)

    @abstractmethod
    def _state(self) -> dict[str, npt.NDArray[Any]]:
        """The fitted arrays to save."""

    @abstractmethod
    def _restore(self, state: dict[str, npt.NDArray[Any]]) -> None:
        """Set the fitted attributes from saved arrays (``KeyError`` for a missing one, ``ValueError`` for a misfit)."""
