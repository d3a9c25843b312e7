#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and benchmarks: its own folder, loopback only, run as an unprivileged
# user (PostgreSQL refuses to run as root; as root this uses `nobody`). Debian's postgresql package provides the
# binaries only (scripts/install-deps.sh asks for no cluster of its own).
#
#   postgres.sh start DIR PORT   creates the cluster in DIR (if new), starts it on 127.0.0.1:PORT, creates the
#                                database "portal" owned by user "portal"; prints postgres://portal@127.0.0.1:PORT/portal
#   postgres.sh stop DIR         stops it (fast shutdown)
#   postgres.sh run DIR -- CMD   starts it on a free port, exports PORTAL_TEST_POSTGRES, runs CMD, stops it
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ]; then
    echo "postgres.sh: PostgreSQL is not installed (make deps installs it)" >&2
    exit 1
fi

as_user=()
if [ "$(id -u)" -eq 0 ]; then as_user=(runuser -u nobody --); fi

start() {
    local dir=$1 port=$2
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then chown nobody "$dir"; fi
    chmod 700 "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        "${as_user[@]}" "$bin/initdb" -D "$dir/data" -U portal --auth=trust -E UTF8 --locale=C.UTF-8 \
            --no-instructions >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    # fsync off: a test cluster is thrown away, and its durability is not what the tests measure.
    "${as_user[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c max_connections=400" \
        start >/dev/null || { cat "$dir/postgres.log" >&2; exit 1; }
    if ! "${as_user[@]}" "$bin/psql" -h 127.0.0.1 -p "$port" -U portal -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'portal'" | grep -q 1; then
        "${as_user[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U portal portal
    fi
    echo "postgres://portal@127.0.0.1:$port/portal?sslmode=disable"
}

stop() {
    local dir=$1
    [ -f "$dir/data/postmaster.pid" ] || return 0
    "${as_user[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

case "${1:-}" in
start) start "$2" "$3" ;;
stop) stop "$2" ;;
run)
    dir=$2
    shift 2
    [ "${1:-}" = "--" ] && shift
    url=$(start "$dir" "$(free_port)")
    trap 'stop "$dir"; rm -rf "$dir"' EXIT
    PORTAL_TEST_POSTGRES=$url "$@"
    ;;
*)
    echo "usage: postgres.sh start DIR PORT | stop DIR | run DIR -- COMMAND..." >&2
    exit 2
    ;;
esac
