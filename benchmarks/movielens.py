"""MovieLens 100K under Microsoft Recommenders' protocol: every model here beside published rows and peers.

Run::

    .venv/bin/python benchmarks/movielens.py [--data DIR] [--json OUT.json] [--trials-scale 1.0]
                                             [--protocols stratified-item,stratified]

Protocol: ``u.data`` as is, every rating a positive interaction (binary, no
threshold), 75/25 by ``python_stratified_split`` with seed 42 (reproduced row
for row by :mod:`recsys.evaluation.protocols`), top 10 over every item, the
user's training items removed, metrics over the 943 test users; the MAP
column is their MAP (divided by all relevant items: ``ms_map@10`` here). Two
tables: ``stratified-item`` (``filter_by="item"``), the split their benchmark
notebook's code runs, and ``stratified`` (per user: 75% of each user's
ratings), the split their text describes. Cornac's BPR with the notebook's
settings reproduces the published BPR row under either.

Our models are tuned with ``recsys tune``'s machinery (seeded TPE) on a
validation split carved out of each table's training part (the same split
again, seed 43); the test part is never looked at until the final fit. RP3beta
is tuned the same way, and so are the two models that read the ratings' times:
time-aware EASE (``ease-time``: EASE on co-occurrences weighted up when a
user rated both items close together) and session ALS (``als-session``: ALS
with each user's sessions as extra rows). Time-aware EASE with genres adds
the user's genre profile as inputs, its weight and l2 chosen on validation
from a small grid around the tuned time-aware EASE. The blends (EASE + ALS,
EASE + RP3beta, EASE + RP3beta + ALS, time-aware EASE + ALS, time-aware
EASE + session ALS, time-aware EASE with genres + session ALS) add the
standardised scores of the tuned models with weights chosen on the same
validation split. In the same run: plain ``implicit`` ALS
and BPR with default parameters, popularity, and Cornac's BPR (the published
row's settings) and EASE. Prints Markdown tables and the elapsed time.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from recsys.data.movielens import load_movielens_100k  # noqa: E402
from recsys.evaluation.holdout import ObjectArray, RankingTask  # noqa: E402
from recsys.evaluation.protocols import split_for_protocol  # noqa: E402
from recsys.evaluation.ranking import RankingReport, evaluate_ranking  # noqa: E402
from recsys.evaluation.scoring import Scorer, blend_scorers, model_scorer  # noqa: E402
from recsys.evaluation.sources import FileColumns, read_interaction_file  # noqa: E402
from recsys.models.base import Recommender  # noqa: E402
from recsys.models.data import EventSide, TrainingData  # noqa: E402
from training.config import ModelSpec  # noqa: E402
from training.eval_source import EvaluationSource, item_side  # noqa: E402
from training.evaluate_job import EvaluateSettings, Prepared  # noqa: E402
from training.tune import TuneSettings, run_tuning, split_params  # noqa: E402

DEFAULT_DATA: Final = ROOT.parent / "shared" / "data" / "movielens-100k"
SEED: Final = 42
K: Final = 10
#: Published rows of Microsoft Recommenders' MovieLens 100K benchmark: MAP, NDCG@10, precision@10, recall@10.
PUBLISHED: Final = {
    "BPR (Cornac), published": (0.132, 0.442, 0.388, 0.213),
    "BiVAE (Cornac), published": (0.146, 0.475, 0.412, 0.219),
    "SAR, published": (0.111, 0.382, 0.331, 0.176),
}
#: The tables: the split the benchmark notebook's code runs, then the per-user split its text describes.
PROTOCOL_TITLES: Final = {
    "stratified-item": "python_stratified_split(ratio=0.75, filter_by='item'): the benchmark notebook's code",
    "stratified": "python_stratified_split(ratio=0.75, filter_by='user'): 75% of each user's ratings",
}
#: Optuna trials per model (scaled by --trials-scale).
TRIALS: Final = {"ease": 15, "als": 40, "bpr": 12, "item-knn": 15, "rp3beta": 20, "ease-time": 20, "als-session": 40}
#: The time-aware EASE with the user's genre profile as extra inputs (its time parameters are ease-time's tuned ones).
GENRE_EASE: Final = "ease-time-genres"
#: Content weights and multiples of ease-time's tuned l2 tried on validation for GENRE_EASE.
GENRE_WEIGHTS: Final = (5.0, 10.0, 15.0, 20.0)
GENRE_L2_FACTORS: Final = (0.45, 0.6, 0.8, 1.0)
#: Weights of EASE in the EASE + ALS blend, tried on validation.
BLEND_WEIGHTS: Final = (0.3, 0.4, 0.5, 0.6, 0.7)
#: The blends (their tuned models) and the weight vectors tried for each on validation.
BLENDS: Final = {
    "EASE + ALS blend (ours, tuned)": (("ease", "als"), tuple((w, 1.0 - w) for w in BLEND_WEIGHTS)),
    "EASE + RP3beta blend (ours, tuned)": (
        ("ease", "rp3beta"),
        tuple((w, round(1.0 - w, 2)) for w in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)),
    ),
    "EASE + RP3beta + ALS blend (ours, tuned)": (
        ("ease", "rp3beta", "als"),
        tuple(
            (e, r, round(1.0 - e - r, 2)) for e in (0.4, 0.5, 0.6, 0.7) for r in (0.1, 0.2, 0.3) if 1.0 - e - r > 0.05
        ),
    ),
    "time-aware EASE + ALS blend (ours, tuned)": (("ease-time", "als"), tuple((w, 1.0 - w) for w in BLEND_WEIGHTS)),
    "time-aware EASE + session ALS blend (ours, tuned)": (
        ("ease-time", "als-session"),
        tuple((w, 1.0 - w) for w in BLEND_WEIGHTS),
    ),
    "time-aware EASE with genres + session ALS blend (ours, tuned)": (
        (GENRE_EASE, "als-session"),
        tuple((w, 1.0 - w) for w in BLEND_WEIGHTS),
    ),
}


@dataclass
class Row:
    """One line of the table."""

    name: str
    report: RankingReport | None = None
    published: tuple[float, float, float, float] | None = None
    seconds: float = 0.0
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def values(self) -> tuple[float, float, float, float]:
        if self.published is not None:
            return self.published
        assert self.report is not None
        m = self.report.metrics
        return (m[f"ms_map@{K}"], m[f"ndcg@{K}"], m[f"precision@{K}"], m[f"recall@{K}"])


def load(folder: Path) -> tuple[EvaluationSource, dict[str, tuple[str, ...]]]:
    """u.data as binary interactions (with times), and the genres of every movie."""
    read = read_interaction_file(folder / "u.data", FileColumns("0", "1", "3"), sep="tab", header=False)
    genres = load_movielens_100k(folder).genres
    items = pa.table(
        {
            "item_id": list(genres),
            "labels": pa.array([list(g) for g in genres.values()], pa.list_(pa.string())),
            "group": pa.nulls(len(genres), pa.string()),
        }
    )
    source = EvaluationSource(
        description=f"{folder / 'u.data'} (100,000 ratings, all positive)",
        arrays=read.arrays,
        has_time=True,
        relevant_rows=np.ones(len(read.arrays), dtype=bool),
        items=items,
    )
    return source, genres


def with_genres(data: TrainingData, genres: dict[str, tuple[str, ...]]) -> TrainingData:
    """The training data plus a genre content matrix (for the content and hybrid models)."""
    names = sorted({g for values in genres.values() for g in values})
    index = {g: j for j, g in enumerate(names)}
    ids = data.events.ids.to_pylist()
    rows = [r for r, e in enumerate(ids) for _ in genres.get(e, ())]
    cols = [index[g] for e in ids for g in genres.get(e, ())]
    content = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(ids), len(names)))
    missing = np.full(len(ids), -1, dtype=np.int32)
    side = EventSide(
        content=content,
        organizer_idx=missing,
        venue_idx=missing,
        production_idx=missing,
        region_idx=missing,
        municipality_idx=missing,
        discipline_idx=missing,
        start_us=np.full(len(ids), -1, dtype=np.int64),
        lat=np.full(len(ids), np.nan),
        lon=np.full(len(ids), np.nan),
    )
    return replace(data, event_side=side)


def matrix_scorer(
    user_ids: list[str],
    item_ids: list[str],
    score_rows: Callable[[npt.NDArray[np.int64]], npt.NDArray[np.float32]],
    candidates: ObjectArray,
) -> Scorer:
    """A scorer over ``candidates`` from a library model that scores its own user rows over its own items."""
    user_row = {u: r for r, u in enumerate(user_ids)}
    item_col = {i: c for c, i in enumerate(item_ids)}
    columns = np.asarray([item_col.get(str(c), -1) for c in candidates], dtype=np.int64)

    def score(users: ObjectArray) -> npt.NDArray[np.float32]:
        rows = np.asarray([user_row.get(str(u), -1) for u in users], dtype=np.int64)
        out = np.full((len(users), len(candidates)), -np.inf, dtype=np.float32)
        known = rows >= 0
        if known.any():
            scores = np.asarray(score_rows(rows[known]), dtype=np.float32)
            out[known] = np.where(columns >= 0, scores[:, np.maximum(columns, 0)], -np.inf)
        return out

    return score


def binary_matrix(task: RankingTask) -> tuple[sp.csr_matrix, list[str], list[str]]:
    """The training part as a binary users x items matrix with its ids."""
    train = task.train
    matrix = sp.csr_matrix(
        (np.ones(len(train), dtype=np.float32), (train.user_codes, train.event_codes)),
        shape=(len(train.user_ids), len(train.event_ids)),
    )
    matrix.data[:] = 1.0
    return matrix, [str(u) for u in train.user_ids], [str(i) for i in train.event_ids]


def implicit_rows(task: RankingTask) -> list[Row]:
    """Plain implicit ALS and BPR with their default parameters."""
    from implicit.cpu.als import AlternatingLeastSquares
    from implicit.cpu.bpr import BayesianPersonalizedRanking
    from threadpoolctl import threadpool_limits

    matrix, users, items = binary_matrix(task)
    rows = []
    for name, model_class in (
        ("implicit ALS, defaults", AlternatingLeastSquares),
        ("implicit BPR, defaults", BayesianPersonalizedRanking),
    ):
        started = time.perf_counter()
        with threadpool_limits(1, "blas"):
            model = model_class(random_state=SEED)
            model.fit(matrix, show_progress=False)
        factors = (np.asarray(model.user_factors), np.asarray(model.item_factors))

        def dot(r: npt.NDArray[np.int64], f: tuple[Any, Any] = factors) -> npt.NDArray[np.float32]:
            return np.asarray(f[0][r] @ f[1].T, dtype=np.float32)

        rows.append(
            Row(
                name,
                evaluate(task, matrix_scorer(users, items, dot, task.candidate_ids)),
                seconds=time.perf_counter() - started,
            )
        )
    return rows


def cornac_rows(task: RankingTask) -> list[Row]:
    """Cornac's BPR with the published row's settings, and Cornac's EASE with its defaults."""
    import cornac

    train = task.train
    triples = [
        (str(train.user_ids[u]), str(train.event_ids[i]), 1.0)
        for u, i in zip(train.user_codes, train.event_codes, strict=True)
    ]
    dataset = cornac.data.Dataset.from_uir(triples, seed=SEED)
    users = [u for u, _ in sorted(dataset.uid_map.items(), key=lambda kv: kv[1])]
    items = [i for i, _ in sorted(dataset.iid_map.items(), key=lambda kv: kv[1])]
    rows = []
    for name, model in (
        (
            "Cornac BPR (the published row's settings)",
            cornac.models.BPR(k=200, max_iter=200, learning_rate=0.01, lambda_reg=0.001, seed=SEED, verbose=False),
        ),
        ("Cornac EASE (lambda 500)", cornac.models.EASE(lamb=500, posB=True, seed=SEED, verbose=False)),
    ):
        started = time.perf_counter()
        model.fit(dataset)

        def rows_scores(r: npt.NDArray[np.int64], m: Any = model) -> npt.NDArray[np.float32]:
            return np.vstack([m.score(int(u)) for u in r]).astype(np.float32)

        scorer = matrix_scorer(users, items, rows_scores, task.candidate_ids)
        rows.append(Row(name, evaluate(task, scorer), seconds=time.perf_counter() - started))
    return rows


#: Genres per movie (set by main), for intra-list diversity.
GENRE_TABLE: list[pa.Table] = []


def evaluate(task: RankingTask, scorer: Scorer) -> RankingReport:
    """Every metric at 10 (and the curve cut-offs), with genres as the labels of diversity."""
    side = item_side(GENRE_TABLE[0], task.candidate_ids) if GENRE_TABLE else None
    return evaluate_ranking(task, scorer, k=K, item_side=side)


def fit_report(
    prepared: Prepared, spec: ModelSpec, params: dict[str, Any], data: TrainingData | None = None
) -> tuple[Recommender, RankingReport, float]:
    started = time.perf_counter()
    model = Recommender.registry[spec.model](**{**spec.params, **params}).fit(data or prepared.data)
    report = evaluate(prepared.task, model_scorer(model, prepared.task.candidate_ids))
    return model, report, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the ml-100k folder")
    parser.add_argument("--json", type=Path, default=None, help="also write the tables as JSON here")
    parser.add_argument("--trials-scale", type=float, default=1.0, help="multiply every model's trial count")
    parser.add_argument(
        "--protocols", default=",".join(PROTOCOL_TITLES), help="comma-separated: stratified-item, stratified"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    source, genres = load(args.data)
    if source.items is not None:
        GENRE_TABLE.append(source.items)
    tables = {}
    for protocol in [p.strip() for p in args.protocols.split(",") if p.strip()]:
        table_started = time.perf_counter()
        rows = run_table(source, genres, protocol, args.trials_scale)
        seconds = time.perf_counter() - table_started
        print_table(protocol, rows, seconds)
        tables[protocol] = table_json(rows, seconds)
    elapsed = time.perf_counter() - started
    print(f"\nelapsed (everything): {elapsed:.1f} s", flush=True)
    if args.json is not None:
        args.json.write_text(json.dumps({"elapsed_s": round(elapsed, 1), "tables": tables}, indent=2), encoding="utf-8")
    return 0


def run_table(source: EvaluationSource, genres: dict[str, tuple[str, ...]], protocol: str, scale: float) -> list[Row]:
    """Every row of one table: published, ours (tuned on this split's validation part), peers."""
    from training.eval_models import default_spec

    split = split_for_protocol(protocol, source.arrays, seed=SEED, relevant_rows=source.relevant_rows, validation=True)
    test = split.test
    print(f"\n{protocol} split: {test.summary()}", flush=True)
    settings = EvaluateSettings(protocol=protocol, k=K, seed=SEED)
    base = Prepared.build(source, test, [], settings)
    rows: list[Row] = [Row(name, published=values) for name, values in PUBLISHED.items()]
    popularity = ModelSpec("popularity", "popularity", {"half_life_days": None})
    _, report, seconds = fit_report(base, popularity, {})
    rows.append(Row("popularity", report, seconds=seconds))

    tuned: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for model, trials in TRIALS.items():
        count = max(1, round(trials * scale))
        tune_started = time.perf_counter()
        result = run_tuning(
            source, TuneSettings(model=model, trials=count, metric=f"ndcg@{K}", protocol=protocol, seed=SEED)
        )
        tune_seconds = time.perf_counter() - tune_started
        model_params, weighting = split_params(result.best_params)
        tuned[model] = (model_params, weighting)
        spec = default_spec(model, SEED)
        prepared = Prepared.build(source, test, [spec], replace(settings, config=_weighting_config(weighting)))
        _, report, seconds = fit_report(prepared, spec, model_params)
        default = result.default_value if result.default_value is not None else float("nan")
        note = f"{count} trials ({tune_seconds:.0f} s); validation ndcg@10 {default:.4f} (defaults) -> {result.best_value:.4f}"
        rows.append(
            Row(f"{model} (ours, tuned)", report, seconds=seconds, note=note, extra={"params": result.best_params})
        )
        print(f"{model}: {note}; params {result.best_params}", flush=True)

    rows.append(genre_ease_row(source, split, settings, tuned, genres))

    for model in ("content", "hybrid"):
        spec = default_spec(model, SEED)
        _, report, seconds = fit_report(base, spec, {}, with_genres(base.data, genres))
        rows.append(Row(f"{model} (ours, genres as content)", report, seconds=seconds))

    rows += [
        blend_row(source, split, settings, tuned, genres, name, models, weights)
        for name, (models, weights) in BLENDS.items()
    ]
    rows += implicit_rows(test)
    rows += cornac_rows(test)
    return rows


def _weighting_config(weighting: dict[str, Any]) -> Any:
    from training.config import TrainConfig

    return TrainConfig(weighting=weighting) if weighting else None


def fit_tuned(
    source: EvaluationSource,
    task: RankingTask,
    settings: EvaluateSettings,
    tuned: dict[str, tuple[dict[str, Any], dict[str, Any]]],
    genres: dict[str, tuple[str, ...]],
    key: str,
) -> Recommender:
    """The model tuned under ``key`` fitted on ``task``'s training part (GENRE_EASE: ease-time on data with genres)."""
    from training.eval_models import default_spec

    params, weighting = tuned[key]
    spec = default_spec("ease-time" if key == GENRE_EASE else key, SEED)
    prepared = Prepared.build(source, task, [spec], replace(settings, config=_weighting_config(weighting)))
    if key != GENRE_EASE:
        return prepared.fit(spec, params)
    return Recommender.registry[spec.model](**{**spec.params, **params}).fit(with_genres(prepared.data, genres))


def genre_ease_row(
    source: EvaluationSource,
    split: Any,
    settings: EvaluateSettings,
    tuned: dict[str, tuple[dict[str, Any], dict[str, Any]]],
    genres: dict[str, tuple[str, ...]],
) -> Row:
    """ease-time (its tuned time parameters) with the user's genre profile as inputs; weight and l2 chosen on validation.

    Stores the chosen parameters in ``tuned`` under :data:`GENRE_EASE` for the blends.
    """
    from training.eval_models import default_spec

    started = time.perf_counter()
    params, weighting = tuned["ease-time"]
    spec = default_spec("ease-time", SEED)
    # One training set for the whole grid (the same for every grid point): only the fit changes.
    prepared = Prepared.build(source, split.validation, [spec], replace(settings, config=_weighting_config(weighting)))
    data = with_genres(prepared.data, genres)
    scores: dict[tuple[float, float], float] = {}
    for weight in GENRE_WEIGHTS:
        for factor in GENRE_L2_FACTORS:
            grid_params = {**params, "content_weight": weight, "l2": params["l2"] * factor}
            model = Recommender.registry[spec.model](**{**spec.params, **grid_params}).fit(data)
            report = evaluate(split.validation, model_scorer(model, split.validation.candidate_ids))
            scores[(weight, factor)] = report.metrics[f"ndcg@{K}"]
    weight, factor = max(scores, key=lambda c: (scores[c], -c[0]))
    chosen = {**params, "content_weight": weight, "l2": params["l2"] * factor}
    tuned[GENRE_EASE] = (chosen, weighting)
    model = fit_tuned(source, split.test, settings, tuned, genres, GENRE_EASE)
    report = evaluate(split.test, model_scorer(model, split.test.candidate_ids))
    note = (
        f"genre weight {weight:g}, l2 {chosen['l2']:.0f} ({factor:g} x ease-time's) chosen on validation "
        f"(ndcg@10 {scores[(weight, factor)]:.4f}; {len(scores)} fits)"
    )
    print(f"{GENRE_EASE}: {note}", flush=True)
    name = "ease-time with genres (ours, tuned)"
    return Row(name, report, seconds=time.perf_counter() - started, note=note, extra={"params": chosen})


def blend_row(
    source: EvaluationSource,
    split: Any,
    settings: EvaluateSettings,
    tuned: dict[str, tuple[dict[str, Any], dict[str, Any]]],
    genres: dict[str, tuple[str, ...]],
    name: str,
    models: tuple[str, ...],
    candidates: tuple[tuple[float, ...], ...],
) -> Row:
    """Standardised scores of tuned ``models`` added with the weights (among ``candidates``) best on validation."""
    started = time.perf_counter()

    def scorers(task: RankingTask) -> list[Scorer]:
        return [
            model_scorer(fit_tuned(source, task, settings, tuned, genres, model), task.candidate_ids)
            for model in models
        ]

    on_validation = scorers(split.validation)
    scores = {
        w: evaluate(split.validation, blend_scorers(on_validation, list(w))).metrics[f"ndcg@{K}"] for w in candidates
    }
    # Ties go to the most even weights.
    weights = max(scores, key=lambda w: (scores[w], -float(np.ptp(w))))
    report = evaluate(split.test, blend_scorers(scorers(split.test), list(weights)))
    shown = ", ".join(f"{m} {w:g}" for m, w in zip(models, weights, strict=True))
    note = f"weights {shown} chosen on validation (ndcg@10 {scores[weights]:.4f})"
    print(f"{name}: {note}", flush=True)
    return Row(name, report, seconds=time.perf_counter() - started, note=note)


def print_table(protocol: str, rows: list[Row], elapsed: float) -> None:
    print()
    print(f"MovieLens 100K, {PROTOCOL_TITLES.get(protocol, protocol)} (seed {SEED}), top {K}, all ratings positive")
    print(f"Python {platform.python_version()} on {platform.machine()}, this table {elapsed:.1f} s")
    print()
    print("| model | MAP | NDCG@10 | Precision@10 | Recall@10 | coverage@10 | novelty@10 | seconds |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        values = " | ".join(f"{v:.3f}" for v in row.values())
        if row.report is None:
            print(f"| {row.name} | {values} | | | |")
            continue
        m = row.report.metrics
        print(f"| {row.name} | {values} | {m[f'coverage@{K}']:.3f} | {m[f'novelty@{K}']:.2f} | {row.seconds:.1f} |")
    best = max((r for r in rows if r.report is not None), key=lambda r: r.values()[1])
    print()
    print(
        f"best NDCG@10: {best.name} {best.values()[1]:.4f} (target 0.50: {'reached' if best.values()[1] >= 0.5 else 'not reached'})"
    )
    for row in rows:
        if row.note:
            print(f"- {row.name}: {row.note}")


def table_json(rows: list[Row], elapsed: float) -> dict[str, Any]:
    return {
        "protocol": {"ratio": 0.75, "seed": SEED, "k": K, "binary": True},
        "elapsed_s": round(elapsed, 1),
        "rows": [
            {
                "name": r.name,
                "map": r.values()[0],
                "ndcg@10": r.values()[1],
                "precision@10": r.values()[2],
                "recall@10": r.values()[3],
                "published": r.published is not None,
                "metrics": r.report.as_dict() if r.report is not None else {},
                "seconds": round(r.seconds, 2),
                "note": r.note,
                **r.extra,
            }
            for r in rows
        ],
    }


if __name__ == "__main__":
    raise SystemExit(main())
