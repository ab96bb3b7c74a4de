"""The content encoder on generated events: cold rows, productions, persistence, determinism."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pytest
import scipy.sparse as sp

from features.content import BLOCKS, DEFAULT_BLOCK_WEIGHTS, STATE_JSON, ContentEncoder, EncoderFormatError
from recsys.domain.errors import InvalidFieldError
from recsys.domain.events import Calendar, CalendarType, Event
from recsys.domain.language import LanguageMap
from recsys.models.base import NotFittedError
from recsys.stores.batches import EVENTS_TABLE_SCHEMA, TRANSLATION_COLUMNS, event_row, flat_table

BRUSSELS = ZoneInfo("Europe/Brussels")


def event(**values: object) -> dict[str, object]:
    """One row of the events table with harmless defaults."""
    row: dict[str, object] = {name: None for name in EVENTS_TABLE_SCHEMA.names}
    row.update(
        event_id="ev-1",
        calendar_type="single",
        status="Available",
        booking="Available",
        workflow_status="APPROVED",
        audience="everyone",
        main_language="nl",
    )
    row.update(values)
    return row


def table(*rows: dict[str, object]) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=EVENTS_TABLE_SCHEMA)


def cosine(m: sp.csr_matrix, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    dots = np.asarray(m[i].multiply(m[j]).sum(axis=1)).ravel()
    return np.asarray(dots / (norms[i] * norms[j]))


@pytest.fixture(scope="module")
def fitted(events: pa.Table) -> tuple[ContentEncoder, sp.csr_matrix]:
    encoder = ContentEncoder()
    return encoder, encoder.fit_transform(events)


def test_shape_names_and_blocks(fitted: tuple[ContentEncoder, sp.csr_matrix], events: pa.Table) -> None:
    encoder, matrix = fitted
    names = encoder.feature_names()
    assert matrix.shape == (events.num_rows, len(names)) and matrix.dtype == np.float32
    assert len(set(names)) == len(names)
    slices = encoder.block_slices()
    assert list(slices) == list(BLOCKS)
    assert all(n.startswith(f"{block}:") for block, s in slices.items() for n in names[s])
    assert len(encoder.vocabularies_["text"]) > 100


def test_each_block_is_unit_length_times_its_weight(fitted: tuple[ContentEncoder, sp.csr_matrix]) -> None:
    encoder, matrix = fitted
    for block, columns in encoder.block_slices().items():
        part = matrix[:, columns]
        norms = np.sqrt(np.asarray(part.multiply(part).sum(axis=1)).ravel())
        present = norms > 0
        np.testing.assert_allclose(norms[present], DEFAULT_BLOCK_WEIGHTS[block], rtol=1e-5)
        if block in ("text", "type", "organizer", "venue", "region", "calendar"):
            assert present.mean() > 0.95, block


def test_an_event_unseen_at_fit_gets_a_row(events: pa.Table) -> None:
    held_out = events.slice(events.num_rows - 20)
    encoder = ContentEncoder().fit(events.slice(0, events.num_rows - 20))
    new = table(
        event(
            event_id="brand-new",
            type_id="0.50.4.0.0",  # concert
            organizer_id="never-seen-organiser",
            location_id="never-seen-venue",
            postcode="9000",
            municipality="Gent",
            name="Nieuwe concerten in de Vooruit",
            description="Een avond vol muziek.",
            base_price=15.0,
            start=dt.datetime(2025, 11, 8, 20, 30, tzinfo=BRUSSELS),
        )
    )
    row = encoder.transform(new)
    assert row.nnz > 0
    names = encoder.feature_names()
    present = {names[c] for c in row.indices}
    assert {"type:0.50.4.0.0", "region:BE-VOV", "price:up-to-20", "weekday:saturday", "weekday:weekend"} <= present
    assert {"time_of_day:evening", "calendar:single"} <= present
    assert not any(n.startswith(("organizer:", "venue:")) for n in present)  # unknown: zeros, not an error
    assert (np.diff(encoder.transform(held_out).indptr) > 0).all()


def test_events_of_one_production_are_closer_than_random_pairs(
    fitted: tuple[ContentEncoder, sp.csr_matrix], events: pa.Table
) -> None:
    _, matrix = fitted
    production = events.column("production_id").to_pylist()
    groups: dict[str, list[int]] = {}
    for i, p in enumerate(production):
        if p is not None:
            groups.setdefault(p, []).append(i)
    pairs = [(g[a], g[b]) for g in groups.values() for a in range(len(g)) for b in range(a + 1, len(g))]
    assert len(pairs) >= 5
    same = cosine(matrix, np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs]))
    rng = np.random.default_rng(0)
    left, right = rng.integers(0, matrix.shape[0], 2_000), rng.integers(0, matrix.shape[0], 2_000)
    keep = left != right
    random = cosine(matrix, left[keep], right[keep])
    assert same.min() > np.percentile(random, 95)
    assert same.mean() > random.mean() + 0.3


def test_save_and_load_give_identical_matrices(
    fitted: tuple[ContentEncoder, sp.csr_matrix], events: pa.Table, tmp_path: Path
) -> None:
    encoder, matrix = fitted
    encoder.save(tmp_path / "enc")
    assert sorted(p.name for p in (tmp_path / "enc").iterdir()) == ["content_encoder.json", "content_encoder.npz"]
    loaded = ContentEncoder.load(tmp_path / "enc")
    assert loaded.get_params() == encoder.get_params()
    assert loaded.feature_names() == encoder.feature_names()
    again = loaded.transform(events)
    assert (again != matrix).nnz == 0
    np.testing.assert_array_equal(again.indices, matrix.indices)


def test_fitting_is_deterministic_and_ignores_row_order(events: pa.Table) -> None:
    a = ContentEncoder().fit(events)
    order = np.random.default_rng(5).permutation(events.num_rows)
    b = ContentEncoder().fit(events.take(pa.array(order)))
    assert a.vocabularies_ == b.vocabularies_
    np.testing.assert_array_equal(a.idf_, b.idf_)
    assert (a.transform(events)[order] != b.transform(events.take(pa.array(order)))).nnz == 0


def test_each_event_is_stemmed_in_its_own_language() -> None:
    rows = table(
        event(event_id="fr", name="Les nuits du théâtre", description="Concerts et théâtres", main_language="fr"),
        event(event_id="nl", name="Theaternachten", description="Concerten en theaters", main_language="nl"),
        event(event_id="en", name="Theatre nights", description="Concerts in English", main_language="en"),
    )
    encoder = ContentEncoder(min_df=1, max_df=1.0)
    m = encoder.fit_transform(rows)
    names = encoder.feature_names()
    terms = [{names[c].removeprefix("text:") for c in m[i].indices if names[c].startswith("text:")} for i in range(3)]
    assert terms[0] == {"nuit", "theatr", "concert"}  # French: "nuits" -> nuit, "théâtres" -> theatr; "les" dropped
    assert terms[1] == {"theaternacht", "concert", "theater"}  # Dutch: "concerten" -> concert; "en" dropped
    assert terms[2] == {"theatr", "night", "concert", "english"}  # English: "in" dropped
    assert cosine(m, np.array([0]), np.array([2]))[0] > cosine(m, np.array([0]), np.array([1]))[0]


def text_terms(encoder: ContentEncoder, m: sp.csr_matrix, row: int) -> set[str]:
    names = encoder.feature_names()
    return {names[c].removeprefix("text:") for c in m[row].indices if names[c].startswith("text:")}


def test_every_translation_is_analysed_in_its_own_language_into_the_text_block(tmp_path: Path) -> None:
    jazz = Event(
        "jazz",
        LanguageMap({"nl": "Jazz in het park", "fr": "Jazz au parc"}, main="nl"),
        Calendar(CalendarType.PERMANENT),
        description=LanguageMap({"nl": "Een gratis concert", "fr": "Une soirée inoubliable", "en": "A free concert"}),
    )
    other = Event("other", LanguageMap.single("Theater in het park"), Calendar(CalendarType.PERMANENT))
    # Through the catalogue's flat table, as training and serving read events.
    rows = flat_table(EVENTS_TABLE_SCHEMA, [event_row(e) for e in (jazz, other)])
    encoder = ContentEncoder(min_df=1, max_df=1.0)
    m = encoder.fit_transform(rows)
    terms = text_terms(encoder, m, 0)
    # "inoubliable" is only in the French description, and is stemmed as French ("inoubli"; Dutch: "inoubliabl").
    assert "inoubli" in terms and "inoubliabl" not in terms
    assert m[0, encoder.feature_names().index("text:inoubli")] > 0
    assert {"jazz", "park", "gratis", "concert"} <= terms  # the main (Dutch) text
    assert {"parc", "soir", "free"} <= terms  # the French and English ones beside it, in the same block
    assert "inoubli" not in text_terms(encoder, m, 1)
    # The option off, the main language alone, as before.
    main_only = ContentEncoder(min_df=1, max_df=1.0, translations=False)
    assert text_terms(main_only, main_only.fit_transform(rows), 0) == {"jazz", "park", "gratis", "concert"}
    # Saved and loaded, the encoder keeps analysing translations.
    loaded = ContentEncoder.load(encoder.save(tmp_path / "enc"))
    assert loaded.translations is True and (loaded.transform(rows) != m).nnz == 0


def test_an_encoder_saved_before_translations_loads_with_them_off(events: pa.Table, tmp_path: Path) -> None:
    folder = ContentEncoder(min_df=1).fit(events.slice(0, 30)).save(tmp_path / "enc")
    state = json.loads((folder / STATE_JSON).read_text(encoding="utf-8"))
    del state["params"]["translations"]
    (folder / STATE_JSON).write_text(json.dumps(state), encoding="utf-8")
    loaded = ContentEncoder.load(folder)
    assert loaded.translations is False
    # It reads tables without the per-language columns, as it did.
    assert loaded.transform(events.slice(0, 3).drop_columns(list(TRANSLATION_COLUMNS))).shape[0] == 3
    with pytest.raises(InvalidFieldError, match="name_fr"):
        ContentEncoder().fit(events.drop_columns(["name_fr"]))


def test_theme_prior_from_the_type_is_weak() -> None:
    rows = table(event(type_id="0.0.0.0.0", theme_id="1.0.6.0.0"), event(event_id="ev-2", type_id="0.0.0.0.0"))
    encoder = ContentEncoder(min_df=1).fit(rows)
    m = encoder.transform(rows).toarray()
    themes = encoder.block_slices()["theme"]
    names = encoder.feature_names()[themes]
    with_theme, without = m[0, themes], m[1, themes]
    assert names[int(np.argmax(with_theme))] == "theme:1.0.6.0.0"
    assert np.sort(with_theme)[-1] > 10 * np.sort(with_theme)[-2]  # own theme dominates the prior
    assert (without > 0).sum() > 5  # a type's suggested themes still describe an event without a theme
    np.testing.assert_allclose(np.linalg.norm(without), DEFAULT_BLOCK_WEIGHTS["theme"])


def test_bands_by_hand() -> None:
    rows = table(
        event(is_free=True, base_price=0.0, min_age=3, max_age=8),
        event(event_id="ev-2", base_price=40.0, min_age=65),
        event(event_id="ev-3", start=dt.datetime(2025, 12, 3, 10, 0, tzinfo=BRUSSELS), calendar_type="periodic"),
    )
    encoder = ContentEncoder(min_df=1).fit(rows)
    m = encoder.transform(rows)
    names = encoder.feature_names()
    present = [{names[c] for c in m[i].indices if not names[c].startswith(("theme:", "type:"))} for i in range(3)]
    assert {"price:free", "age:3-5", "age:6-11"} <= present[0] and "age:12-17" not in present[0]
    assert {"price:above-35", "age:65+"} <= present[1]
    assert {"weekday:wednesday", "time_of_day:morning", "calendar:periodic"} <= present[2]
    assert not any(n.startswith(("price:", "age:")) for n in present[2])  # unknown price, all ages


def test_block_weights_reshape_and_drop_blocks(events: pa.Table) -> None:
    encoder = ContentEncoder(block_weights={"text": 0.0, "production": 2.0}).fit(events)
    assert "text" not in encoder.block_slices()
    m = encoder.transform(events)
    part = m[:, encoder.block_slices()["production"]]
    norms = np.sqrt(np.asarray(part.multiply(part).sum(axis=1)).ravel())
    assert set(np.round(norms, 5)) <= {0.0, 2.0}
    assert m.shape[1] == len(encoder.feature_names())


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"min_df": 0}, "min_df"),
        ({"max_df": 0.0}, "max_df"),
        ({"max_text_features": -1}, "max_text_features"),
        ({"block_weights": {"colour": 1.0}}, "block_weights"),
        ({"block_weights": {"text": -1.0}}, "block_weights.text"),
        ({"suggested_theme_weight": float("nan")}, "suggested_theme_weight"),
        ({"translations": "yes"}, "translations"),
    ],
)
def test_bad_parameters_name_their_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidFieldError) as err:
        ContentEncoder(**kwargs)  # type: ignore[arg-type]
    assert err.value.field == field


def test_misuse_is_refused(events: pa.Table, tmp_path: Path) -> None:
    with pytest.raises(NotFittedError):
        ContentEncoder().transform(events)
    with pytest.raises(InvalidFieldError, match="name"):
        ContentEncoder().fit(events.drop_columns(["name"]))
    with pytest.raises(EncoderFormatError):
        ContentEncoder.load(tmp_path / "nothing-here")


def test_loading_refuses_damaged_or_shifted_files(events: pa.Table, tmp_path: Path) -> None:
    folder = ContentEncoder(min_df=1).fit(events.slice(0, 50)).save(tmp_path / "enc")
    state = json.loads((folder / STATE_JSON).read_text(encoding="utf-8"))
    state["vocabularies"]["price"] = ["free", "cheap"]
    (folder / STATE_JSON).write_text(json.dumps(state), encoding="utf-8")
    with pytest.raises(EncoderFormatError, match="price"):
        ContentEncoder.load(folder)
    state["vocabularies"]["text"] = state["vocabularies"]["text"][:-1]
    state["vocabularies"].pop("price")
    (folder / STATE_JSON).write_text(json.dumps(state), encoding="utf-8")
    with pytest.raises(EncoderFormatError):
        ContentEncoder.load(folder)
    (folder / STATE_JSON).write_text("{not json", encoding="utf-8")
    with pytest.raises(EncoderFormatError):
        ContentEncoder.load(folder)


def test_a_different_stemmer_version_warns(events: pa.Table, tmp_path: Path) -> None:
    folder = ContentEncoder(min_df=1).fit(events.slice(0, 30)).save(tmp_path / "enc")
    state = json.loads((folder / STATE_JSON).read_text(encoding="utf-8"))
    state["stemmer"]["version"] = "0.0"
    (folder / STATE_JSON).write_text(json.dumps(state), encoding="utf-8")
    with pytest.warns(RuntimeWarning, match="snowballstemmer"):
        ContentEncoder.load(folder)


def test_empty_tables(events: pa.Table) -> None:
    encoder = ContentEncoder().fit(events)
    assert encoder.transform(events.slice(0, 0)).shape == (0, len(encoder.feature_names()))
    fitted_on_nothing = ContentEncoder().fit(events.slice(0, 0))
    assert fitted_on_nothing.transform(events.slice(0, 3)).shape[0] == 3
