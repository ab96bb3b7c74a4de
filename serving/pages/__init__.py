"""A minimal demo page at ``/``: recommendations for a few demo users, rendered on the server.

Only mounted by ``recsys demo`` (``RECSYS_DEMO_PAGE=1``). The richer demo
site and the embeddable widget replace it later; it calls the same pipeline
as the API and needs no key (it runs inside the server).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Final

import numpy as np
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from serving.deps import PipelineDep, StateDep
from serving.params import build_request
from serving.render import render_answer
from serving.state import ServingState

router = APIRouter(include_in_schema=False)

#: Demo users shown: those with the most history in the served model.
DEMO_USERS: Final = 4
_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"])
)


def demo_users(state: ServingState, count: int = DEMO_USERS) -> list[str]:
    """The users with the longest training history (deterministic for a model version)."""
    if not state.has_engine:
        return []
    model = state.engine.base
    sizes = np.diff(model.seen_.indptr)
    top = np.argsort(-sizes, kind="stable")[:count]
    return [model.users_.id_of(int(i)) for i in top if sizes[i] > 0]


@router.get("/", response_class=HTMLResponse)
def demo_page(
    request: Request,
    state: StateDep,
    pipeline: PipelineDep,
    user: Annotated[str | None, Query(max_length=128)] = None,
    lang: Annotated[str, Query(pattern="^(nl|fr|en)$")] = "nl",
) -> HTMLResponse:
    """The demo page."""
    users = [user] if user else demo_users(state)
    context = build_request(n=6, lang=lang)
    sections = []
    for user_id in users:
        answer = pipeline.for_user(user_id, context)
        sections.append({"user_id": user_id, **render_answer(answer, lang, None)})
    html = _TEMPLATES.get_template("demo.html").render(
        sections=sections,
        lang=lang,
        model=state.engine.version if state.has_engine else None,
        public_key=state.settings.demo_key,
    )
    return HTMLResponse(html)
