#!/usr/bin/env bash
# The container engine of `make test-containers` and `make compose-up`: Docker 20.10 from
# Debian's docker.io, its daemon started here by PID (no systemd), Compose v2 built from its Go
# module (Debian has only v1), and every image built locally (deploy/images.py).
#   deploy/engine.sh run CMD...  install, start, build the images, run CMD, stop the daemon
#   deploy/engine.sh up | down   start and leave running | stop what `up` started
#   deploy/engine.sh compose ARGS...  the Compose v2 binary
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=.cache/engine
COMPOSE=${GWS_COMPOSE:-${XDG_CACHE_HOME:-$HOME/.cache}/gws-outbound/docker-compose-v2.40.3}
PY=${PY:-.venv/bin/python}
export GWS_COMPOSE=$COMPOSE DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock}

install() {
    local missing=()
    command -v dockerd >/dev/null || missing+=(docker.io)
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    if ((${#missing[@]})); then
        echo "installing ${missing[*]} from Debian" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >/dev/null
    fi
    deploy/build-compose.sh "$COMPOSE"
}

answers() { docker info >/dev/null 2>&1; }

start() {
    mkdir -p "$STATE"
    if answers; then
        return  # an engine someone else runs: use it, never stop it
    fi
    dockerd --host "$DOCKER_HOST" --pidfile "$PWD/$STATE/dockerd.pid" >"$STATE/dockerd.log" 2>&1 &
    echo $! >"$STATE/owned.pid"
    for _ in $(seq 120); do
        answers && return
        kill -0 "$(cat "$STATE/owned.pid")" 2>/dev/null || break
        sleep 0.5
    done
    echo "dockerd did not start; its log:" >&2
    tail -20 "$STATE/dockerd.log" >&2
    stop
    return 1
}

stop() {
    [[ -f $STATE/owned.pid ]] || return 0
    local pid
    pid=$(cat "$STATE/owned.pid")
    rm -f "$STATE/owned.pid"
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 60); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.5
    done
    kill -KILL "$pid" 2>/dev/null || true
}

images() { "$PY" -m deploy.images; }

case ${1:-} in
    run)
        shift
        install
        trap stop EXIT
        start
        images
        "$@"
        ;;
    up) install; start; images ;;
    down) stop ;;
    compose) shift; exec "$COMPOSE" "$@" ;;
    *) echo "usage: $0 run CMD... | up | down | compose ARGS..." >&2; exit 2 ;;
esac
