"""Read and check the challenge's ``train.csv``, ``test.csv`` and ``users.csv``.

``recsys.data.kaggle_events`` turns the same files into domain interactions for
a data folder; the ranker needs the raw columns instead (integer ids, the two
label columns, ``users.csv`` as text), so this module reads them with polars
and refuses a file with one error that names the file and the problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

#: The columns each file must have (others are ignored).
TRAIN_COLUMNS = ("user", "event", "invited", "timestamp", "interested", "not_interested")
TEST_COLUMNS = ("user", "event", "invited", "timestamp")
USERS_COLUMNS = ("user_id", "locale", "birthyear", "gender", "joinedAt", "location", "timezone")

#: Impression times as the files write them: ``2012-10-02 15:53:05.754000+00:00``.
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S%.f%:z"


class KaggleInputError(ValueError):
    """An input or output of the Kaggle job cannot be used.

    Parameters
    ----------
    subject : str
        What is wrong: a file path or a command-line option such as ``--out``.
    problem : str
        What is wrong with it, in words a person can act on.

    """

    def __init__(self, subject: str, problem: str) -> None:
        self.subject = subject
        self.problem = problem
        super().__init__(f"{subject}: {problem}")


@dataclass(frozen=True, slots=True)
class KaggleFrames:
    """The three files, checked and typed.

    Parameters
    ----------
    train : polars.DataFrame
        ``user``, ``event`` (Int64), ``invited``, ``interested``, ``not_interested``
        (Int8, 0 or 1), ``timestamp`` (UTC datetime), in file order.
    test : polars.DataFrame
        The same without the two label columns.
    users : polars.DataFrame
        ``user_id`` (Int64) and the other ``users.csv`` columns as text.

    """

    train: pl.DataFrame
    test: pl.DataFrame
    users: pl.DataFrame


def read_folder(folder: Path) -> KaggleFrames:
    """Read the challenge files from ``folder``.

    Raises
    ------
    KaggleInputError
        When the folder or a file is missing, a required column is absent, or
        a value cannot be read (the message names the file, column and line).

    """
    if not folder.is_dir():
        raise KaggleInputError("--data-dir", f"{folder} is not a folder")
    train = _impressions(folder / "train.csv", TRAIN_COLUMNS, ("invited", "interested", "not_interested"))
    test = _impressions(folder / "test.csv", TEST_COLUMNS, ("invited",))
    both = train.filter((pl.col("interested") == 1) & (pl.col("not_interested") == 1))
    if both.height:
        raise KaggleInputError(str(folder / "train.csv"), "a row cannot be both interested and not_interested")
    return KaggleFrames(train=train, test=test, users=_users(folder / "users.csv"))


def _read_text(path: Path, required: Sequence[str]) -> pl.DataFrame:
    """Every column as text, after checking the file and its header."""
    if not path.is_file():
        raise KaggleInputError(str(path), "file not found")
    try:
        frame = pl.read_csv(path, infer_schema=False)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise KaggleInputError(str(path), f"cannot be read as CSV ({exc})") from exc
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise KaggleInputError(str(path), f"missing column(s) {', '.join(missing)}; expected {', '.join(required)}")
    return frame.select(required)


def _first_bad_line(path: Path, column: str, bad: pl.Series, raw: pl.Series) -> KaggleInputError:
    row = int(bad.arg_true()[0])
    # Line 1 is the header.
    return KaggleInputError(str(path), f"line {row + 2}: column {column}: cannot read {raw[row]!r}")


def _integers(path: Path, frame: pl.DataFrame, column: str, allowed: tuple[int, ...] | None) -> pl.Series:
    raw = frame.get_column(column)
    values = raw.str.strip_chars().cast(pl.Int64, strict=False)
    bad = values.is_null()
    if allowed is not None:
        bad = bad | ~values.is_in(allowed)
    if bad.any():
        raise _first_bad_line(path, column, bad, raw)
    return values


def _impressions(path: Path, required: Sequence[str], flags: Sequence[str]) -> pl.DataFrame:
    frame = _read_text(path, required)
    columns = [_integers(path, frame, "user", None), _integers(path, frame, "event", None)]
    columns += [_integers(path, frame, flag, (0, 1)).cast(pl.Int8) for flag in flags]
    raw_time = frame.get_column("timestamp")
    times = raw_time.str.to_datetime(TIMESTAMP_FORMAT, strict=False, time_zone="UTC")
    if times.is_null().any():
        raise _first_bad_line(path, "timestamp", times.is_null(), raw_time)
    return pl.DataFrame([*columns, times.alias("timestamp")])


def _users(path: Path) -> pl.DataFrame:
    frame = _read_text(path, USERS_COLUMNS)
    return frame.with_columns(_integers(path, frame, "user_id", None)).unique(
        "user_id", keep="first", maintain_order=True
    )
