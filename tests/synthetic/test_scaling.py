from __future__ import annotations

import time
import tracemalloc

from recsys.synthetic import SeasonConfig, generate_season


def _peak_while_streaming(config: SeasonConfig) -> tuple[int, int, float]:
    """Interactions, peak traced memory (bytes) and seconds of one streamed run."""
    season = generate_season(config)
    assert season.model.exposure is not None  # built once, outside the measured loop
    rows = 0
    tracemalloc.start()
    started = time.perf_counter()
    try:
        for batch in season.iter_interaction_batches():
            rows += batch.num_rows
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return rows, peak, time.perf_counter() - started


def test_twenty_thousand_users_stream_fast_in_bounded_memory() -> None:
    started = time.perf_counter()
    small_rows, small_peak, _ = _peak_while_streaming(
        SeasonConfig(seed=9, n_users=4_000, n_events=2_000, users_per_chunk=2_000)
    )
    rows, peak, _ = _peak_while_streaming(SeasonConfig(seed=9, n_users=20_000, n_events=2_000, users_per_chunk=2_000))
    elapsed = time.perf_counter() - started
    assert rows > 4 * small_rows > 0
    # Five times the users, about the same peak: memory follows the chunk, not the population.
    assert peak < 1.5 * small_peak
    assert peak < 400 * 2**20
    assert elapsed < 60
