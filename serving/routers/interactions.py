"""Writing interactions: durable in the log before the answer, then visible in the user's next request."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Final

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, Field

from recsys.cache.protocol import RecentInteraction
from recsys.domain.errors import InvalidFieldError
from recsys.domain.ids import MAX_ID_LENGTH, id_pattern
from recsys.domain.interactions import Interaction, InteractionKind
from recsys.ranking.times import to_us
from recsys.stores.batches import table_from_interactions
from serving.deps import PublicKey, RequestIdDep, StateDep
from serving.errors import ForbiddenError, problem_responses
from serving.keys import ANONYMOUS_PREFIX, Scope
from serving.render import json_response
from serving.settings import MAX_BATCH

router = APIRouter(prefix="/v1", tags=["interactions"])

#: What a public (widget) key may post.
PUBLIC_KINDS: Final = frozenset({InteractionKind.IMPRESSION, InteractionKind.CLICK})
#: Interactions may be stamped at most this far in the future (clock skew of the sender).
MAX_FUTURE: Final = dt.timedelta(minutes=5)
_KINDS: Final = ", ".join(k.label for k in InteractionKind)


class InteractionIn(BaseModel):
    """One interaction."""

    id: str = Field(
        max_length=MAX_ID_LENGTH,
        pattern=id_pattern(),
        description="Idempotency id: the same id sent again is stored once (retry freely).",
    )
    user_id: str = Field(
        max_length=MAX_ID_LENGTH,
        pattern=id_pattern(),
        description=f"Pseudonymous user id; anonymous visitors use ids starting with `{ANONYMOUS_PREFIX}`.",
    )
    event_id: str = Field(max_length=MAX_ID_LENGTH, pattern=id_pattern(), description="The event.")
    kind: str = Field(max_length=16, description=f"What happened: {_KINDS}.")
    timestamp: dt.datetime | None = Field(
        None, description="When (ISO 8601 with a zone); default: when the server receives it."
    )
    value: float | None = Field(None, description="Kind-specific value (the rating for `rating`).")
    placement: str | None = Field(None, max_length=64, description="Where it happened (`for-you`, `similar`, ...).")
    context: dict[str, str] = Field(
        default_factory=dict, max_length=20, description="Other context (experiment arm, device class, ...)."
    )


class InteractionBatch(BaseModel):
    """A batch of interactions."""

    interactions: list[InteractionIn] = Field(
        min_length=1, max_length=MAX_BATCH, description=f"1 to {MAX_BATCH} interactions."
    )


class InteractionsWritten(BaseModel):
    """What a batch did."""

    received: int = Field(description="Interactions in the batch")
    written: int = Field(description="Newly stored")
    duplicates: int = Field(description="Already stored under the same id (not counted twice)")
    request_id: str | None = Field(description="Id of this request")


def _domain(item: InteractionIn, index: int, now: dt.datetime) -> Interaction:
    field = f"interactions[{index}]"
    try:
        kind = InteractionKind.parse(item.kind)
        timestamp = item.timestamp or now
        if timestamp.tzinfo is None:
            raise InvalidFieldError("timestamp", "needs a zone, for example 2026-12-01T20:00:00+01:00")
        if timestamp > now + MAX_FUTURE:
            raise InvalidFieldError("timestamp", f"{timestamp.isoformat()} lies in the future")
        return Interaction(
            interaction_id=item.id,
            user_id=item.user_id,
            event_id=item.event_id,
            kind=kind,
            timestamp=timestamp,
            value=float("nan") if item.value is None else float(item.value),
            placement=item.placement,
            context=item.context,
        )
    except InvalidFieldError as exc:
        raise exc.within(field) from None


@router.post(
    "/interactions",
    response_model=InteractionsWritten,
    responses=problem_responses(401, 403, 413, 422, 429, 503),
    summary="Record interactions",
)
def post_interactions(batch: InteractionBatch, state: StateDep, key: PublicKey, rid: RequestIdDep) -> Response:
    """Store a batch of interactions durably, then add them to each user's recent history.

    The answer comes after the log committed them; the users' next recommendations reflect them at once.
    Clicks, likes, bookmarks, shares, tickets, check-ins and dismissals of events a running experiment
    showed to the same person are also recorded as that experiment's outcomes.

    Server keys may post anything; public (widget) keys only impressions and clicks of anonymous
    visitors (user ids starting with `anon:`). Sending a batch again is safe: ids already stored count
    as duplicates.
    """
    now = state.now()
    interactions = [_domain(item, i, now) for i, item in enumerate(batch.interactions)]
    if key.scope is Scope.PUBLIC:
        for i, interaction in enumerate(interactions):
            if interaction.kind not in PUBLIC_KINDS or not interaction.user_id.startswith(ANONYMOUS_PREFIX):
                raise ForbiddenError(
                    f"interactions[{i}]: a public key may post only impressions and clicks of anonymous "
                    f"visitors (user ids starting with {ANONYMOUS_PREFIX!r}); use a server key"
                )
    table = table_from_interactions(interactions)
    with state.log_lock:
        result = state.workspace.interactions.append(table)
    state.metrics.interactions.labels("written").inc(result.written)
    state.metrics.interactions.labels("duplicate").inc(result.unchanged)
    recent: dict[str, list[RecentInteraction]] = defaultdict(list)
    for interaction in interactions:
        if interaction.kind is not InteractionKind.IMPRESSION:
            recent[interaction.user_id].append(
                RecentInteraction(interaction.event_id, interaction.kind.label, to_us(interaction.timestamp))
            )
    state.push_recent({u: sorted(e, key=lambda x: -x.timestamp_us) for u, e in recent.items()})
    if result.new_rows:
        # Clicks, tickets, check-ins, dismissals ... on events a running experiment showed them. Only the
        # interactions this batch stored: the log knows a retried id even after a restart.
        state.experiment_tracker.record_outcomes([interactions[i] for i in result.new_rows])
    body = {"received": len(interactions), "written": result.written, "duplicates": result.unchanged, "request_id": rid}
    return json_response(body)
