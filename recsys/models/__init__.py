"""Recommendation models behind one contract (see :mod:`recsys.models.base`).

Importing this package registers every model in ``Recommender.registry`` by
its ``name``. implicit and scikit-learn are imported only when a model is
fitted, so importing the package stays cheap.
"""

from recsys.models.als import ALSRecommender
from recsys.models.base import ColdUserError, NotFittedError, Reason, Recommendation, Recommender
from recsys.models.bpr import BPRRecommender
from recsys.models.content import ContentRecommender
from recsys.models.data import EventSide, TrainingData
from recsys.models.ease import EASERecommender, TooManyEventsError
from recsys.models.hybrid import HybridRecommender
from recsys.models.item_knn import ItemKNNRecommender
from recsys.models.popularity import PopularityRecommender, TrendingRecommender
from recsys.models.rp3beta import RP3betaRecommender
from recsys.models.session_als import SessionALSRecommender
from recsys.models.time_ease import TimeEASERecommender

__all__ = [
    "ALSRecommender",
    "BPRRecommender",
    "ColdUserError",
    "ContentRecommender",
    "EASERecommender",
    "EventSide",
    "HybridRecommender",
    "ItemKNNRecommender",
    "NotFittedError",
    "PopularityRecommender",
    "RP3betaRecommender",
    "Reason",
    "Recommendation",
    "Recommender",
    "SessionALSRecommender",
    "TimeEASERecommender",
    "TooManyEventsError",
    "TrainingData",
    "TrendingRecommender",
]
