"""Entry point: :func:`generate_season` builds a whole synthetic season from a :class:`SeasonConfig`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pyarrow as pa

from recsys.domain.events import Event, Organizer, Place
from recsys.domain.interactions import INTERACTION_SCHEMA
from recsys.domain.users import User
from recsys.synthetic.behaviour import BehaviourModel, ProgressCallback
from recsys.synthetic.catalogue import Catalogue, generate_catalogue
from recsys.synthetic.config import SeasonConfig
from recsys.synthetic.ground_truth import GroundTruth
from recsys.synthetic.municipalities import Municipalities, load_municipalities
from recsys.synthetic.population import Population, generate_population, iter_users, user_ids, users_table


@dataclass(frozen=True, slots=True)
class SyntheticSeason:
    """A generated season: catalogue, users, hidden truth and a stream of interactions.

    Parameters
    ----------
    config : SeasonConfig
        What was generated.
    catalogue : Catalogue
        Events, places and organisers as domain objects, with their columns.
    users : pyarrow.Table
        One row per user (``population.USER_SCHEMA``); row ``i`` is user ``i``
        of the ground truth.
    ground_truth : GroundTruth
        Hidden tastes, activity, loyalty, event quality and style, aligned
        with ``users`` and ``events``.
    municipalities : Municipalities
        The municipalities users and venues are in.
    model : BehaviourModel
        The behavioural model that produces the interactions.
    progress : callable or None
        Default progress callback ``(users_done, n_users)`` of
        :meth:`iter_interaction_batches`.

    """

    config: SeasonConfig
    catalogue: Catalogue
    users: pa.Table
    ground_truth: GroundTruth
    municipalities: Municipalities
    model: BehaviourModel = field(repr=False)
    progress: ProgressCallback | None = None

    @property
    def events(self) -> list[Event]:
        """The events, in date order (ids ``syn-<seed>-event-<n>``)."""
        return self.catalogue.events

    @property
    def places(self) -> list[Place]:
        """The venues; the last one is the dummy online location."""
        return self.catalogue.places

    @property
    def organizers(self) -> list[Organizer]:
        """The organisers."""
        return self.catalogue.organizers

    def iter_interaction_batches(self, progress: ProgressCallback | None = None) -> Iterator[pa.Table]:
        """Interactions as Arrow tables with ``INTERACTION_SCHEMA``, one per chunk of users.

        Memory stays bounded by ``config.users_per_chunk``; the stream is the
        same on every call.

        Parameters
        ----------
        progress : callable, optional
            Called as ``progress(users_done, n_users)`` after each chunk;
            defaults to the callback given to :func:`generate_season`.

        """
        return self.model.iter_batches(progress if progress is not None else self.progress)

    def interactions(self) -> pa.Table:
        """All interactions in one table (convenient for small seasons)."""
        batches = list(self.iter_interaction_batches())
        return pa.concat_tables(batches) if batches else INTERACTION_SCHEMA.empty_table()

    def iter_users(self) -> Iterator[User]:
        """The users as :class:`~recsys.domain.users.User` objects, built lazily."""
        return iter_users(self.users)


def generate_season(config: SeasonConfig | None = None, progress: ProgressCallback | None = None) -> SyntheticSeason:
    """Generate a synthetic Flemish cultural season.

    The catalogue and the population are built at once; interactions are
    simulated only when :meth:`SyntheticSeason.iter_interaction_batches` is
    iterated. The same config gives byte-identical output.

    Parameters
    ----------
    config : SeasonConfig, optional
        Defaults to :meth:`SeasonConfig.demo`.
    progress : callable, optional
        ``progress(users_done, n_users)``, called while interactions are generated.

    Returns
    -------
    SyntheticSeason
        Catalogue, users, ground truth and the interaction stream.

    """
    config = config or SeasonConfig.demo()
    munis = load_municipalities()
    if config.municipalities is not None:
        munis = munis.select(config.municipalities)
    catalogue = generate_catalogue(config, munis)
    population: Population = generate_population(config, munis, catalogue.organizer_table)
    truth = GroundTruth.from_parts(population, catalogue.arrays, config.behaviour)
    users = users_table(population, munis, user_ids(config.seed, 0, len(population)))
    event_ids = pa.array([e.id for e in catalogue.events], type=pa.string())
    user_id_column = users.column("user_id").combine_chunks()
    model = BehaviourModel(config, catalogue.arrays, event_ids, population, user_id_column, munis, truth)
    return SyntheticSeason(config, catalogue, users, truth, munis, model, progress)
