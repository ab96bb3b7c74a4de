"""Dashboard pages for marketers: overview, segments, an event's audience, an experiment's results.

Pages need a marketer (or admin) key, given in the ``X-API-Key`` header, or
once in the sign-in form, which POSTs it to ``/dashboard/login`` (never in an
address, where it would linger in history and logs): the answer keeps it in
an HttpOnly, SameSite=Strict cookie scoped to ``/dashboard`` and redirects to
the page asked for. Without a valid key a page answers 401 with the form.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Annotated, Any, Final
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from recsys.domain.errors import RecsysError
from recsys.marketing.audience import event_audience, resolve_events
from recsys.marketing.preview import MixEntry
from recsys.marketing.report import saved_experiment_report
from serving.deps import StateDep
from serving.errors import ServingError, status_of
from serving.keys import ApiKey
from serving.routers.marketing import (
    MARKETER_SCOPES,
    experiments_of,
    marketing_context,
    segments_of,
)
from serving.security import API_KEY_HEADER, authenticate
from serving.state import ServingState

router = APIRouter(prefix="/dashboard", tags=["dashboard"], include_in_schema=True)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

#: The cookie that keeps the key after the login form.
COOKIE: Final = "recsys_dashboard_key"
BAR_WIDTH: Final = 360


def _key_of(request: Request, state: ServingState) -> ApiKey | None:
    presented = request.headers.get(API_KEY_HEADER) or request.cookies.get(COOKIE)
    try:
        key = authenticate(request, state, presented)
    except ServingError:
        return None
    return key if key.scope in MARKETER_SCOPES else None


def _login(request: Request, message: str, target: str) -> HTMLResponse:
    return templates.TemplateResponse(request, "login.html", {"message": message, "next": target}, status_code=401)


def _back_to(target: str) -> str:
    """A dashboard address to return to after signing in (anything else: the overview)."""
    if target.startswith("/dashboard") and "\\" not in target and "\n" not in target:
        return target
    return "/dashboard/"


def _gate(request: Request, state: ServingState) -> Response | None:
    """None when the request may see the page; else the sign-in page."""
    if _key_of(request, state) is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return _login(request, "A marketer or admin API key is needed to see the dashboard.", here)
    return None


def mix_chart(entries: list[MixEntry], title: str) -> Markup:
    """A horizontal bar chart (inline SVG) of a preview mix."""
    rows = entries[:8]
    height = 22 * len(rows) + 28
    parts = [
        f'<svg class="mix" role="img" aria-label="{html.escape(title)}" width="{BAR_WIDTH + 240}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="0" y="14" font-size="13" font-weight="bold">{html.escape(title)}</text>',
    ]
    for i, entry in enumerate(rows):
        y = 24 + 22 * i
        width = max(1.0, entry.share * BAR_WIDTH)
        parts.append(f'<text x="0" y="{y + 13}" font-size="12">{html.escape(entry.label[:28])}</text>')
        parts.append(f'<rect x="190" y="{y}" width="{width:.1f}" height="16" fill="#2b6cb0"/>')
        parts.append(f'<text x="{195 + width:.1f}" y="{y + 13}" font-size="11">{entry.share:.0%}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def organizer_names(entries: list[MixEntry], state: ServingState) -> list[MixEntry]:
    """The entries of an organiser mix labelled with the organisers' names (the mix knows their ids)."""
    named = []
    for entry in entries:
        found = state.workspace.catalogue.get_organizer(entry.key) if entry.key else None
        label = (found.name.get("nl") if found is not None else "") or entry.label or "unknown"
        named.append(MixEntry(entry.key, label, entry.count, entry.share))
    return named


def count_chart(rows: list[dict[str, Any]], title: str) -> Markup:
    """A bar chart of audience counts (``key``, ``count``, ``share``)."""
    entries = [MixEntry(str(r["key"]), str(r["key"]), int(r["count"]), float(r["share"])) for r in rows]
    return mix_chart(entries, title)


#: The sign-in form's body in OpenAPI (read by hand: no form-parsing dependency for two fields).
_LOGIN_BODY: Final = {
    "type": "object",
    "required": ["key"],
    "properties": {
        "key": {"type": "string", "description": "A marketer or admin API key"},
        "next": {"type": "string", "description": "The dashboard page to open afterwards (default: the overview)"},
    },
}


@router.post(
    "/login",
    response_class=HTMLResponse,
    summary="Sign in with a marketer key",
    responses={303: {"description": "Signed in: the key is kept in a cookie; on to `next`"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": _LOGIN_BODY}},
        }
    },
)
async def sign_in(request: Request, state: StateDep) -> Response:
    """Check the posted key; keep it in an HttpOnly cookie and go on to ``next``, or show the form again (401)."""
    try:
        form = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=8)
    except ValueError:  # more fields than a sign-in form has
        return _login(request, "That is not the sign-in form.", "/dashboard/")
    key = (form.get("key") or [""])[0].strip()
    target = _back_to((form.get("next") or ["/dashboard/"])[0])
    try:
        found = authenticate(request, state, key or None)
    except ServingError:
        found = None
    if found is None or found.scope not in MARKETER_SCOPES:
        return _login(request, "That is not a marketer or admin API key.", target)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, key, httponly=True, samesite="strict", path="/dashboard")
    return response


@router.get("/", response_class=HTMLResponse, summary="Dashboard overview")
def overview(
    request: Request,
    state: StateDep,
) -> Response:
    """Segments and experiments at a glance."""
    if (gate := _gate(request, state)) is not None:
        return gate
    return templates.TemplateResponse(
        request,
        "overview.html",
        {
            "segments": [s.to_dict() for s in segments_of(state).list()],
            "experiments": [e.to_dict() for e in experiments_of(state).list()],
        },
    )


@router.get("/segments", response_class=HTMLResponse, summary="Segments with sizes and preview mixes")
def segments_page(
    request: Request,
    state: StateDep,
) -> Response:
    """Every segment with its size and the mix of what its members get recommended."""
    if (gate := _gate(request, state)) is not None:
        return gate
    segments = segments_of(state)
    context = marketing_context(request, state)
    rows = []
    for saved in segments.list():
        row: dict[str, Any] = {"segment": saved.to_dict(), "error": None, "charts": []}
        try:
            size = segments.size(saved.definition, context.data, context.model)
            row["size"] = size.to_dict()
            if context.model is not None:
                preview = segments.preview(saved.definition, context.data, context.model, sample=100)
                row["preview"] = preview.to_dict()
                row["charts"] = [
                    mix_chart(preview.disciplines, "Disciplines"),
                    mix_chart(preview.regions, "Regions"),
                    mix_chart(organizer_names(preview.organizers, state), "Organisers"),
                ]
        except RecsysError as exc:
            row["error"] = str(exc)
        rows.append(row)
    return templates.TemplateResponse(request, "segments.html", {"rows": rows})


@router.get("/audience", response_class=HTMLResponse, summary="An event's audience")
def audience_page(
    request: Request,
    state: StateDep,
    event_id: Annotated[str | None, Query(description="Event or production id")] = None,
    production: Annotated[bool, Query(description="All events of its production")] = False,
) -> Response:
    """Counts per region and per segment of the users most likely to be interested (never ids)."""
    if (gate := _gate(request, state)) is not None:
        return gate
    result: dict[str, Any] | None = None
    error = None
    charts: list[Markup] = []
    if event_id:
        segments = segments_of(state)
        context = marketing_context(request, state)
        try:
            model = context.require_model()
            event_ids, production_id = resolve_events(context.data, event_id, production=production)
            masks = {s.name: segments.members(s.definition, context.data, model) for s in segments.list()}
            found = event_audience(
                context.data, model, event_ids, production_id=production_id, segments=masks
            ).to_dict()
            result = found
            charts = [count_chart(found["by_region"], "Per region")]
            if found["by_segment"]:
                charts.append(count_chart(found["by_segment"], "Per segment"))
        except RecsysError as exc:
            error = f"{status_of(exc)[0]}: {exc}"
    return templates.TemplateResponse(
        request, "audience.html", {"event_id": event_id or "", "result": result, "error": error, "charts": charts}
    )


@router.get("/experiments/{experiment_id}", response_class=HTMLResponse, summary="An experiment's results page")
def experiment_page(
    experiment_id: Annotated[str, PathParam(description="Id of the experiment whose results to show")],
    request: Request,
    state: StateDep,
) -> Response:
    """The results page with its charts; a simulated experiment's shows the difference it was built with."""
    if (gate := _gate(request, state)) is not None:
        return gate
    # The server's clock (fixed in demos and tests), so the page is the same for the same data.
    page = saved_experiment_report(
        experiments_of(state), experiment_id, links=[("Back to the dashboard", "/dashboard/")], generated=state.now()
    )
    return HTMLResponse(page)
