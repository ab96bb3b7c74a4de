"""Offline evaluation: protocols, hold-outs, ranking and beyond-accuracy metrics, the evaluator.

- :mod:`~recsys.evaluation.protocols`: ``temporal``, ``random``, ``stratified``,
  ``stratified-item`` and ``leave-one-out`` splits, each with an optional validation part;
- :mod:`~recsys.evaluation.split`: the future-event temporal split;
- :mod:`~recsys.evaluation.holdout`: the hold-out every protocol produces;
- :mod:`~recsys.evaluation.metrics`: accuracy at ``k`` from hit matrices;
- :mod:`~recsys.evaluation.beyond`: coverage, diversity, novelty, serendipity, exposure Gini;
- :mod:`~recsys.evaluation.segments`: per-segment breakdowns;
- :mod:`~recsys.evaluation.ranking`: the evaluator that measures all of it for one scorer;
- :mod:`~recsys.evaluation.evaluate`: the lean evaluator the training job uses;
- :mod:`~recsys.evaluation.scoring`: scorers from models, and blends of scorers;
- :mod:`~recsys.evaluation.sources`: any interactions file read into arrays.

Definitions: ``docs/evaluation.md``.
"""
