"""Where an event is, coarsely: its Belgian province (or the Brussels-Capital Region).

The region comes from the **postcode** first. Belgian postcodes are allocated
by province in fixed ranges (bpost), so the first digits settle the province
for every Belgian municipality, Walloon ones included, whatever language or
spelling the address uses. Only when the postcode is missing or not four
digits does the **municipality name** decide, looked up (case-insensitively)
among the Dutch names of the shipped municipality list
(:func:`recsys.synthetic.municipalities.load_municipalities`, Flanders and
Brussels only). Anything else has no region.

Regions are named by their ISO 3166-2:BE codes and :data:`REGIONS` fixes
their order, so region codes are the same for every data set.
"""

from __future__ import annotations

from functools import cache
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from recsys.synthetic.municipalities import PROVINCES, load_municipalities

#: Every region, sorted; a region code is a position in this tuple.
REGIONS: Final = (
    "BE-BRU",  # Brussels-Capital Region
    "BE-VAN",  # Antwerpen
    "BE-VBR",  # Vlaams-Brabant
    "BE-VLI",  # Limburg
    "BE-VOV",  # Oost-Vlaanderen
    "BE-VWV",  # West-Vlaanderen
    "BE-WBR",  # Brabant wallon
    "BE-WHT",  # Hainaut
    "BE-WLG",  # Liège
    "BE-WLX",  # Luxembourg
    "BE-WNA",  # Namur
)

#: First postcode of each range and the region it belongs to (bpost's allocation).
POSTCODE_RANGES: Final = (
    (1000, "BE-BRU"),
    (1300, "BE-WBR"),
    (1500, "BE-VBR"),  # Halle-Vilvoorde
    (2000, "BE-VAN"),
    (3000, "BE-VBR"),  # Leuven
    (3500, "BE-VLI"),
    (4000, "BE-WLG"),
    (5000, "BE-WNA"),
    (6000, "BE-WHT"),
    (6600, "BE-WLX"),
    (7000, "BE-WHT"),
    (8000, "BE-VWV"),
    (9000, "BE-VOV"),
)

_PROVINCE_CODES: Final = {
    "Antwerpen": "BE-VAN",
    "Limburg": "BE-VLI",
    "Oost-Vlaanderen": "BE-VOV",
    "Vlaams-Brabant": "BE-VBR",
    "West-Vlaanderen": "BE-VWV",
    "Brussel": "BE-BRU",
}
_STARTS: Final = np.array([start for start, _ in POSTCODE_RANGES], dtype=np.int64)
_RANGE_REGION: Final = np.array([REGIONS.index(region) for _, region in POSTCODE_RANGES], dtype=np.int32)


@cache
def _municipality_regions() -> dict[str, int]:
    munis = load_municipalities()
    return {
        name.casefold(): REGIONS.index(_PROVINCE_CODES[PROVINCES[int(province)]])
        for name, province in zip(munis.name, munis.province, strict=True)
    }


def region_codes(
    postcodes: pa.Array | pa.ChunkedArray, municipalities: pa.Array | pa.ChunkedArray
) -> npt.NDArray[np.int32]:
    """Return the region of each row as a position in :data:`REGIONS` (``-1`` when unknown).

    Parameters
    ----------
    postcodes, municipalities : pyarrow string arrays
        Aligned columns (``postcode`` and ``municipality`` of the events table); nulls allowed.

    Returns
    -------
    numpy.ndarray of int32
        Region codes.

    """
    post = pc.utf8_trim_whitespace(postcodes)
    valid = pc.fill_null(pc.match_substring_regex(post, r"^[1-9]\d{3}$"), False)
    numbers = pc.if_else(valid, post, "0").cast(pa.int64()).to_numpy(zero_copy_only=False)
    codes = np.full(len(numbers), -1, dtype=np.int32)
    known = np.asarray(valid.to_numpy(zero_copy_only=False), dtype=bool)
    codes[known] = _RANGE_REGION[np.searchsorted(_STARTS, numbers[known], side="right") - 1]
    missing = np.flatnonzero(~known)
    if len(missing):
        # Few rows lack a postcode; a dictionary lookup per row is fine.
        by_name = _municipality_regions()
        names = pc.take(municipalities, pa.array(missing)).to_pylist()
        codes[missing] = [by_name.get(n.strip().casefold(), -1) if n else -1 for n in names]
    return codes


def region_of(postcode: str | None, municipality: str | None = None) -> str | None:
    """Return the ISO 3166-2:BE region of one address, or ``None``.

    Examples
    --------
    >>> region_of("9000")
    'BE-VOV'
    >>> region_of(None, "Hasselt")
    'BE-VLI'

    """
    code = int(region_codes(pa.array([postcode], pa.string()), pa.array([municipality], pa.string()))[0])
    return REGIONS[code] if code >= 0 else None
