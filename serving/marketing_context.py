"""The marketer tools' data for the server: users, events and interactions with regions, and the factor model.

The same assembly as ``training.marketing_context.load_context`` (which the
server may not import), built once and shared across requests for
:data:`MAX_AGE_S` seconds: ``MarketingData`` takes about 3 s per million
users to build.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Final

from features.regions import REGIONS, region_codes
from recsys.artifacts import ArtifactError
from recsys.marketing.data import MarketingData, RegionScheme
from recsys.marketing.scoring import FactorModel, active_artifact, load_factor_model
from serving.errors import NotReadyError
from serving.state import ServingState

#: Provinces of Belgium and the Brussels-Capital Region by postcode (ISO 3166-2:BE).
REGION_SCHEME: Final = RegionScheme(names=tuple(REGIONS), codes=region_codes)
#: How long a built context is reused (seconds).
MAX_AGE_S: Final = 60.0


@dataclass(frozen=True, eq=False)
class ServingMarketingContext:
    """Data and model of the marketer endpoints.

    Parameters
    ----------
    data : MarketingData
        Users, events and interactions with regions.
    model : FactorModel or None
        The active factor model bound to ``data`` (None when none is trained).
    built : float
        ``time.monotonic()`` when it was built.

    """

    data: MarketingData
    model: FactorModel | None
    built: float

    def require_model(self) -> FactorModel:
        """The model, or :class:`~serving.errors.NotReadyError` (503) when none is trained."""
        if self.model is None:
            raise NotReadyError("no trained factor model is active; train one first (recsys train)")
        return self.model


class ContextCache:
    """Builds the context on first use and again when it is older than ``max_age_s``."""

    def __init__(self, max_age_s: float = MAX_AGE_S) -> None:
        self.max_age_s = max_age_s
        self._lock = threading.Lock()
        self._context: ServingMarketingContext | None = None

    def get(self, state: ServingState) -> ServingMarketingContext:
        """The current context of the server's data folder."""
        with self._lock:
            context = self._context
            if context is None or time.monotonic() - context.built > self.max_age_s:
                context = self._context = build_context(state)
            return context

    def forget(self) -> None:
        """Drop the context (the next request rebuilds it)."""
        with self._lock:
            self._context = None


def build_context(state: ServingState) -> ServingMarketingContext:
    """Read the data folder as of the server's clock and bind the active artefact's factor model."""
    workspace = state.workspace
    data = MarketingData.from_tables(
        workspace.catalogue.users_table(),
        workspace.catalogue.events_table(),
        workspace.interactions.export_arrays(),
        as_of=state.now(),
        regions=REGION_SCHEME,
    )
    model: FactorModel | None = None
    try:
        artifact = active_artifact(workspace.artifacts_dir, state.settings.model)
    except ArtifactError:
        artifact = None
    if artifact is not None:
        model, _ = load_factor_model(artifact, data)
    return ServingMarketingContext(data, model, time.monotonic())
