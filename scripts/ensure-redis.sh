# Sourced by ./dev.sh test: make sure a Redis server answers on $REDIS_URL.
# Installs Debian's redis-server when it is missing and starts a throw-away
# instance (no persistence) when none is running. Exports REDIS_URL.
REDIS_PORT=${RECSYS_TEST_REDIS_PORT:-6379}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:${REDIS_PORT}/0}

redis_answers() {
    command -v redis-cli >/dev/null 2>&1 && [ "$(redis-cli -u "$REDIS_URL" ping 2>/dev/null)" = "PONG" ]
}

if ! redis_answers; then
    if ! command -v redis-server >/dev/null 2>&1; then
        echo "==> installing redis-server (Debian package)"
        SUDO=""
        [ "$(id -u)" -ne 0 ] && SUDO="sudo"
        $SUDO apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
    fi
    echo "==> starting redis-server on port $REDIS_PORT"
    redis-server --port "$REDIS_PORT" --save '' --appendonly no --daemonize yes \
        --logfile /tmp/recsys-test-redis.log >/dev/null
    for _ in $(seq 1 50); do redis_answers && break; sleep 0.1; done
    redis_answers || { echo "redis-server did not start; see /tmp/recsys-test-redis.log" >&2; return 1; }
fi
echo "==> Redis answers at $REDIS_URL"
