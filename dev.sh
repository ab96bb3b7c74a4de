#!/usr/bin/env bash
# The project's two commands, on a fresh machine with Python 3.11:
#   ./dev.sh demo   set up, generate a season, train, then serve the demo on http://127.0.0.1:8000 (no Redis needed)
#   ./dev.sh test   set up, then run every check: ruff, mypy, the test suite (starts Redis)
set -euo pipefail
cd "$(dirname "$0")"

VENV=.venv
PYTHON_BIN=${PYTHON:-$(command -v python3.11 || command -v python3)}

setup() {
    if [ ! -x "$VENV/bin/python" ]; then
        echo "==> creating $VENV with $PYTHON_BIN"
        "$PYTHON_BIN" -m venv "$VENV"
    fi
    # Reinstall only when the dependency list changed.
    local stamp="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
    if [ ! -f "$stamp" ]; then
        echo "==> installing the project and its development tools"
        "$VENV/bin/python" -m pip install --quiet --upgrade pip
        "$VENV/bin/python" -m pip install --quiet -e ".[dev]"
        rm -f "$VENV"/.installed-* && touch "$stamp"
    fi
}

demo() {
    setup
    local data_dir=${RECSYS_DATA_DIR:-recsys-data}
    export RECSYS_DATA_DIR=$data_dir
    # Generates a season and trains (first run, or with --rebuild), creates demo API keys,
    # publishes into the embedded cache and serves http://127.0.0.1:8000 until Ctrl+C.
    exec "$VENV/bin/recsys" demo "$@"
}

run_tests() {
    setup
    # shellcheck source=scripts/ensure-redis.sh
    source scripts/ensure-redis.sh
    # shellcheck source=scripts/ensure-chromium.sh
    source scripts/ensure-chromium.sh
    # The browser tests fail rather than skip without a working Chromium: green means they ran.
    export RECSYS_REQUIRE_BROWSER=1
    # Likewise the Redis tests fail rather than skip without a Redis answering at $REDIS_URL.
    export RECSYS_REQUIRE_REDIS=1
    echo "==> ruff"
    "$VENV/bin/ruff" check .
    "$VENV/bin/ruff" format --check .
    echo "==> mypy"
    "$VENV/bin/mypy"
    echo "==> pytest"
    "$VENV/bin/python" -m pytest "$@"
}

case "${1:-}" in
    demo) shift; demo "$@" ;;
    test) shift; run_tests "$@" ;;
    setup) setup ;;
    *) echo "usage: ./dev.sh demo | ./dev.sh test [pytest args]" >&2; exit 2 ;;
esac
