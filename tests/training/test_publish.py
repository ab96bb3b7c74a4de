"""Publishing a trained artefact's candidates into the cache (embedded and Redis), on the 300-user season."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from recsys.artifacts import ArtifactError, ArtifactRegistry
from recsys.cache.event_cards import WHEELCHAIR_FACILITIES
from recsys.cache.memory import MemoryCache
from recsys.cache.protocol import POPULAR_ALL, CandidateCache, region_scope, type_scope
from recsys.cache.publish_models import load_publish_models, read_ranker_inputs
from recsys.cli.main import app
from recsys.stores.workspace import Workspace
from tests.cache.conftest import drop_prefix, redis_url_or_skip, unique_prefix
from tests.training.conftest import FAST_CONFIG
from training.config import parse_config
from training.job import train
from training.publish import publish

NOW = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
NAME = FAST_CONFIG["name"]


@pytest.fixture(scope="module")
def trained(season_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The season with a promoted artefact of the fast config (trained once for this module)."""
    folder = tmp_path_factory.mktemp("publish") / "data"
    shutil.copytree(season_template, folder)
    shutil.rmtree(folder / "artifacts", ignore_errors=True)
    with Workspace(folder) as workspace:
        train(workspace, dataclasses.replace(parse_config(FAST_CONFIG), promote=True))
    return folder


@pytest.fixture(params=["memory", "redis"])
def cache(request: pytest.FixtureRequest) -> Iterator[CandidateCache]:
    if request.param == "memory":
        yield MemoryCache()
        return
    from recsys.cache.redis_cache import RedisCache

    url = redis_url_or_skip()
    prefix = unique_prefix()
    backend = RedisCache(url, prefix=prefix, socket_timeout=10.0)
    try:
        yield backend
    finally:
        backend.close()
        drop_prefix(url, prefix)


def open_at(folder: Path, now: dt.datetime) -> dict[str, object]:
    with Workspace(folder) as workspace:
        return {e.id: e for e in workspace.catalogue.iter_events() if e.is_recommendable(now)}


def test_a_publish_writes_every_kind_of_list_over_open_events(trained: Path, cache: CandidateCache) -> None:
    steps: list[str] = []
    with Workspace(trained) as workspace:
        result = publish(workspace, cache, name=NAME, now=NOW, progress=lambda step, done, total: steps.append(step))
    open_events = open_at(trained, NOW)
    assert open_events and cache.active_version() == result.version == cache.versions()[0]
    artifact = ArtifactRegistry(trained / "artifacts").load_active(NAME)
    assert result.version.startswith(f"{artifact.version}.p")
    assert {"cards", "user candidates", "similar events", "popular lists", "commit"} <= set(steps)

    info = cache.version_info(result.version)
    assert info == result.info
    ranker = read_ranker_inputs(artifact)
    assert ranker is not None and info["base_model"] == ranker.base == "hybrid"
    columns = info["score_columns"]
    assert columns[0] == "hybrid" and set(columns[1:]) == set(ranker.score_models) - {"hybrid"}
    assert info["model"] == NAME and info["artifact_version"] == artifact.version
    assert info["now"] == "2026-05-01T00:00:00Z" and info["card_popularity"] == "ranker"
    counts = info["counts"]
    assert counts["open_events"] == counts["cards"] == len(open_events)
    assert counts["users"] > 100 and counts["similar"] >= len(open_events) // 2 and counts["popular"] > 3

    # A user with history gets candidates: open events only, nothing already interacted with, best first.
    models = load_publish_models(artifact)
    base = models.base
    user_idx = int(np.argmax(np.diff(base.seen_.indptr)))
    user = base.users_.id_of(user_idx)
    found = cache.user_candidates(result.version, user)
    assert found is not None and 0 < len(found) <= 200
    assert set(found.event_ids) <= set(open_events)
    seen = {base.events_.id_of(i) for i in base.seen_[user_idx].indices}
    assert not seen & set(found.event_ids)
    assert found.scores.shape == (len(found), len(columns))
    assert np.all(np.diff(found.scores[:, 0]) <= 0)
    expected = base.score_users(np.asarray([user_idx], dtype=np.int32))[0]
    np.testing.assert_allclose(found.scores[:, 0], expected[base.events_.indices_of(list(found.event_ids))], atol=1e-5)
    assert cache.user_candidates(result.version, "nobody-at-all") is None

    # Cards for every open event; ones shown carry region and access facts.
    cards = cache.cards(result.version, sorted(open_events))
    assert all(c is not None for c in cards)
    for shown in cards:
        assert shown is not None
        assert shown.region is not None or shown.postcode is None
        assert shown.accessible == (not WHEELCHAIR_FACILITIES.isdisjoint(shown.facility_ids))
        assert shown.popularity >= 0.0
    assert any(c.small_organizer for c in cards if c) and not all(c.small_organizer for c in cards if c)

    # Similar events: open, never the event itself nor its own production's other dates.
    production = {c.event_id: c.production_id for c in cards if c}
    with_lists = 0
    for event_id in sorted(open_events):
        similar = cache.similar_events(result.version, event_id)
        if similar is None:
            continue
        with_lists += 1
        assert event_id not in similar.event_ids and set(similar.event_ids) <= set(open_events)
        if production[event_id] is not None:
            assert all(production[e] != production[event_id] for e in similar.event_ids)
        assert np.all(np.diff(similar.scores[:, 0]) <= 1e-6)
    assert with_lists >= len(open_events) // 2

    # Popular lists overall, per region and per event type, most popular first.
    overall = cache.popular(result.version, POPULAR_ALL)
    assert overall is not None and len(overall) == min(200, len(open_events))
    assert np.all(np.diff(overall.scores[:, 0]) <= 0)
    regions = {c.region for c in cards if c and c.region}
    types = {c.type_id for c in cards if c and c.type_id}
    for scope in [region_scope(r) for r in regions] + [type_scope(t) for t in types]:
        listed = cache.popular(result.version, scope)
        assert listed is not None and set(listed.event_ids) <= set(open_events), scope
    assert counts["popular"] == 1 + len(regions) + len(types)


def test_a_second_publish_keeps_two_versions_and_rolls_back(trained: Path, cache: CandidateCache) -> None:
    with Workspace(trained) as workspace:
        first = publish(workspace, cache, name=NAME, now=NOW, n_similar=0)
        time.sleep(0.002)  # version ids carry the publish time in milliseconds
        second = publish(workspace, cache, name=NAME, now=NOW + dt.timedelta(days=7), n_similar=0)
        assert cache.versions() == [second.version, first.version]
        assert cache.active_version() == second.version
        assert cache.rollback() == first.version
        assert cache.active_version() == first.version
        time.sleep(0.002)
        third = publish(workspace, cache, name=NAME, now=NOW, n_user_candidates=0, n_similar=0)
    assert cache.versions() == [third.version, first.version]
    assert cache.version_info(third.version)["counts"]["users"] == 0
    assert cache.popular(third.version, POPULAR_ALL) is not None
    # A week later fewer events are open: the second version's lists were drawn from those.
    assert second.info["counts"]["open_events"] <= first.info["counts"]["open_events"]


def test_a_user_deleted_since_training_gets_no_list(trained: Path, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(trained, folder)
    cache = MemoryCache()
    with Workspace(folder) as workspace:
        user = load_publish_models(ArtifactRegistry(workspace.artifacts_dir).load_active(NAME)).base.users_.id_of(0)
        assert workspace.interactions.delete_user(user) > 0
        result = publish(workspace, cache, name=NAME, now=NOW, n_similar=0, n_popular=0)
    assert cache.user_candidates(result.version, user) is None
    assert result.info["counts"]["users"] > 0


def test_publishing_needs_an_active_artefact(season: Path) -> None:
    with Workspace(season) as workspace, pytest.raises(ArtifactError, match="no version is active"):
        publish(workspace, MemoryCache(), name="default", now=NOW)


def test_the_publish_command(trained: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    monkeypatch.delenv("REDIS_URL", raising=False)
    args = ["--data-dir", str(trained), "publish", "--model", NAME, "--now", "2026-05-01T00:00:00Z"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "is active in memory" in said and "dry run" in said
    assert runner.invoke(app, ["--data-dir", str(trained), "publish", "--model", "nope"]).exit_code == 1
    bad_prefix = runner.invoke(app, [*args, "--redis-url", "redis://127.0.0.1:1/0", "--prefix", "a:b"])
    assert bad_prefix.exit_code == 2 and "prefix" in bad_prefix.output


def test_the_publish_command_into_redis_and_train_publishing_last(
    trained: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from recsys.cache.redis_cache import RedisCache

    url = redis_url_or_skip()
    prefix = unique_prefix()
    runner = CliRunner()
    data = tmp_path / "data"
    shutil.copytree(trained, data)  # training again changes the active artefact: work on a copy
    try:
        args = ["--data-dir", str(data), "publish", "-m", NAME, "--redis-url", url, "--prefix", prefix]
        result = runner.invoke(app, [*args, "--now", "2026-05-01"])
        assert result.exit_code == 0, result.output
        cache = RedisCache(url, prefix=prefix)
        (version,) = cache.versions()
        assert f"cache version {version} is active" in " ".join(result.output.split())
        assert cache.version_info(version)["counts"]["users"] > 0

        # recsys train --promote publishes last when a cache is configured.
        monkeypatch.setenv("REDIS_URL", url)
        monkeypatch.setenv("RECSYS_CACHE_PREFIX", prefix)
        config = tmp_path / "fast.toml"
        config.write_text(TOML)
        trained_again = runner.invoke(app, ["--data-dir", str(data), "train", "-c", str(config), "--promote"])
        assert trained_again.exit_code == 0, trained_again.output
        assert "is active in redis://" in " ".join(trained_again.output.split())
        assert len(cache.versions()) == 2 and cache.active_version() != version
        cache.close()

        monkeypatch.delenv("REDIS_URL")
        quiet = runner.invoke(app, ["--data-dir", str(data), "train", "-c", str(config), "--promote"])
        assert quiet.exit_code == 0 and "the server publishes candidates at start-up" in " ".join(quiet.output.split())
    finally:
        drop_prefix(url, prefix)


TOML = """
name = "fast"
seed = 7

[split]
holdout_days = 42

[evaluation]
metrics = ["ndcg@10"]
max_users = 0

[models.popularity]

[models.hybrid]
factors = 8
iterations = 4
"""
