"""The trained model's latent factors, aligned with the marketer data.

Segments ("likely interested in X"), previews and event audiences score
users and events with a factor model: ``score(u, e) = user_u . item_e``.
:class:`FactorModel` holds the model's factor matrices and, per user and
event of the :class:`~recsys.marketing.data.MarketingData`, the row of the
model that belongs to it, so that every score is one matrix product over
numpy arrays. The hybrid model gives every event a vector (cold ones from
content, production, organiser or venue); ALS only the events it saw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import scipy.sparse as sp

from recsys.artifacts import Artifact, ArtifactError, ArtifactRegistry
from recsys.domain.errors import InvalidFieldError
from recsys.marketing.data import MarketingData
from recsys.models.base import Recommender

#: Models that have user and item factors, in order of preference.
FACTOR_MODELS: Final = ("hybrid", "als")
#: Users scored at once (bounds the users x events temporaries).
BLOCK_USERS: Final = 65_536


@dataclass(frozen=True, eq=False)
class FactorModel:
    """A factor model bound to one :class:`MarketingData`.

    Parameters
    ----------
    name : str
        The model (``hybrid`` or ``als``).
    version : str
        The artefact version it came from (``""`` when not from an artefact).
    user_factors, item_factors : ndarray of float32
        The model's matrices (rows in the model's own order).
    item_known : ndarray of bool
        Per model event: whether it can be scored (ALS: had interactions).
    user_rows : ndarray of int64
        Per user of the full data: its row in ``user_factors`` (``-1`` unknown to the model).
    event_rows : ndarray of int64
        Per event of the data: its row in ``item_factors`` (``-1`` unknown).
    seen : scipy.sparse.csr_matrix
        Model users x model events: what each user interacted with in training.

    """

    name: str
    version: str
    user_factors: npt.NDArray[np.float32]
    item_factors: npt.NDArray[np.float32]
    item_known: npt.NDArray[np.bool_]
    user_rows: npt.NDArray[np.int64]
    event_rows: npt.NDArray[np.int64]
    seen: sp.csr_matrix

    @classmethod
    def from_recommender(cls, model: Recommender, data: MarketingData, version: str = "") -> FactorModel:
        """Bind a fitted ALS or hybrid model to ``data``.

        Raises
        ------
        InvalidFieldError
            When the model has no latent factors.

        """
        users = getattr(model, "user_factors_", None)
        items = getattr(model, "item_factors_", None)
        if not isinstance(users, np.ndarray) or not isinstance(items, np.ndarray):
            raise InvalidFieldError("model", f"{model.name} has no latent factors; use one of {list(FACTOR_MODELS)}")
        warm = getattr(model, "warm_", None)
        known = (
            np.asarray(warm, dtype=np.bool_) if isinstance(warm, np.ndarray) else np.ones(len(items), dtype=np.bool_)
        )
        all_users = data.users.ids if data.origin is None else None
        if all_users is None:
            raise InvalidFieldError("data", "bind the model to the full data, not a sample")
        return cls(
            name=model.name,
            version=version,
            user_factors=np.asarray(users, dtype=np.float32),
            item_factors=np.asarray(items, dtype=np.float32),
            item_known=known,
            user_rows=model.users_.indices_of(pa.array(all_users, type=pa.string())),
            event_rows=model.events_.indices_of(pa.array(data.events.ids, type=pa.string())),
            seen=model.seen_,
        )

    def rows_for(self, data: MarketingData) -> npt.NDArray[np.int64]:
        """Model row of each user of ``data`` (a sample maps through its origin)."""
        return self.user_rows if data.origin is None else self.user_rows[data.origin]

    def scorable_events(self) -> npt.NDArray[np.bool_]:
        """Per event of the data: whether the model can score it."""
        rows = self.event_rows
        ok = rows >= 0
        ok[ok] = self.item_known[rows[ok]]
        return ok

    def user_scores(self, vector: npt.NDArray[np.float32], data: MarketingData) -> npt.NDArray[np.float32]:
        """``user . vector`` for every user of ``data`` (NaN for users the model does not know)."""
        all_scores = self.user_factors @ np.asarray(vector, dtype=np.float32)
        rows = self.rows_for(data)
        out = np.full(len(rows), np.nan, dtype=np.float32)
        known = rows >= 0
        out[known] = all_scores[rows[known]]
        return out

    def max_user_scores(self, vectors: npt.NDArray[np.float32], data: MarketingData) -> npt.NDArray[np.float32]:
        """Per user of ``data``, the best score over several event vectors (NaN for unknown users)."""
        vectors = np.asarray(vectors, dtype=np.float32)
        best = np.empty(len(self.user_factors), dtype=np.float32)
        for start in range(0, len(self.user_factors), BLOCK_USERS):
            block = self.user_factors[start : start + BLOCK_USERS] @ vectors.T
            best[start : start + BLOCK_USERS] = block.max(axis=1) if block.size else np.float32(np.nan)
        rows = self.rows_for(data)
        out = np.full(len(rows), np.nan, dtype=np.float32)
        known = rows >= 0
        out[known] = best[rows[known]]
        return out


def active_artifact(artifacts_dir: Path, name: str | None = None) -> Artifact:
    """Load the active version of artefact ``name`` (default: the only one, else ``default``).

    Raises
    ------
    ArtifactError
        When nothing is active, or the choice is ambiguous.

    """
    registry = ArtifactRegistry(artifacts_dir)
    if name is None:
        active = [n for n in registry.list_names() if registry.active_version(n) is not None]
        if not active:
            raise ArtifactError(artifacts_dir, "no model is active; train one and promote it (recsys train --promote)")
        if len(active) > 1 and "default" not in active:
            raise ArtifactError(artifacts_dir, f"several artefacts are active ({', '.join(active)}); name one")
        name = "default" if "default" in active else active[0]
    return registry.load_active(name, fallback=True)


def load_factor_model(
    artifact: Artifact, data: MarketingData, prefer: Sequence[str] = FACTOR_MODELS
) -> tuple[FactorModel, Recommender]:
    """The first model of ``prefer`` the artefact holds, bound to ``data`` (and the model itself).

    Raises
    ------
    ArtifactError
        When the artefact holds none of them.

    """
    for candidate in prefer:
        if candidate in artifact.model_names:
            model = artifact.load_model(candidate)
            return FactorModel.from_recommender(model, data, artifact.version), model
    raise ArtifactError(
        artifact.path, f"holds no factor model ({', '.join(prefer)}); it has {', '.join(artifact.model_names)}"
    )
