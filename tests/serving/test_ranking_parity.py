"""Train/serve parity: the server builds the very ranking rows that training built for the same request."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from features.content import ContentEncoder
from features.ranking import RANKING_FEATURES
from features.training_data import build_training_data
from recsys.artifacts import ArtifactRegistry, data_digest
from recsys.evaluation.split import open_events, select_interactions, to_us
from recsys.stores.workspace import Workspace
from serving.engine import Engine
from tests.serving.world import FAST_CONFIG, NOW, World
from training.config import build_weighting, parse_config
from training.ranking_data import RankingInputs, RankingSetup

USERS = 8


def test_training_and_serving_build_equal_rows_for_the_same_user_candidates_and_time(world_template: World) -> None:
    config = parse_config(FAST_CONFIG)
    cutoff = to_us(NOW)
    with Workspace(world_template.path) as workspace:
        events = workspace.catalogue.events_table()
        users = workspace.catalogue.users_table()
        arrays = workspace.interactions.export_arrays()
        artifact = ArtifactRegistry(workspace.artifacts_dir).load_active(config.name)

    # The training side, rebuilt as the job built it for its final models (checked by the data digest).
    train = select_interactions(arrays, arrays.timestamps_us < cutoff)
    assert data_digest(train) == artifact.manifest["data_digest"]
    weighting = build_weighting(config.weighting)
    encoder = ContentEncoder.load(artifact.component_path("encoder"))
    data = build_training_data(events, train, weighting=weighting, reference_time_us=cutoff, encoder=encoder)
    inputs = RankingInputs.load(artifact.component_path("ranking"))
    models = {name: artifact.load_model(name) for name in artifact.model_names}
    setup = RankingSetup.build(
        data=data,
        models=models,
        base=inputs.base,
        events_table=events,
        users_table=users,
        arrays=train,
        weighting=weighting,
    )
    np.testing.assert_array_equal(setup.popularity, inputs.popularity)
    allowed = data.events.indices_of(pa.array(open_events(events, cutoff), pa.string()))
    # Users with a home and a history, so that distance and history features are filled in.
    chosen = np.asarray(
        [u for u in range(len(data.users)) if np.isfinite(setup.users.lat[u]) and len(setup.users.history(u))][:USERS],
        dtype=np.int64,
    )
    assert len(chosen) == USERS
    excluded = np.zeros((len(chosen), len(allowed)), dtype=bool)
    _, top, training_rows, groups = setup.candidates_and_rows(chosen, allowed, excluded, inputs.candidates)

    # The serving side: the engine of the same artefact, asked for the same users, candidates and time.
    engine = Engine.from_artifact(artifact, events, users)
    assert engine.ranker is not None and engine.score_models == inputs.score_models
    for i, user in enumerate(chosen):
        user_id = data.users.id_of(int(user))
        event_ids = data.events.ids_of(allowed[top[i][top[i] >= 0]])
        columns = engine.scores(user_id, {}, event_ids, list(engine.score_models))
        request = {
            "facts": engine.user_facts(user_id),
            "now_us": cutoff,
            "history_ids": data.events.ids_of(setup.users.history(int(user))),
            "event_ids": event_ids,
            "columns": columns,
        }
        serving_rows = engine.ranking_rows(**request)
        expected = training_rows[groups == i]
        assert serving_rows.shape == expected.shape and len(expected) > 0
        # Every feature the row builder derives is bit-equal. Model scores may differ in the last float32 bit:
        # training scores users in batches (matrix products), the server one user at a time.
        exact = [j for j, name in enumerate(RANKING_FEATURES) if not name.startswith("score_")]
        scores = [j for j, name in enumerate(RANKING_FEATURES) if name.startswith("score_")]
        np.testing.assert_array_equal(serving_rows[:, exact], expected[:, exact], err_msg=f"user {user_id}")
        np.testing.assert_allclose(serving_rows[:, scores], expected[:, scores], rtol=1e-6, err_msg=f"user {user_id}")
        assert np.isfinite(expected[:, scores]).any()
        # And what the server scores is the ranker's output on exactly these rows.
        np.testing.assert_array_equal(engine.rank(**request), engine.ranker.predict(serving_rows))

    # Events put again unchanged (a live edit that changed nothing) leave the rows as they were:
    # their popularity and ranking columns are kept, not reset.
    with Workspace(world_template.path) as workspace:
        again = [workspace.catalogue.get_event(e) for e in request["event_ids"][:3]]
    before = engine.ranking_rows(**request)
    assert engine.add_events([e for e in again if e is not None]) == 3
    np.testing.assert_array_equal(engine.ranking_rows(**request), before)
