"""The candidate cache: what the offline side publishes and the server reads.

:mod:`recsys.cache.protocol` is the contract every backend implements,
:mod:`recsys.cache.cards` the event metadata the server renders and filters
on, :mod:`recsys.cache.keys` builds every key name (one module, versioned by
publish), :mod:`recsys.cache.codec` turns values into bytes, and the backends
live beside them: :mod:`recsys.cache.memory` (the embedded in-process
default) and :mod:`recsys.cache.redis_cache` (the only module of ``recsys``
that imports ``redis``). :func:`recsys.cache.factory.open_cache` picks one.

Publishing: :mod:`recsys.cache.event_cards` builds cards from catalogue
events, :mod:`recsys.cache.candidates` computes the lists from a loaded
artefact's models, and :mod:`recsys.cache.publishing` writes a whole version.
"""
