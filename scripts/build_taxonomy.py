"""Regenerate ``recsys/resources/taxonomy.json`` from publiq's ``terms.json``.

Usage: ``python scripts/build_taxonomy.py ../shared/data/uitdatabank/taxonomy/terms.json``
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "recsys" / "resources" / "taxonomy.json"


def main(source: str) -> None:
    """Write a compact, sorted copy of the terms with the fields the project uses."""
    terms = json.loads(Path(source).read_text(encoding="utf-8"))["terms"]
    compact = [
        {
            "id": t["id"],
            "domain": t["domain"],
            "name": {k: t["name"][k] for k in ("nl", "fr", "de", "en") if k in t["name"]},
            "scope": sorted(t.get("scope", [])),
            "suggested": [s["id"] for s in t.get("otherSuggestedTerms", [])],
        }
        for t in terms
    ]
    compact.sort(key=lambda t: (t["domain"], t["id"]))
    payload = {"source": "publiq taxonomy (taxonomy.uitdatabank.be/terms)", "terms": compact}
    OUT.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(compact)} terms to {OUT}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/uitdatabank/taxonomy/terms.json")
