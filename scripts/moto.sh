#!/usr/bin/env bash
# Starts (or reuses) a moto server on loopback for tests that need S3/SQS-compatible APIs.
#   scripts/moto.sh start     # prints the endpoint (http://127.0.0.1:$MOTO_PORT), starting moto if needed
#   scripts/moto.sh endpoint  # prints the endpoint, fails if moto is not running
#   scripts/moto.sh stop      # stops a moto this script started
# MOTO_PORT defaults to 5000. Installs moto[server] with pip when missing. Idempotent: a moto
# already answering on the port is reused, whoever started it.
set -euo pipefail
PORT="${MOTO_PORT:-5000}"
ENDPOINT="http://127.0.0.1:${PORT}"
PIDFILE="${TMPDIR:-/tmp}/moto-${PORT}.pid"
LOG="${TMPDIR:-/tmp}/moto-${PORT}.log"

up() { curl -fsS -o /dev/null "${ENDPOINT}/moto-api/data.json" 2>/dev/null; }

case "${1:-start}" in
  start)
    if up; then echo "${ENDPOINT}"; exit 0; fi
    if ! command -v moto_server >/dev/null 2>&1; then
      python3 -m pip install --quiet 'moto[server]' >&2
    fi
    nohup moto_server -H 127.0.0.1 -p "${PORT}" >"${LOG}" 2>&1 &
    echo $! >"${PIDFILE}"
    for _ in $(seq 1 100); do
      if up; then echo "${ENDPOINT}"; exit 0; fi
      sleep 0.2
    done
    echo "moto did not start on ${ENDPOINT}; see ${LOG}" >&2
    exit 1
    ;;
  endpoint)
    up || { echo "moto is not running on ${ENDPOINT}" >&2; exit 1; }
    echo "${ENDPOINT}"
    ;;
  stop)
    if [[ -f "${PIDFILE}" ]]; then kill "$(cat "${PIDFILE}")" 2>/dev/null || true; rm -f "${PIDFILE}"; fi
    ;;
  *)
    echo "usage: $0 start|endpoint|stop" >&2
    exit 2
    ;;
esac
