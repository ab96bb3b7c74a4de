from pathlib import Path

import pyarrow.compute as pc

from recsys.data.kaggle_events import load_kaggle_events
from recsys.data.movielens import load_movielens_100k
from recsys.domain.interactions import INTERACTION_SCHEMA, InteractionKind
from recsys.domain.taxonomy import default_taxonomy


def test_movielens_100k_into_the_domain_model(shared_data: Path) -> None:
    data = load_movielens_100k(shared_data / "movielens-100k")
    assert data.interactions.schema == INTERACTION_SCHEMA
    assert data.interactions.num_rows == 100_000
    assert len(data.events) == 1682
    assert len(data.users) == 943
    assert pc.unique(data.interactions.column("kind")).to_pylist() == [InteractionKind.RATING]
    assert pc.min_max(data.interactions.column("value")).as_py() == {"min": 1.0, "max": 5.0}
    taxonomy = default_taxonomy()
    assert all(e.type_id in taxonomy for e in data.events)
    assert all(e.theme_id is None or e.theme_id in taxonomy for e in data.events)
    toy_story = next(e for e in data.events if e.id == "1")
    assert toy_story.name.get() == "Toy Story (1995)"
    assert toy_story.theme_id == "1.7.12.0.0"  # animation and children's films


def test_kaggle_events_into_the_domain_model(shared_data: Path) -> None:
    data = load_kaggle_events(shared_data / "kaggle-event-recommendation")
    assert data.train.schema == INTERACTION_SCHEMA
    assert data.train.num_rows == 15_398
    assert data.test.num_rows == 10_237
    kinds = data.train.column("kind").to_pylist()
    assert kinds.count(InteractionKind.LIKE) == 4131
    assert kinds.count(InteractionKind.DISMISS) == 514
    invited = [c for c in data.train.column("context").to_pylist() if c]
    assert len(invited) == 654
    assert len(data.users) == 38_209
    train_users = set(data.train.column("user_id").to_pylist())
    test_users = set(data.test.column("user_id").to_pylist())
    assert not train_users & test_users
