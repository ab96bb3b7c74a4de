"""Cost of the online rules and re-ranking (``recsys.ranking.rules.apply_rules``) per request.

Run::

    .venv/bin/python benchmarks/rules.py [--candidates 500] [--n 20] [--repeat 7] [--number 200]

Builds ``--candidates`` synthetic scored event cards in memory (seeded): dates
spread over the next 60 days (1-6 occurrences, some past, cancelled or sold
out), 5 % closed events, 10 % running offers, productions touring up to four
venues, 20 disciplines, 60 organisers (a third small), coordinates across
Flanders, prices and age ranges, duplicates across sources. It then times,
in the same process and run, alternating:

- **baseline**: ``sorted(items, key=score, reverse=True)[:n]``, just sorting
  the candidates by score;
- **rules, default request**: ``n`` items, Dutch, diversity 0.3, exploration
  0.1, explanations on, distances from a home ``origin``;
- **rules, filtered request**: the same plus a 50 km radius, a 14-day date
  window, a maximum price and an age.

Prints microseconds per call (best of ``--repeat`` rounds of ``--number``
calls) as a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import timeit
from collections.abc import Callable, Sized

from recsys.cache.cards import EventCard, Occurrence
from recsys.ranking.request import RecommendationRequest
from recsys.ranking.rules import SOURCES, ScoredCard, apply_rules
from recsys.ranking.times import BRUSSELS, to_us

NOW = dt.datetime(2026, 11, 18, 10, 0, tzinfo=BRUSSELS)
HOUR_US = 3_600_000_000
GENT = (51.0543, 3.7174)


def make_candidates(count: int, seed: int = 7) -> list[ScoredCard]:
    """``count`` scored candidates (some event ids twice, from two sources)."""
    rng = random.Random(seed)
    now_us = to_us(NOW)
    cards: list[EventCard] = []
    productions = [f"prod-{i}" for i in range(count // 8)]
    for i in range(int(count * 0.9)):
        running = rng.random() < 0.1
        occurrences: tuple[Occurrence, ...] = ()
        if not running:
            dates = []
            for _ in range(rng.randint(1, 6)):
                start = now_us + rng.randint(-72, 60 * 24) * HOUR_US
                status = "Unavailable" if rng.random() < 0.05 else "Available"
                booking = "Unavailable" if rng.random() < 0.08 else "Available"
                dates.append(Occurrence(start, start + 2 * HOUR_US, status, booking))
            occurrences = tuple(sorted(dates, key=lambda o: o.start_us))
        organizer = rng.randrange(60)
        price = rng.choice([None, 0.0, 0.0, 8.0, 12.0, 15.0, 22.0, 35.0])
        low_age = rng.choice([None, None, 3, 6, 12, 16])
        cards.append(
            EventCard(
                event_id=f"event-{i}",
                name={"nl": f"Voorstelling {i}", "fr": f"Spectacle {i}", "en": f"Show {i}"},
                occurrences=occurrences,
                calendar_type="periodic" if running else "multiple",
                available_from_us=now_us - 10 * 24 * HOUR_US if running else None,
                available_to_us=now_us + 40 * 24 * HOUR_US if running else None,
                status="Unavailable" if rng.random() < 0.05 else "Available",
                production_id=rng.choice(productions) if rng.random() < 0.3 else None,
                organizer_id=f"org-{organizer}",
                small_organizer=organizer % 3 == 0,
                municipality=rng.choice(["Gent", "Antwerpen", "Brugge", "Leuven", "Hasselt", "Kortrijk"]),
                postcode=str(rng.randrange(1000, 9999)),
                lat=50.8 + rng.random() * 0.6,
                lon=2.8 + rng.random() * 2.6,
                type_id=f"type-{rng.randrange(20)}",
                type_label={"nl": f"Discipline {i % 20}", "fr": f"Discipline {i % 20}", "en": f"Discipline {i % 20}"},
                theme_id=f"theme-{rng.randrange(30)}",
                price_eur=price,
                min_age=low_age,
                max_age=None if low_age is None else low_age + rng.choice([6, 12, 80]),
            )
        )
    items = [
        ScoredCard(
            c,
            rng.random(),
            rng.choice(SOURCES),
            because_of="hist-1" if rng.random() < 0.3 else None,
            because_of_title={"nl": "Hamlet", "fr": "Hamlet", "en": "Hamlet"},
        )
        for c in cards
    ]
    # The rest: the same events again from another source (duplicates the rules must merge).
    items += [ScoredCard(c, rng.random(), "popular") for c in rng.sample(cards, count - len(items))]
    rng.shuffle(items)
    return items


def best_us(call: Callable[[], object], repeat: int, number: int) -> float:
    """Best microseconds per call over ``repeat`` rounds of ``number`` calls."""
    return min(timeit.repeat(call, repeat=repeat, number=number)) / number * 1e6


def main() -> None:
    """Run the benchmark and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--number", type=int, default=200)
    args = parser.parse_args()

    items = make_candidates(args.candidates)
    plain = RecommendationRequest(n=args.n, lang="nl", diversity=0.3, exploration=0.1, explain=True)
    filtered = RecommendationRequest(
        n=args.n,
        lang="nl",
        lat=GENT[0],
        lon=GENT[1],
        radius_km=50.0,
        date_from=NOW,
        date_to=NOW + dt.timedelta(days=14),
        max_price=25.0,
        age=30,
        diversity=0.3,
        exploration=0.1,
    )
    n = args.n
    cases: dict[str, Callable[[], Sized]] = {
        "baseline: sort by score": lambda: sorted(items, key=lambda s: s.score, reverse=True)[:n],
        "rules, default request": lambda: apply_rules(items, plain, NOW, origin=GENT, seed=11),
        "rules, filtered request": lambda: apply_rules(items, filtered, NOW, seed=11),
    }
    kept = {name: len(call()) for name, call in cases.items()}
    results: dict[str, list[float]] = {name: [] for name in cases}
    # Alternate the cases round by round so that a noisy neighbour hits them alike.
    for _ in range(args.repeat):
        for name, call in cases.items():
            results[name].append(best_us(call, 1, args.number))
    baseline = min(results["baseline: sort by score"])
    print(f"{args.candidates} candidates, n={n}; Python {platform.python_version()} on {platform.machine()}")
    print()
    print(f"| case | µs per call (best of {args.repeat} × {args.number}) | × baseline | items returned |")
    print("|---|---|---|---|")
    for name, values in results.items():
        best = min(values)
        print(f"| {name} | {best:,.0f} | {best / baseline:.1f} | {kept[name]} |")


if __name__ == "__main__":
    main()
