"""The widget script, its beacon endpoint, and the demo event site that embeds the widget.

``GET /widget.js`` serves the hand-written widget (public, cacheable, any
origin may load it). ``POST /widget/beacon`` takes the widget's last batch of
impressions and clicks when the page goes away: ``navigator.sendBeacon``
cannot send the ``X-API-Key`` header, so the key travels in the body (never in
the URL, which ends up in logs) and the batch then goes through the very
handler of ``POST /v1/interactions``.

The demo site (``/``, ``/events/{event_id}``; only with ``RECSYS_DEMO_PAGE``)
is a small host site in Dutch, French and English. It embeds the widget with
a script tag and the demo's public key (``settings.demo_key``) like any other
site would, and has a visitor switcher (a few demo users and an anonymous
visitor) and a consent toggle. Its state lives in the query string only
(``lang``, ``visitor``, ``consent``, ``place``), so the site itself stores
nothing in the browser. Signed-in demo users' clicks go to
``POST /demo/collect``, the stand-in for a host's own backend, which forwards
them with server rights (a public key may post for anonymous visitors only).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Final
from urllib.parse import urlencode

import pyarrow as pa
import pyarrow.compute as pc
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from features.regions import region_of
from recsys.domain.errors import InvalidFieldError, UnknownEntityError
from recsys.domain.events import CalendarType, Event
from recsys.domain.taxonomy import default_taxonomy
from serving.deps import RequestIdDep, StateDep
from serving.errors import problem_responses
from serving.keys import ANONYMOUS_PREFIX, ApiKey, Scope
from serving.routers.interactions import PUBLIC_KINDS, InteractionBatch, InteractionsWritten, post_interactions
from serving.security import authenticate
from serving.site.texts import (
    SITE_LANGUAGES,
    TEXTS,
    format_day,
    format_moment,
    format_price,
    site_language,
)
from serving.state import ServingState

_HERE: Final = Path(__file__).resolve().parent
STATIC_DIR: Final = _HERE.parent / "static"
TEMPLATES_DIR: Final = _HERE / "templates"
SITE_STATIC_DIR: Final = _HERE / "static"
#: How long browsers and CDNs may keep the widget script (seconds); the ETag revalidates it after that.
WIDGET_MAX_AGE: Final = 3600
#: Demo users offered by the visitor switcher.
DEMO_USERS: Final = 3
#: Upcoming events listed on the home page (plain links, there even when the API is down).
AGENDA_SIZE: Final = 6
#: Seconds the home page's agenda and demo users are kept before they are read again.
SITE_CACHE_S: Final = 60.0

#: Places the anonymous visitor can pick: (label, lat, lon, region).
PLACES: Final[dict[str, tuple[str, float, float, str]]] = {
    "gent": ("Gent", 51.0543, 3.7174, "BE-VOV"),
    "antwerpen": ("Antwerpen", 51.2194, 4.4025, "BE-VAN"),
    "brussel": ("Brussel", 50.8467, 4.3525, "BE-BRU"),
    "leuven": ("Leuven", 50.8798, 4.7005, "BE-VBR"),
    "brugge": ("Brugge", 51.2093, 3.2247, "BE-VWV"),
    "hasselt": ("Hasselt", 50.9307, 5.3325, "BE-VLI"),
}
DEFAULT_PLACE: Final = "gent"

#: The identity under which ``/demo/collect`` forwards signed-in demo users' feedback.
DEMO_SITE_KEY: Final = ApiKey(key_id="demo-site", name="demo site backend", scope=Scope.SERVER)

router = APIRouter()
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.globals["languages"] = SITE_LANGUAGES


# -- the widget ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StaticAsset:
    """A file served from memory with a strong ETag.

    Parameters
    ----------
    body : bytes
        The file.
    etag : str
        Quoted digest of ``body``.
    media_type : str
        Its ``Content-Type``.

    """

    body: bytes
    etag: str
    media_type: str


@functools.cache
def _asset(path: Path, media_type: str) -> StaticAsset:
    body = path.read_bytes()
    return StaticAsset(body, f'"{hashlib.sha256(body).hexdigest()[:20]}"', media_type)


def _serve_asset(request: Request, asset: StaticAsset, *, max_age: int, any_origin: bool) -> Response:
    headers = {
        "Cache-Control": f"public, max-age={max_age}",
        "ETag": asset.etag,
        "X-Content-Type-Options": "nosniff",
    }
    if any_origin:
        # The script is public: any site may load it, also with crossorigin="anonymous" or under COEP.
        headers["Access-Control-Allow-Origin"] = "*"
        headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


@router.get("/widget.js", include_in_schema=False)
def widget_script(request: Request) -> Response:
    """The embeddable widget (see ``docs/widget.md``)."""
    asset = _asset(STATIC_DIR / "widget.js", "text/javascript; charset=utf-8")
    return _serve_asset(request, asset, max_age=WIDGET_MAX_AGE, any_origin=True)


#: The beacon body in OpenAPI (the handler reads it raw: a beacon's content type is text/plain).
_BEACON_BODY: Final = {
    "type": "object",
    "required": ["key", "interactions"],
    "properties": {
        "key": {"type": "string", "description": "A public API key (what X-API-Key would carry)."},
        "interactions": {
            "type": "array",
            "items": {"$ref": "#/components/schemas/InteractionIn"},
            "description": "As in POST /v1/interactions.",
        },
    },
}


@router.post(
    "/widget/beacon",
    tags=["interactions"],
    summary="Record the widget's last interactions (sendBeacon)",
    response_model=InteractionsWritten,
    responses=problem_responses(401, 403, 413, 422, 429, 503),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/plain": {"schema": _BEACON_BODY}, "application/json": {"schema": _BEACON_BODY}},
        }
    },
)
async def widget_beacon(request: Request, state: StateDep, rid: RequestIdDep) -> Response:
    """The body of ``POST /v1/interactions`` plus the API key as ``key``, in any content type.

    ``navigator.sendBeacon`` sends a page's last batch while it unloads, but it cannot set headers: the
    widget sends ``{"key": ..., "interactions": [...]}`` as ``text/plain`` (no CORS preflight). The key
    and origin checks, the rules for public keys and the storage are those of `POST /v1/interactions`.
    """
    raw = await request.body()
    try:
        data = json.loads(raw)
    except ValueError:
        raise InvalidFieldError("body", "expected a JSON object with key and interactions") from None
    if not isinstance(data, dict):
        raise InvalidFieldError("body", "expected a JSON object with key and interactions")
    presented = data.get("key")
    key = authenticate(request, state, presented if isinstance(presented, str) else None)
    batch = _batch(data.get("interactions"))
    return post_interactions(batch, state, key, rid)


def _batch(items: Any) -> InteractionBatch:
    try:
        return InteractionBatch.model_validate({"interactions": items})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidFieldError(where or "interactions", str(first["msg"])) from None


# -- the demo site --------------------------------------------------------------------------------


def _site_state(request: Request, state: StateDep) -> ServingState:
    """The serving state, when the demo site is switched on (else 404: a production API has no pages)."""
    if not state.settings.demo_page:
        raise UnknownEntityError("page", request.url.path)
    return state


SiteState = Annotated[ServingState, Depends(_site_state)]
LangQuery = Annotated[str | None, Query(max_length=2)]
VisitorQuery = Annotated[str | None, Query(max_length=128)]
ConsentQuery = Annotated[str | None, Query(max_length=8)]
PlaceQuery = Annotated[str | None, Query(max_length=32)]


@dataclass(frozen=True, slots=True)
class DemoUser:
    """A user the visitor switcher offers.

    Parameters
    ----------
    user_id : str
        The catalogue's pseudonymous id.
    municipality, region : str or None
        Home municipality and its ISO 3166-2:BE region ("popular near you").
    lat, lon : float or None
        Home location (distances on the cards).
    interactions : int
        Interactions in the log (the most active users are offered).

    """

    user_id: str
    municipality: str | None
    region: str | None
    lat: float | None
    lon: float | None
    interactions: int


@dataclass(frozen=True, slots=True)
class AgendaItem:
    """An upcoming event in the home page's plain list.

    Parameters
    ----------
    event_id : str
        The event.
    start : datetime
        Its first start (UTC).
    municipality : str or None
        Where.

    """

    event_id: str
    start: dt.datetime
    municipality: str | None


class SiteCache:
    """Demo users (chosen once per app) and the upcoming agenda (read again after :data:`SITE_CACHE_S`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._at = -SITE_CACHE_S
        self.users: list[DemoUser] | None = None
        self.agenda: list[AgendaItem] = []

    def refresh(self, state: ServingState) -> SiteCache:
        """Fill what is missing or stale; returns itself."""
        with self._lock:
            # The switcher's users stay put: new clicks must not swap the user a visitor is "signed in" as.
            if self.users is None:
                self.users = _demo_users(state)
            if time.monotonic() - self._at >= SITE_CACHE_S:
                self.agenda = _agenda(state)
                self._at = time.monotonic()
        return self

    @property
    def demo_users(self) -> list[DemoUser]:
        """The switcher's users (empty before the first :meth:`refresh`)."""
        return self.users or []


def _site_cache(request: Request, state: ServingState) -> SiteCache:
    """The app's site cache (kept on the app, so two apps in one process never share one)."""
    cache = getattr(request.app.state, "site_cache", None)
    if cache is None:
        cache = request.app.state.site_cache = SiteCache()
    return cache.refresh(state)


def _demo_users(state: ServingState) -> list[DemoUser]:
    """The most active users who agreed to personalisation and have a home (good personal lists)."""
    log = state.workspace.interactions.export(["user_id"])
    if log.num_rows == 0:
        return []
    counts = pc.value_counts(log.column("user_id"))
    pairs = sorted(
        zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True),
        key=lambda p: (-p[1], p[0]),
    )
    users: list[DemoUser] = []
    for user_id, count in pairs:
        if user_id.startswith(ANONYMOUS_PREFIX):
            continue
        user = state.workspace.catalogue.get_user(user_id)
        if user is None or not user.consent or user.home is None:
            continue
        users.append(
            DemoUser(
                user_id=user_id,
                municipality=user.home_municipality,
                region=region_of(user.home_postcode, user.home_municipality),
                lat=user.home.lat,
                lon=user.home.lon,
                interactions=int(count),
            )
        )
        if len(users) == DEMO_USERS:
            break
    return users


def _agenda(state: ServingState) -> list[AgendaItem]:
    """The next open events by start date."""
    table = state.workspace.catalogue.events_table().select(["event_id", "start", "municipality", "status", "booking"])
    now = pa.scalar(state.now(), type=pa.timestamp("us", tz="UTC"))
    mask = pc.and_(
        pc.and_(pc.greater_equal(table.column("start"), now), pc.equal(table.column("status"), "Available")),
        pc.equal(table.column("booking"), "Available"),
    )
    upcoming = table.filter(pc.fill_null(mask, False))
    upcoming = upcoming.take(pc.sort_indices(upcoming, sort_keys=[("start", "ascending"), ("event_id", "ascending")]))
    rows = upcoming.slice(0, AGENDA_SIZE).to_pylist()
    return [AgendaItem(r["event_id"], r["start"], r["municipality"]) for r in rows]


@dataclass(frozen=True, slots=True)
class Visit:
    """Who is visiting, in which language, with which consent: read from the query string only."""

    lang: str
    visitor: DemoUser | None
    consent: bool
    place: str

    def query(self, **changes: str | None) -> str:
        """The query string of a link that keeps this visit (with ``changes``)."""
        values: dict[str, str | None] = {
            "lang": self.lang,
            "visitor": self.visitor.user_id if self.visitor else None,
            "consent": "1" if self.consent else None,
            "place": self.place if self.visitor is None and self.place != DEFAULT_PLACE else None,
        }
        values.update(changes)
        kept = {k: v for k, v in values.items() if v}
        return urlencode(kept)


def _visit(cache: SiteCache, lang: str | None, visitor: str | None, consent: str | None, place: str | None) -> Visit:
    chosen = next((u for u in cache.demo_users if u.user_id == visitor), None)
    return Visit(
        lang=site_language(lang),
        visitor=chosen,
        consent=consent in ("1", "true", "yes"),
        place=place if place in PLACES else DEFAULT_PLACE,
    )


def _page_context(request: Request, state: ServingState, visit: Visit, cache: SiteCache) -> dict[str, Any]:
    """What every page template needs: words, links, the switcher and the widget's script tag."""
    query = visit.query()
    if visit.visitor is not None:
        place = {
            "label": visit.visitor.municipality or "",
            "lat": visit.visitor.lat,
            "lon": visit.visitor.lon,
            "region": visit.visitor.region,
        }
    else:
        label, lat, lon, region = PLACES[visit.place]
        place = {"label": label, "lat": lat, "lon": lon, "region": region}
    return {
        "request": request,
        "t": TEXTS[visit.lang],
        "lang": visit.lang,
        "visit": visit,
        "query": query,
        "users": cache.demo_users,
        "places": {k: v[0] for k, v in PLACES.items()},
        "place": place,
        "widget": {
            "src": str(request.url_for("widget_script").path),
            "key": state.settings.demo_key or "",
            "url_template": "/events/{event_id}" + (f"?{query}" if query else ""),
            # Signed-in users are known through the account, not an anonymous id.
            "consent": "granted" if visit.consent and visit.visitor is None else "denied",
            "user_id": visit.visitor.user_id if visit.visitor else None,
            "collect": str(request.url_for("demo_collect").path) if visit.visitor else None,
        },
        "hidden": {
            "lang": visit.lang,
            "visitor": visit.visitor.user_id if visit.visitor else "",
            "consent": "1" if visit.consent else "",
            "place": visit.place,
        },
    }


def _title(event: Event, lang: str) -> str:
    return event.name.get(lang) or event.id


def _render(name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    response = templates.TemplateResponse(context["request"], name, context, status_code=status_code)
    # The pages differ per visitor and language: never shared by caches.
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home_page(
    request: Request,
    state: SiteState,
    lang: LangQuery = None,
    visitor: VisitorQuery = None,
    consent: ConsentQuery = None,
    place: PlaceQuery = None,
) -> HTMLResponse:
    """The demo site's home page: "for you", "popular near you" and the upcoming agenda."""
    cache = _site_cache(request, state)
    visit = _visit(cache, lang, visitor, consent, place)
    context = _page_context(request, state, visit, cache)
    agenda = []
    for item in cache.agenda:
        event = state.workspace.catalogue.get_event(item.event_id)
        if event is not None:
            agenda.append(
                {
                    "event_id": item.event_id,
                    "title": _title(event, visit.lang),
                    "when": format_moment(item.start, visit.lang),
                    "municipality": item.municipality or "",
                }
            )
    context["agenda"] = agenda
    return _render("home.html", context)


@router.get("/events/{event_id}", response_class=HTMLResponse, include_in_schema=False)
def event_page(
    request: Request,
    event_id: str,
    state: SiteState,
    lang: LangQuery = None,
    visitor: VisitorQuery = None,
    consent: ConsentQuery = None,
    place: PlaceQuery = None,
) -> HTMLResponse:
    """An event's page with its details and "similar events"."""
    cache = _site_cache(request, state)
    visit = _visit(cache, lang, visitor, consent, place)
    context = _page_context(request, state, visit, cache)
    event = state.workspace.catalogue.get_event(event_id) if len(event_id) <= 128 else None
    if event is None:
        return _render("not_found.html", context, status_code=404)
    context["event"] = _event_details(event, visit.lang, state.now())
    return _render("event.html", context)


def _event_details(event: Event, lang: str, now: dt.datetime) -> dict[str, Any]:
    """An event as the page shows it."""
    texts = TEXTS[lang]
    calendar = event.calendar
    dates: list[str] = []
    if calendar.type in (CalendarType.PERIODIC, CalendarType.PERMANENT):
        if calendar.start is not None and calendar.end is not None:
            dates.append(
                texts["from_to"].format(start=format_day(calendar.start, lang), end=format_day(calendar.end, lang))
            )
    else:
        upcoming = [s for s in calendar.sub_events if s.end >= now] or list(calendar.sub_events[-1:])
        dates = [format_moment(s.start, lang) for s in upcoming[:5]]
        if not dates and calendar.start is not None:
            dates.append(format_moment(calendar.start, lang))
    place = event.location
    address = place.address if place is not None else None
    where = ", ".join(
        part
        for part in (
            place.name.get(lang) if place is not None else "",
            address.street if address is not None else "",
            f"{address.postcode} {address.municipality}".strip() if address is not None else "",
        )
        if part
    )
    age = None
    if event.age_range is not None and (event.age_range.min is not None or event.age_range.max is not None):
        low, high = event.age_range.min, event.age_range.max
        if low is not None and high is not None:
            age = texts["years"].format(min=low, max=high)
        elif low is not None:
            age = texts["years_from"].format(min=low)
        else:
            age = texts["years_to"].format(max=high)
    taxonomy = default_taxonomy()
    return {
        "id": event.id,
        "title": _title(event, lang),
        "description": event.description.get(lang),
        "type": taxonomy.label(event.type_id, lang) if event.type_id and event.type_id in taxonomy else None,
        "dates": dates,
        "where": where,
        "price": format_price(event.price.base_price, lang),
        "organizer": event.organizer.name.get(lang) if event.organizer is not None else None,
        "age": age,
        "image_url": event.image_url,
        "status": event.status.value,
    }


@router.get("/site/{name}", include_in_schema=False)
def site_asset(request: Request, name: str, state: SiteState) -> Response:
    """The demo site's stylesheet."""
    if name != "site.css":
        raise UnknownEntityError("file", name)
    asset = _asset(SITE_STATIC_DIR / "site.css", "text/css; charset=utf-8")
    return _serve_asset(request, asset, max_age=300, any_origin=False)


@router.post("/demo/collect", include_in_schema=False)
def demo_collect(request: Request, batch: InteractionBatch, state: SiteState, rid: RequestIdDep) -> Response:
    """The demo's stand-in for a host backend: signed-in demo users' impressions and clicks.

    A real host site forwards these with its server key after checking its own session; here the
    visitor switcher is the session, so only the switcher's demo users, and only impressions and
    clicks, are accepted.
    """
    allowed = {u.user_id for u in _site_cache(request, state).demo_users}
    for i, item in enumerate(batch.interactions):
        if item.user_id not in allowed:
            raise InvalidFieldError(f"interactions[{i}].user_id", "is not one of the demo site's users")
        if item.kind.strip().lower() not in {k.label for k in PUBLIC_KINDS}:
            raise InvalidFieldError(f"interactions[{i}].kind", "the demo site forwards impressions and clicks only")
    return post_interactions(batch, state, DEMO_SITE_KEY, rid)
