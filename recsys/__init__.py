"""Core library of the cultural event recommender: domain, data, stores, models, evaluation."""

__version__ = "0.1.0"
