"""Online pipeline pieces that are pure functions: request filters, rules, re-ranking, explanations.

:mod:`recsys.ranking.request` is what a caller asks for;
:mod:`recsys.ranking.rules` turns scored candidate cards into the final list
(:func:`~recsys.ranking.rules.apply_rules`), chaining one module per job:

- :mod:`~recsys.ranking.eligibility`: open, not cancelled or postponed, bookable, still to come (or running);
- :mod:`~recsys.ranking.filters`: radius, municipality, price, age, taxonomy, access and UiTPAS;
- :mod:`~recsys.ranking.dates`: the date window, the date shown per event, one item per production;
- :mod:`~recsys.ranking.exposure`: a bounded boost for small organisers;
- :mod:`~recsys.ranking.diversity`: MMR over disciplines and organisers;
- :mod:`~recsys.ranking.exploration`: a seeded exploration share;
- :mod:`~recsys.ranking.explain`: reason codes and a short text in nl, fr or en;
- :mod:`~recsys.ranking.times`: instants as microseconds, Brussels days and weekends.

Nothing here does I/O or reads a clock: ``now`` and the exploration seed come from the caller.
"""
