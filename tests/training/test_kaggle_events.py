"""``recsys kaggle-events``: data checks, features without leakage, MAP@200, the submission and the command."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from recsys.cli.main import app
from recsys.domain.errors import InvalidFieldError
from training.kaggle.data import KaggleInputError, read_folder
from training.kaggle.features import (
    LABEL_FEATURES,
    LABEL_FREE_FEATURES,
    PairTable,
    build_pairs,
    label_features,
    out_of_fold_label_features,
    user_groups,
)
from training.kaggle.job import run_kaggle_events
from training.kaggle.metric import apk, mapk
from training.kaggle.model import EventRanker, RankerParams, popularity_scores, rank_per_user
from training.kaggle.submission import write_submission
from training.kaggle.validation import cross_validate

runner = CliRunner()
#: Small and quick, for the tests that fit many rankers.
FAST = RankerParams(max_iter=40, min_samples_leaf=5, inner_folds=3)
START = dt.datetime(2012, 10, 1, 12, 0, tzinfo=dt.UTC)


def stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f+00:00")


def write_kaggle(
    folder: Path, *, train_users: int = 120, test_users: int = 30, events: int = 50, seed: int = 0
) -> Path:
    """Kaggle-shaped train/test/users CSVs with a planted signal.

    Users are interested in events with a high latent appeal, and more so in
    the impressions of their latest timestamp; a third of the users see all
    their candidates at one timestamp, as the leaderboard users did.
    """
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    appeal = rng.random(events)
    event_ids = 10_000 + np.cumsum(rng.integers(1, 80_000_000, size=events))  # ids up to ~2^32, as in the file
    locations = ["Medan  Indonesia", "Stratford  Ontario", "Tehran  Iran", ""]
    user_rows = []
    train_rows = []
    test_rows = []
    for index in range(train_users + test_users):
        user = 1_000 + index * 7
        in_train = index < train_users
        shown = rng.choice(events, size=int(rng.integers(4, 9)), replace=False)
        n_times = 1 if index % 3 == 0 else int(rng.integers(2, 4))
        times = sorted(START + dt.timedelta(days=int(index % 20), hours=int(h)) for h in rng.choice(48, n_times, False))
        gender = ["male", "female", ""][index % 3]
        birthyear = "None" if index % 5 == 0 else str(1960 + index % 40)
        joined = "" if index % 11 == 0 else (START - dt.timedelta(days=index % 30)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        user_rows.append(
            [
                user,
                ["en_US", "id_ID", "fr_FR"][index % 3],
                birthyear,
                gender,
                joined,
                locations[index % 4],
                420 if index % 2 else "",
            ]
        )
        wanted = 0
        for position, event in enumerate(shown):
            moment = times[min(position * n_times // len(shown), n_times - 1)]
            latest = moment == times[-1]
            invited = int(rng.random() < 0.05)
            if not in_train:
                test_rows.append([user, event_ids[event], invited, stamp(moment)])
                continue
            interested = int(rng.random() < 0.15 + 0.5 * appeal[event] + (0.3 if latest and n_times > 1 else 0.0))
            if position == len(shown) - 1 and not wanted:
                interested = 1  # every train user has an interested event, as in the real file
            wanted += interested
            not_interested = int(not interested and rng.random() < 0.1)
            train_rows.append([user, event_ids[event], invited, stamp(moment), interested, not_interested])
    write_csv(
        folder / "train.csv", ["user", "event", "invited", "timestamp", "interested", "not_interested"], train_rows
    )
    write_csv(folder / "test.csv", ["user", "event", "invited", "timestamp"], test_rows)
    write_csv(
        folder / "users.csv",
        ["user_id", "locale", "birthyear", "gender", "joinedAt", "location", "timezone"],
        user_rows,
    )
    return folder


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def read_submission(path: Path) -> tuple[list[str], list[tuple[int, list[int]]]]:
    lines = path.read_text().splitlines()
    rows = []
    for line in lines[1:]:
        user, events = line.split(",")
        rows.append((int(user), [int(e) for e in events.split(" ")]))
    return lines[:1], rows


def candidates_of(path: Path) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    with path.open() as handle:
        for row in csv.DictReader(handle):
            events = found.setdefault(int(row["user"]), [])
            if int(row["event"]) not in events:
                events.append(int(row["event"]))
    return found


@pytest.fixture
def kaggle(tmp_path: Path) -> Path:
    return write_kaggle(tmp_path / "kaggle")


@pytest.fixture
def table(kaggle: Path) -> PairTable:
    return build_pairs(read_folder(kaggle))


# MAP@200 as the competition defined it ------------------------------------------------------------


def test_apk_against_hand_computed_examples() -> None:
    # Hits at ranks 2 and 4: (1/2 + 2/4) / 2.
    assert apk({2, 4}, [1, 2, 3, 4]) == pytest.approx(0.5)
    # One relevant event at rank 3: MAP reduces to the reciprocal rank.
    assert apk({7}, [1, 2, 7]) == pytest.approx(1 / 3)
    # Hits at ranks 1 and 3, three relevant events (one never ranked): (1 + 2/3) / 3.
    assert apk({1, 3, 9}, [1, 2, 3]) == pytest.approx((1 + 2 / 3) / 3)
    # A repeated prediction counts once.
    assert apk({1, 2}, [1, 1, 2]) == pytest.approx((1 + 2 / 3) / 2)
    # A user with no interested event scores 0.
    assert apk(set(), [1, 2]) == 0.0
    assert apk({5}, []) == 0.0


def test_apk_cuts_at_k_and_normalises_by_min_of_k_and_relevant() -> None:
    ranked = list(range(300))
    # The only relevant event sits at rank 201: outside the top 200.
    assert apk({200}, ranked) == 0.0
    assert apk({199}, ranked) == pytest.approx(1 / 200)
    # 250 relevant events, all ranked first: the denominator is min(250, 200).
    assert apk(set(range(250)), ranked) == pytest.approx(1.0)
    assert apk({3}, [1, 2, 3], k=2) == 0.0


def test_mapk_is_the_mean_over_users() -> None:
    assert mapk([{1}, {2}, set()], [[1, 2], [1, 2], [1]]) == pytest.approx((1 + 0.5 + 0) / 3)
    assert mapk([], []) == 0.0
    with pytest.raises(ValueError, match="2 relevant sets but 1"):
        mapk([{1}, {2}], [[1]])


# Reading the files ---------------------------------------------------------------------------------


def test_read_folder_types_and_pairs(kaggle: Path, table: PairTable) -> None:
    frames = read_folder(kaggle)
    assert frames.train.columns == ["user", "event", "invited", "interested", "not_interested", "timestamp"]
    assert frames.train.height == sum(1 for _ in (kaggle / "train.csv").open()) - 1
    assert table.features.shape == (len(table), len(LABEL_FREE_FEATURES))
    # One row per (user, event, file): no duplicate pairs.
    keys = set(zip(table.user.tolist(), table.event.tolist(), table.is_train.tolist(), strict=True))
    assert len(keys) == len(table)
    assert set(table.user[~table.is_train].tolist()) == set(candidates_of(kaggle / "test.csv"))


def test_duplicate_impressions_become_one_pair(tmp_path: Path) -> None:
    folder = write_kaggle(tmp_path / "k", train_users=10, test_users=3)
    with (folder / "test.csv").open() as handle:
        first = handle.read().splitlines()[1]
    with (folder / "test.csv").open("a") as handle:
        handle.write(first + "\n")
    table = build_pairs(read_folder(folder))
    user, event = (int(v) for v in first.split(",")[:2])
    match = (table.user == user) & (table.event == event) & ~table.is_train
    assert match.sum() == 1
    assert table.features[match, LABEL_FREE_FEATURES.index("times_shown")][0] == 2


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "train.csv",
            "user,event,invited,timestamp,interested\n1,2,0,2012-10-02 15:53:05+00:00,1\n",
            "missing column(s) not_interested",
        ),
        ("test.csv", "user,event,invited\n1,2,0\n", "missing column(s) timestamp"),
        ("users.csv", "user_id,locale\n1,en_US\n", "missing column(s) birthyear"),
        (
            "train.csv",
            "user,event,invited,timestamp,interested,not_interested\n1,2,0,yesterday,1,0\n",
            "line 2: column timestamp",
        ),
        (
            "train.csv",
            "user,event,invited,timestamp,interested,not_interested\n1,2,0,2012-10-02 15:53:05+00:00,2,0\n",
            "line 2: column interested",
        ),
        ("test.csv", "user,event,invited,timestamp\nabc,2,0,2012-10-02 15:53:05+00:00\n", "line 2: column user"),
        (
            "train.csv",
            "user,event,invited,timestamp,interested,not_interested\n1,2,0,2012-10-02 15:53:05+00:00,1,1\n",
            "both interested and not_interested",
        ),
        ("users.csv", "", "cannot be read as CSV"),
    ],
)
def test_bad_files_name_the_file_and_the_problem(kaggle: Path, name: str, content: str, expected: str) -> None:
    (kaggle / name).write_text(content)
    with pytest.raises(KaggleInputError, match=re.escape(expected)) as caught:
        read_folder(kaggle)
    assert caught.value.subject == str(kaggle / name)


def test_missing_folder_and_missing_file(kaggle: Path, tmp_path: Path) -> None:
    with pytest.raises(KaggleInputError, match="is not a folder") as caught:
        read_folder(tmp_path / "absent")
    assert caught.value.subject == "--data-dir"
    (kaggle / "users.csv").unlink()
    with pytest.raises(KaggleInputError, match="users.csv: file not found"):
        read_folder(kaggle)


# Features without leakage --------------------------------------------------------------------------


def with_labels_flipped(table: PairTable, users: set[int]) -> PairTable:
    """The same table with every label of ``users`` inverted."""
    chosen = np.isin(table.user, list(users)) & table.is_train
    interested = table.interested.copy()
    interested[chosen] = 1 - interested[chosen]
    not_interested = table.not_interested.copy()
    not_interested[chosen] = 0
    return dataclasses.replace(table, interested=interested, not_interested=not_interested)


def test_label_features_of_held_out_rows_ignore_their_users_labels(table: PairTable) -> None:
    train_rows = np.flatnonzero(table.is_train)
    folds = user_groups(table.user[train_rows], 3, seed=1)
    held, fit = train_rows[folds == 0], train_rows[folds != 0]
    source = np.zeros(len(table), dtype=bool)
    source[fit] = True
    before = label_features(table, source, held)
    flipped = with_labels_flipped(table, set(table.user[held].tolist()))
    np.testing.assert_array_equal(label_features(flipped, source, held), before)
    # Sanity check that the test can see a difference: flipping the fitted users' labels does change them.
    changed = with_labels_flipped(table, set(table.user[fit].tolist()))
    assert not np.array_equal(label_features(changed, source, held), before)
    assert before.shape == (len(held), len(LABEL_FEATURES))


def test_out_of_fold_label_features_never_count_the_rows_own_user(table: PairTable) -> None:
    rows = np.flatnonzero(table.is_train)
    before = out_of_fold_label_features(table, rows, 4, seed=0)
    groups = user_groups(table.user[rows], 4, seed=0)
    for group in range(4):
        own = set(table.user[rows[groups == group]].tolist())
        after = out_of_fold_label_features(with_labels_flipped(table, own), rows, 4, seed=0)
        np.testing.assert_array_equal(after[groups == group], before[groups == group])


def test_held_out_scores_do_not_depend_on_held_out_labels(table: PairTable) -> None:
    train_rows = np.flatnonzero(table.is_train)
    folds = user_groups(table.user[train_rows], 3, seed=0)
    held, fit = train_rows[folds == 0], train_rows[folds != 0]
    before = EventRanker(FAST, seed=0).fit(table, fit).score(table, held)
    flipped = with_labels_flipped(table, set(table.user[held].tolist()))
    after = EventRanker(FAST, seed=0).fit(flipped, fit).score(flipped, held)
    np.testing.assert_array_equal(after, before)


def test_label_counts_match_a_hand_count(table: PairTable) -> None:
    train_rows = np.flatnonzero(table.is_train)
    source = np.zeros(len(table), dtype=bool)
    source[train_rows] = True
    test_rows = np.flatnonzero(~table.is_train)
    features = label_features(table, source, test_rows)
    row = test_rows[0]
    same_event = table.is_train & (table.event == table.event[row])
    assert features[0, 0] == table.interested[same_event].sum()
    assert features[0, 1] == table.not_interested[same_event].sum()
    assert features[0, 2] == same_event.sum()


def test_user_groups_keep_users_together_and_balanced() -> None:
    users = np.repeat(np.arange(10, dtype=np.int64), 3)
    groups = user_groups(users, 3, seed=5)
    for user in range(10):
        assert len(set(groups[users == user].tolist())) == 1
    sizes = np.bincount(groups[::3], minlength=3)
    assert sizes.max() - sizes.min() <= 1
    np.testing.assert_array_equal(groups, user_groups(users, 3, seed=5))


# Ranking and validation ----------------------------------------------------------------------------


def test_rank_per_user_orders_best_first_with_file_order_ties(table: PairTable) -> None:
    rows = np.flatnonzero(~table.is_train)
    user = table.user[rows[0]]
    own = rows[table.user[rows] == user]
    scores = np.zeros(len(rows))
    scores[table.user[rows] == user] = np.arange(len(own), dtype=np.float64)
    ranked = dict(rank_per_user(table, rows, scores))
    assert ranked[user] == table.event[own][::-1].tolist()
    # All ties: file order.
    tied = dict(rank_per_user(table, rows, np.zeros(len(rows))))
    assert tied[user] == table.event[own].tolist()
    assert [u for u, _ in rank_per_user(table, rows, scores)] == list(dict.fromkeys(table.user[rows].tolist()))


def test_popularity_counts_users_of_train_and_test(table: PairTable) -> None:
    row = np.flatnonzero(~table.is_train)[0]
    assert popularity_scores(table, np.array([row]))[0] == (table.event == table.event[row]).sum()


def test_cross_validation_beats_popularity_on_the_planted_signal(table: PairTable) -> None:
    result = cross_validate(table, n_folds=3, seed=0, params=FAST)
    n_train_users = len(np.unique(table.user[table.is_train]))
    assert result.all_users.users == n_train_users
    assert result.single_timestamp.users + result.multi_timestamp.users == n_train_users
    assert len(result.per_fold) == 3
    assert 0.0 < result.all_users.popularity < 1.0
    assert result.all_users.ours > result.all_users.popularity
    assert result == cross_validate(table, n_folds=3, seed=0, params=FAST)


@pytest.mark.parametrize("folds", [1, 10_000])
def test_impossible_fold_counts_are_refused(table: PairTable, folds: int) -> None:
    with pytest.raises(InvalidFieldError, match="need between 2 and"):
        cross_validate(table, n_folds=folds, params=FAST)


# The job and the submission ------------------------------------------------------------------------


def test_submission_format(kaggle: Path, tmp_path: Path) -> None:
    out = tmp_path / "submission.csv"
    result = run_kaggle_events(kaggle, out, folds=2, seed=0, params=FAST)
    header, rows = read_submission(out)
    assert header == ["User,Events"]
    candidates = candidates_of(kaggle / "test.csv")
    assert [user for user, _ in rows] == list(candidates)  # one row per test user, in file order
    for user, events in rows:
        assert len(events) == len(set(events))  # each candidate exactly once
        assert sorted(events) == sorted(candidates[user])
    assert result.test_users == len(candidates)
    assert result.validation is not None
    assert not list(tmp_path.glob(".submission.csv.*"))  # no temporary file left


def test_submission_is_best_first(kaggle: Path, tmp_path: Path) -> None:
    out = tmp_path / "submission.csv"
    run_kaggle_events(kaggle, out, validate=False, seed=3, params=FAST)
    table = build_pairs(read_folder(kaggle))
    ranker = EventRanker(FAST, seed=3).fit(table, np.flatnonzero(table.is_train))
    test_rows = np.flatnonzero(~table.is_train)
    scores = dict(
        zip(
            zip(table.user[test_rows].tolist(), table.event[test_rows].tolist(), strict=True),
            ranker.score(table, test_rows).tolist(),
            strict=True,
        )
    )
    for user, events in read_submission(out)[1]:
        ranked = [scores[(user, e)] for e in events]
        assert ranked == sorted(ranked, reverse=True)


def test_same_seed_same_file(kaggle: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    run_kaggle_events(kaggle, first, validate=False, seed=7, params=FAST)
    run_kaggle_events(kaggle, second, validate=False, seed=7, params=FAST)
    assert first.read_bytes() == second.read_bytes()


def test_bad_input_leaves_the_previous_submission_untouched(kaggle: Path, tmp_path: Path) -> None:
    out = tmp_path / "submission.csv"
    out.write_text("previous\n")
    (kaggle / "test.csv").write_text("user,event\n1,2\n")
    with pytest.raises(KaggleInputError, match="missing column"):
        run_kaggle_events(kaggle, out, params=FAST)
    assert out.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kaggle", "submission.csv"]


def test_unwritable_out_is_refused_before_any_work(kaggle: Path, tmp_path: Path) -> None:
    with pytest.raises(KaggleInputError, match="does not exist") as caught:
        run_kaggle_events(kaggle, tmp_path / "absent" / "s.csv", params=FAST)
    assert caught.value.subject == "--out"
    with pytest.raises(KaggleInputError, match="is a folder"):
        run_kaggle_events(kaggle, tmp_path, params=FAST)


def test_write_submission_replaces_atomically(tmp_path: Path) -> None:
    out = tmp_path / "s.csv"
    write_submission(out, [(1, [3, 2]), (4, [5])])
    assert out.read_text() == "User,Events\n1,3 2\n4,5\n"
    write_submission(out, [(9, [8])])
    assert out.read_text() == "User,Events\n9,8\n"
    assert [p.name for p in tmp_path.iterdir()] == ["s.csv"]


def test_train_without_both_labels_is_refused(kaggle: Path, tmp_path: Path) -> None:
    lines = (kaggle / "train.csv").read_text().splitlines()
    rows = [line.rsplit(",", 2)[0] + ",1,0" for line in lines[1:]]
    (kaggle / "train.csv").write_text("\n".join([lines[0], *rows]) + "\n")
    with pytest.raises(KaggleInputError, match="needs rows with interested=1 and rows without"):
        run_kaggle_events(kaggle, tmp_path / "s.csv", params=FAST)


# The command ---------------------------------------------------------------------------------------


def test_command_writes_a_submission_and_prints_both_figures(kaggle: Path, tmp_path: Path) -> None:
    out = tmp_path / "submission.csv"
    result = runner.invoke(
        app, ["kaggle-events", "--data-dir", str(kaggle), "--out", str(out), "--folds", "2", "--seed", "1"]
    )
    assert result.exit_code == 0, result.output
    for text in ("MAP@200", "ours (ranker)", "popularity ordering", "one timestamp", "submission for 30 test users"):
        assert text in result.output, result.output
    assert out.read_text().startswith("User,Events\n")


def test_command_no_validate_skips_the_estimate(kaggle: Path, tmp_path: Path) -> None:
    out = tmp_path / "submission.csv"
    result = runner.invoke(app, ["kaggle-events", "--data-dir", str(kaggle), "--out", str(out), "--no-validate"])
    assert result.exit_code == 0, result.output
    assert "MAP@200" not in result.output
    assert len(out.read_text().splitlines()) == 31


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--data-dir", "{tmp}/absent", "--out", "{tmp}/s.csv"], "--data-dir: {tmp}/absent is not a folder"),
        (["--data-dir", "{kaggle}", "--out", "{tmp}/absent/s.csv"], "--out: folder {tmp}/absent does not exist"),
        (["--data-dir", "{kaggle}", "--out", "{tmp}/s.csv", "--folds", "1"], "--folds: need between 2 and"),
    ],
)
def test_command_bad_input_exits_2_with_one_clear_error(
    kaggle: Path, tmp_path: Path, args: list[str], expected: str
) -> None:
    filled = [a.format(tmp=tmp_path, kaggle=kaggle) for a in args]
    result = runner.invoke(app, ["kaggle-events", *filled])
    assert result.exit_code == 2, result.output
    assert expected.format(tmp=tmp_path) in " ".join(result.output.split())
    assert not (tmp_path / "s.csv").exists()


def test_command_missing_file_and_column(kaggle: Path, tmp_path: Path) -> None:
    (kaggle / "users.csv").unlink()
    result = runner.invoke(app, ["kaggle-events", "--data-dir", str(kaggle), "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 2
    assert f"{kaggle / 'users.csv'}: file not found" in " ".join(result.output.split())
    assert not (tmp_path / "s.csv").exists()


def test_command_requires_out_and_finds_no_default_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, ["kaggle-events"])
    assert result.exit_code == 2
    assert "--out" in result.output
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["kaggle-events", "--out", "s.csv"])
    assert result.exit_code == 2
    assert "--data-dir: not given" in " ".join(result.output.split())


def test_root_data_dir_option_does_not_clash(kaggle: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.csv"
    args = [
        "--data-dir",
        str(tmp_path / "world"),
        "kaggle-events",
        "--data-dir",
        str(kaggle),
        "--out",
        str(out),
        "--no-validate",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert out.is_file()


# The real data -------------------------------------------------------------------------------------


def test_real_data_submission_shape(shared_data: Path, tmp_path: Path) -> None:
    folder = shared_data / "kaggle-event-recommendation"
    if not (folder / "test.csv").is_file():
        pytest.skip(f"Kaggle event data not found at {folder}")
    out = tmp_path / "submission.csv"
    result = runner.invoke(app, ["kaggle-events", "--data-dir", str(folder), "--out", str(out), "--folds", "2"])
    assert result.exit_code == 0, result.output
    assert "popularity ordering" in result.output
    header, rows = read_submission(out)
    candidates = candidates_of(folder / "test.csv")
    assert header == ["User,Events"]
    assert len(rows) == len(candidates) == 1_357
    assert {user: sorted(events) for user, events in rows} == {u: sorted(e) for u, e in candidates.items()}
