# Sourced by ./dev.sh test: make sure a headless Chromium is available for the
# browser tests (tests/browser). Uses $CHROMIUM_PATH when it points to an
# executable, else a chromium already on PATH, else installs Debian's
# `chromium` package. Exports CHROMIUM_PATH. Does not stop the script itself:
# without a browser the browser tests fail under ./dev.sh test (it sets
# RECSYS_REQUIRE_BROWSER=1), and skip with a reason when run by hand.

find_chromium() {
    local candidate
    if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; then
        echo "$CHROMIUM_PATH"
        return 0
    fi
    for candidate in chromium chromium-browser google-chrome-stable google-chrome; do
        if command -v "$candidate" >/dev/null 2>&1; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

if ! CHROMIUM_PATH=$(find_chromium); then
    echo "==> installing chromium (Debian package) for the browser tests"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    # Playwright drives this executable; `playwright install` downloads are not used.
    if $SUDO apt-get update -qq >/dev/null \
        && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null; then
        CHROMIUM_PATH=$(find_chromium) || CHROMIUM_PATH=""
    else
        echo "could not install chromium; the browser tests cannot run" >&2
        CHROMIUM_PATH=""
    fi
fi

if [ -n "$CHROMIUM_PATH" ]; then
    export CHROMIUM_PATH
    echo "==> Chromium at $CHROMIUM_PATH"
else
    unset CHROMIUM_PATH
fi
