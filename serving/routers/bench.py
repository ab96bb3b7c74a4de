"""A benchmark-only route (``RECSYS_BENCH_ROUTES=1``): one cached list from the cache, no ranking.

It is the yardstick of ``benchmarks/serving.py``: the same app, key check,
middleware and cache as ``GET /v1/users/{user_id}/recommendations``, minus
the pipeline, so the difference between the two is what ranking costs.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from serving.deps import PublicKey, RequestIdDep, StateDep, UserIdPath
from serving.render import json_response
from serving.workers import RankingDep

router = APIRouter(prefix="/bench", tags=["benchmark"], include_in_schema=False)


@router.get("/cached/{user_id}")
async def cached_list(
    user_id: UserIdPath, state: StateDep, run: RankingDep, _key: PublicKey, rid: RequestIdDep
) -> Response:
    """The user's published list as stored (ids and base scores), on a ranking thread like the real routes."""

    def work() -> Response:
        backend = state.cache.backend
        version = state.active_version()  # as the pipeline resolves it
        found = (
            None
            if version is None
            else state.cache.call("user_candidates", lambda: backend.user_candidates(version, user_id))
        )
        if found is None:
            return json_response({"items": [], "cache_version": version, "request_id": rid})
        scores = found.scores[:, 0].tolist()
        items = [{"event_id": e, "score": float(s)} for e, s in zip(found.event_ids, scores, strict=True)]
        return json_response({"items": items, "cache_version": version, "request_id": rid})

    return await run(work)
