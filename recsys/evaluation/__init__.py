"""Offline evaluation: hold-out protocols and ranking metrics.

:mod:`recsys.evaluation.split` builds the future-event temporal split;
:mod:`recsys.evaluation.metrics` scores ranked lists against relevant sets.
"""
