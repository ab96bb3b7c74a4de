"""Recommendation models behind one contract (see :mod:`recsys.models.base`)."""
