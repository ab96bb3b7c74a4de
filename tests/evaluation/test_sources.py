"""Reading any interactions file: column mapping, separators, header or not, and clear refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recsys.domain.errors import InvalidFieldError
from recsys.evaluation.sources import FileColumns, read_interaction_file, separator


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_csv_with_a_header_and_a_min_weight(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.csv", "user,movie,stars,when\n1,10,5,2020-01-01T00:00:00Z\n1,11,2,1577923200\n2,10,4,2020-01-03\n"
    )
    read = read_interaction_file(path, FileColumns("user", "movie", "when", "stars"), min_weight=3)
    arrays = read.arrays
    assert read.rows_read == 3 and read.rows_below_min_weight == 1 and read.has_time
    assert list(arrays.user_ids[arrays.user_codes]) == ["1", "2"]
    assert list(arrays.event_ids[arrays.event_codes]) == ["10", "10"]
    assert arrays.values.tolist() == [5.0, 4.0]
    assert arrays.timestamps_us.tolist() == [1_577_836_800_000_000, 1_578_009_600_000_000]


def test_a_tab_separated_file_without_header_uses_positions(tmp_path: Path) -> None:
    path = write(tmp_path / "u.data", "196\t242\t3\t881250949\n186\t302\t3\t891717742\n")
    read = read_interaction_file(path, FileColumns("0", "1", "3"), sep="tab", header=False)
    assert len(read.arrays) == 2
    assert np.isnan(read.arrays.values).all()  # no weight column: each row counts 1
    assert separator("\\t") == "\t" and separator(";") == ";"


def test_without_time_every_row_gets_time_zero(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", "u,i\na,x\nb,y\n")
    read = read_interaction_file(path, FileColumns("u", "i"))
    assert not read.has_time and read.arrays.timestamps_us.tolist() == [0, 0]


@pytest.mark.parametrize(
    ("text", "columns", "options", "field", "words"),
    [
        ("u,i\na,x\n", FileColumns("user", "i"), {}, "user_col", "'user' not found"),
        ("u,i\na,x\n", FileColumns("u", "i", time="t"), {}, "time_col", "not found"),
        ("u,i,w\na,x,lots\n", FileColumns("u", "i", weight="w"), {}, "weight_col", "line 2"),
        ("u,i,t\na,x,yesterday\n", FileColumns("u", "i", time="t"), {}, "time_col", "line 2"),
        ("u,i\na,x\n,y\n", FileColumns("u", "i"), {}, "user_col", "line 3"),
        ("u,i\na,x\n", FileColumns("u", "i"), {"min_weight": 1.0}, "min_weight", "weight column"),
        ("u,i,w\na,x,1\n", FileColumns("u", "i", weight="w"), {"min_weight": 2.0}, "min_weight", "below"),
        ("u,i\n", FileColumns("u", "i"), {}, "interactions", "no data rows"),
        ("", FileColumns("u", "i"), {}, "interactions", "empty"),
        ("u,i\na,x\n", FileColumns("u", "i"), {"sep": "::"}, "sep", "one character"),
    ],
)
def test_bad_input_names_the_option(
    tmp_path: Path, text: str, columns: FileColumns, options: dict[str, object], field: str, words: str
) -> None:
    path = write(tmp_path / "bad.csv", text)
    with pytest.raises(InvalidFieldError) as caught:
        read_interaction_file(path, columns, **options)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert words in caught.value.problem


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidFieldError, match="no such file"):
        read_interaction_file(tmp_path / "nope.csv", FileColumns("u", "i"))
