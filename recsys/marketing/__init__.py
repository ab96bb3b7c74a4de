"""Marketer tools: audience segments, event audiences, A/B/n experiments and their results page.

The library works on arrays (:class:`MarketingData`, :class:`FactorModel`)
and returns dataclasses with ``to_dict()``, so the CLI and an API router call
the same functions. See ``docs/marketing.md``.

>>> segments = Segments(data_dir)                                     # doctest: +SKIP
>>> saved = segments.save({"name": "jong", "rules": [{"age_band": ["18-25"]}]})  # doctest: +SKIP
>>> segments.size(saved.definition, data).estimate                    # doctest: +SKIP
"""

from recsys.marketing.audience import DEFAULT_MIN_AUDIENCE, Audience, event_audience, resolve_events
from recsys.marketing.data import MarketingData, RegionScheme
from recsys.marketing.errors import AudienceTooSmallError, ModelRequiredError, NotFoundError
from recsys.marketing.experiments import ExperimentDefinition, Experiments, SavedExperiment, Status, parse_experiment
from recsys.marketing.matching import evaluate
from recsys.marketing.preview import SegmentPreview, preview_members
from recsys.marketing.results import ExperimentResults, experiment_results
from recsys.marketing.rules import parse_rule
from recsys.marketing.scoring import FactorModel, active_artifact, load_factor_model
from recsys.marketing.segments import SavedSegment, SegmentDefinition, Segments, parse_segment
from recsys.marketing.sizing import SegmentSize, estimate_size, exact_size

__all__ = [
    "DEFAULT_MIN_AUDIENCE",
    "Audience",
    "AudienceTooSmallError",
    "ExperimentDefinition",
    "ExperimentResults",
    "Experiments",
    "FactorModel",
    "MarketingData",
    "ModelRequiredError",
    "NotFoundError",
    "RegionScheme",
    "SavedExperiment",
    "SavedSegment",
    "SegmentDefinition",
    "SegmentPreview",
    "SegmentSize",
    "Segments",
    "Status",
    "active_artifact",
    "estimate_size",
    "evaluate",
    "event_audience",
    "exact_size",
    "experiment_results",
    "load_factor_model",
    "parse_experiment",
    "parse_rule",
    "parse_segment",
    "preview_members",
    "resolve_events",
]
