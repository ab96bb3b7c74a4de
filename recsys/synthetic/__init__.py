"""Synthetic Flemish cultural season for the demo, tests and benchmarks.

>>> from recsys.synthetic import SeasonConfig, generate_season
>>> season = generate_season(SeasonConfig.demo())          # doctest: +SKIP
>>> for batch in season.iter_interaction_batches():         # doctest: +SKIP
...     store.append(batch)

See ``docs/synthetic-data.md`` for the model.
"""

from recsys.synthetic.behaviour import PLACEMENTS, BehaviourModel, ProgressCallback
from recsys.synthetic.config import BehaviourParams, SeasonConfig
from recsys.synthetic.ground_truth import GroundTruth
from recsys.synthetic.municipalities import Municipalities, load_municipalities
from recsys.synthetic.population import USER_SCHEMA
from recsys.synthetic.season import SyntheticSeason, generate_season

__all__ = [
    "PLACEMENTS",
    "USER_SCHEMA",
    "BehaviourModel",
    "BehaviourParams",
    "GroundTruth",
    "Municipalities",
    "ProgressCallback",
    "SeasonConfig",
    "SyntheticSeason",
    "generate_season",
    "load_municipalities",
]
