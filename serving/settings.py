"""Server settings, read from the environment once, when the app is created.

Every setting has an environment variable (``RECSYS_*``, and ``REDIS_URL``)
and a default that works for a single embedded server. Nothing here opens a
file or a connection: the app's lifespan does that.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Final

from recsys.domain.errors import InvalidFieldError
from recsys.stores.workspace import DEFAULT_DATA_DIR

#: Largest batch of interactions or events one request may carry.
MAX_BATCH: Final = 500
#: Largest request body, in bytes.
MAX_BODY_BYTES: Final = 1 << 20
#: Most ranking threads a server may be given (more only contend for the GIL).
MAX_RANKING_THREADS: Final = 64


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A token bucket: ``rate`` requests per second on average, bursts of up to ``burst``.

    Parameters
    ----------
    rate : float
        Tokens added per second (``0`` = unlimited).
    burst : float
        Bucket size.

    """

    rate: float
    burst: float

    @classmethod
    def parse(cls, text: str, name: str) -> RateLimit:
        """Read ``"RATE/BURST"`` or ``"RATE"`` (burst = 2 x rate); ``0`` turns limiting off."""
        rate_text, _, burst_text = text.partition("/")
        try:
            rate = float(rate_text)
            burst = float(burst_text) if burst_text else 2.0 * rate
        except ValueError as exc:
            raise InvalidFieldError(name, f"expected RATE or RATE/BURST (requests per second), got {text!r}") from exc
        if rate < 0 or burst < 0 or (rate > 0 and burst < 1):
            raise InvalidFieldError(name, f"rate and burst must be >= 0 and a burst >= 1, got {text!r}")
        return cls(rate, burst)


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the server can be told.

    Parameters
    ----------
    data_dir : Path
        The data folder (``RECSYS_DATA_DIR``; default ``./recsys-data``).
    redis_url : str or None
        ``REDIS_URL``; unset = the embedded in-process cache.
    cache_prefix : str
        Prefix of every cache key (``RECSYS_CACHE_PREFIX``), so several worlds can share one Redis.
    model : str
        Artefact name to serve (``RECSYS_MODEL``).
    keys_file : Path or None
        API keys file (``RECSYS_KEYS_FILE``; default ``<data_dir>/api-keys.json``).
    auth : bool
        Require API keys (``RECSYS_AUTH``; ``0`` only for local experiments).
    cors_origins : tuple of str
        Origins allowed besides those bound to public keys (``RECSYS_CORS_ORIGINS``, comma separated).
    max_body_bytes : int
        Largest request body (``RECSYS_MAX_BODY_BYTES``).
    max_batch : int
        Largest batch of interactions or events (``RECSYS_MAX_BATCH``).
    rate_public, rate_server, rate_admin : RateLimit
        Per-key token buckets by scope (``RECSYS_RATE_PUBLIC`` etc., ``RATE/BURST``, ``0`` = off).
    cache_timeout_s : float
        Timeout of one cache call (``RECSYS_CACHE_TIMEOUT``, seconds).
    breaker_cooldown_s : float
        How long the cache is left alone after it failed (``RECSYS_BREAKER_COOLDOWN``).
    ranking_threads : int
        Threads the recommendation routes rank in (``RECSYS_RANKING_THREADS``, default 1; see
        :mod:`serving.workers`).
    publish_on_start : bool
        Publish candidates at start-up even when the cache already holds an active version
        (``RECSYS_PUBLISH_ON_START``); the embedded cache is always published into.
    bench_routes : bool
        Mount the benchmark-only routes (``RECSYS_BENCH_ROUTES=1``).
    demo_page : bool
        Serve the demo page at ``/`` (``RECSYS_DEMO_PAGE``).
    demo_key : str or None
        A public API key the demo page uses (``RECSYS_DEMO_KEY``).
    now : datetime or None
        A fixed clock for demos and tests (``RECSYS_NOW``, ISO 8601 with zone); ``None`` = the real time.

    """

    data_dir: Path = DEFAULT_DATA_DIR
    redis_url: str | None = None
    cache_prefix: str = "recsys"
    model: str = "default"
    keys_file: Path | None = None
    auth: bool = True
    cors_origins: tuple[str, ...] = ()
    max_body_bytes: int = MAX_BODY_BYTES
    max_batch: int = MAX_BATCH
    rate_public: RateLimit = field(default_factory=lambda: RateLimit(50.0, 100.0))
    rate_server: RateLimit = field(default_factory=lambda: RateLimit(1000.0, 2000.0))
    rate_admin: RateLimit = field(default_factory=lambda: RateLimit(10.0, 20.0))
    cache_timeout_s: float = 0.25
    breaker_cooldown_s: float = 2.0
    ranking_threads: int = 1
    publish_on_start: bool = False
    bench_routes: bool = False
    demo_page: bool = False
    demo_key: str | None = None
    now: dt.datetime | None = None

    def __post_init__(self) -> None:
        if self.max_body_bytes < 1024:
            raise InvalidFieldError("max_body_bytes", f"must be at least 1024, got {self.max_body_bytes}")
        if not 1 <= self.max_batch <= MAX_BATCH:
            raise InvalidFieldError("max_batch", f"must be from 1 to {MAX_BATCH}, got {self.max_batch}")
        if not self.cache_timeout_s > 0:
            raise InvalidFieldError("cache_timeout_s", f"must be positive, got {self.cache_timeout_s}")
        if self.breaker_cooldown_s < 0:
            raise InvalidFieldError("breaker_cooldown_s", f"must be >= 0, got {self.breaker_cooldown_s}")
        if not 1 <= self.ranking_threads <= MAX_RANKING_THREADS:
            raise InvalidFieldError(
                "ranking_threads", f"must be from 1 to {MAX_RANKING_THREADS}, got {self.ranking_threads}"
            )
        if self.now is not None and self.now.tzinfo is None:
            raise InvalidFieldError("now", "must carry a time zone")

    @property
    def keys_path(self) -> Path:
        """The API keys file."""
        return self.keys_file if self.keys_file is not None else self.data_dir / KEYS_FILE_NAME

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from ``environ`` (default: ``os.environ``).

        Raises
        ------
        InvalidFieldError
            Naming the variable whose value cannot be read.

        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for item in fields(cls):
            variable = ENV_NAMES[item.name]
            raw = env.get(variable, "").strip()
            if raw:
                values[item.name] = _parse(item.name, variable, raw)
        return cls(**values)


#: The file name of the API keys inside the data folder.
KEYS_FILE_NAME: Final = "api-keys.json"

#: The environment variable of every setting.
ENV_NAMES: Final = {
    "data_dir": "RECSYS_DATA_DIR",
    "redis_url": "REDIS_URL",
    "cache_prefix": "RECSYS_CACHE_PREFIX",
    "model": "RECSYS_MODEL",
    "keys_file": "RECSYS_KEYS_FILE",
    "auth": "RECSYS_AUTH",
    "cors_origins": "RECSYS_CORS_ORIGINS",
    "max_body_bytes": "RECSYS_MAX_BODY_BYTES",
    "max_batch": "RECSYS_MAX_BATCH",
    "rate_public": "RECSYS_RATE_PUBLIC",
    "rate_server": "RECSYS_RATE_SERVER",
    "rate_admin": "RECSYS_RATE_ADMIN",
    "cache_timeout_s": "RECSYS_CACHE_TIMEOUT",
    "breaker_cooldown_s": "RECSYS_BREAKER_COOLDOWN",
    "ranking_threads": "RECSYS_RANKING_THREADS",
    "publish_on_start": "RECSYS_PUBLISH_ON_START",
    "bench_routes": "RECSYS_BENCH_ROUTES",
    "demo_page": "RECSYS_DEMO_PAGE",
    "demo_key": "RECSYS_DEMO_KEY",
    "now": "RECSYS_NOW",
}

_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off"})


def _parse(name: str, variable: str, raw: str) -> Any:
    """Turn one environment value into the field's type."""
    try:
        if name in ("data_dir", "keys_file"):
            return Path(raw)
        if name in ("max_body_bytes", "max_batch", "ranking_threads"):
            return int(raw)
        if name in ("cache_timeout_s", "breaker_cooldown_s"):
            return float(raw)
        if name.startswith("rate_"):
            return RateLimit.parse(raw, variable)
        if name == "cors_origins":
            return tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
        if name == "now":
            return dt.datetime.fromisoformat(raw)
        if name in ("auth", "publish_on_start", "bench_routes", "demo_page"):
            lowered = raw.lower()
            if lowered not in _TRUE | _FALSE:
                raise ValueError("expected 1/0, true/false, yes/no or on/off")
            return lowered in _TRUE
    except ValueError as exc:
        raise InvalidFieldError(variable, f"cannot read {raw!r}: {exc}") from exc
    return raw
