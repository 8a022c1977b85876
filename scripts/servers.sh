#!/usr/bin/env bash
# Starts (or reuses) the real servers the scaler tests talk to, all on loopback:
#   redis standalone, redis with ACL auth, redis over TLS, a 3-master redis cluster, a redis sentinel,
#   prometheus scraping a pushgateway, and moto's server (SQS, through scripts/moto.sh).
# Usage: scripts/servers.sh start|stop|env
# State (ports, pids, data, certificates) lives in .servers/ (git-ignored); `.servers/env` holds the
# KEDA_TEST_* variables the tests read. Installs missing Debian/PyPI packages on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
STATE="$ROOT/.servers"
HOST=127.0.0.1

REDIS_PORT=6390        # standalone, no auth
REDIS_AUTH_PORT=6392   # ACL user + password
REDIS_TLS_PORT=6393    # TLS only (self-signed CA under .servers/tls)
CLUSTER_PORTS=(7000 7001 7002)
SENTINEL_PORT=26390    # monitors the standalone instance as `mymaster`
PROM_PORT=9391
PUSHGW_PORT=9392
# Test-only credentials of the loopback auth instance (not secrets).
AUTH_USER=keda
AUTH_PASS=keda-test-password

log() { echo "servers.sh: $*" >&2; }

ensure_packages() {
  local missing=()
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v redis-cli >/dev/null || missing+=(redis-tools)
  command -v prometheus >/dev/null || missing+=(prometheus)
  command -v prometheus-pushgateway >/dev/null || missing+=(prometheus-pushgateway)
  command -v openssl >/dev/null || missing+=(openssl)
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    # The Debian packages start system services on their default ports; ours use their own ports.
  fi
}

wait_for() { # wait_for <what> <command...>: retries for ~20 s
  local what=$1; shift
  for _ in $(seq 1 100); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  log "$what did not come up"; return 1
}

redis_up() { # redis_up <port> [extra redis-cli args]
  local port=$1; shift
  [[ $(redis-cli -h $HOST -p "$port" "$@" ping 2>/dev/null) == PONG ]]
}

start_redis() { # start_redis <name> <port> [extra config lines]
  local name=$1 port=$2; shift 2
  local dir="$STATE/redis-$name"
  mkdir -p "$dir"
  {
    echo "bind $HOST"
    echo "port $port"
    echo "dir $dir"
    echo "daemonize yes"
    echo "pidfile $dir/redis.pid"
    echo "logfile $dir/redis.log"
    echo "save \"\""
    echo "appendonly no"
    printf '%s\n' "$@"
  } >"$dir/redis.conf"
  redis-server "$dir/redis.conf"
}

tls_certs() {
  local d="$STATE/tls"
  [[ -f $d/ca.crt && -f $d/server.crt ]] && return 0
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=keda-test-ca" \
    -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$d/san.ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 3650 \
    -extfile "$d/san.ext" -out "$d/server.crt" 2>/dev/null
}

start_all() {
  ensure_packages
  mkdir -p "$STATE"

  redis_up $REDIS_PORT || { log "starting redis on $REDIS_PORT"; start_redis standalone $REDIS_PORT; }
  wait_for "redis $REDIS_PORT" redis_up $REDIS_PORT

  redis_up $REDIS_AUTH_PORT --user $AUTH_USER --pass $AUTH_PASS --no-auth-warning || {
    log "starting redis with ACL auth on $REDIS_AUTH_PORT"
    start_redis auth $REDIS_AUTH_PORT "user default off" "user $AUTH_USER on >$AUTH_PASS ~* &* +@all"
  }
  wait_for "redis auth $REDIS_AUTH_PORT" redis_up $REDIS_AUTH_PORT --user $AUTH_USER --pass $AUTH_PASS --no-auth-warning

  tls_certs
  local tls_cli=(--tls --cacert "$STATE/tls/ca.crt")
  redis_up $REDIS_TLS_PORT "${tls_cli[@]}" || {
    log "starting redis over TLS on $REDIS_TLS_PORT"
    start_redis tls 0 "tls-port $REDIS_TLS_PORT" "tls-cert-file $STATE/tls/server.crt" \
      "tls-key-file $STATE/tls/server.key" "tls-ca-cert-file $STATE/tls/ca.crt" "tls-auth-clients no"
  }
  wait_for "redis tls $REDIS_TLS_PORT" redis_up $REDIS_TLS_PORT "${tls_cli[@]}"

  local p need_create=0
  for p in "${CLUSTER_PORTS[@]}"; do
    redis_up "$p" || { log "starting cluster node on $p"; start_redis "cluster-$p" "$p" "cluster-enabled yes" \
      "cluster-config-file $STATE/redis-cluster-$p/nodes.conf" "cluster-node-timeout 2000"; }
    wait_for "cluster node $p" redis_up "$p"
  done
  if ! redis-cli -h $HOST -p "${CLUSTER_PORTS[0]}" cluster info 2>/dev/null | grep -q 'cluster_state:ok'; then
    need_create=1
  fi
  if ((need_create)); then
    log "creating the cluster"
    for p in "${CLUSTER_PORTS[@]}"; do redis-cli -h $HOST -p "$p" flushall >/dev/null; redis-cli -h $HOST -p "$p" cluster reset hard >/dev/null; done
    redis-cli --cluster create $(for p in "${CLUSTER_PORTS[@]}"; do printf '%s:%s ' $HOST "$p"; done) \
      --cluster-replicas 0 --cluster-yes >/dev/null
    wait_for "cluster state ok" bash -c "redis-cli -h $HOST -p ${CLUSTER_PORTS[0]} cluster info | grep -q cluster_state:ok"
  fi

  redis_up $SENTINEL_PORT || {
    log "starting sentinel on $SENTINEL_PORT"
    local sdir="$STATE/sentinel"
    mkdir -p "$sdir"
    printf '%s\n' "bind $HOST" "port $SENTINEL_PORT" "daemonize yes" "dir $sdir" "pidfile $sdir/sentinel.pid" \
      "logfile $sdir/sentinel.log" "sentinel monitor mymaster $HOST $REDIS_PORT 1" >"$sdir/sentinel.conf"
    redis-server "$sdir/sentinel.conf" --sentinel
  }
  wait_for "sentinel" bash -c "redis-cli -h $HOST -p $SENTINEL_PORT sentinel get-master-addr-by-name mymaster | grep -q $REDIS_PORT"

  curl -fsS "http://$HOST:$PUSHGW_PORT/-/ready" >/dev/null 2>&1 || {
    log "starting pushgateway on $PUSHGW_PORT"
    mkdir -p "$STATE/pushgateway"
    setsid nohup prometheus-pushgateway --web.listen-address="$HOST:$PUSHGW_PORT" \
      >"$STATE/pushgateway/log" 2>&1 </dev/null &
    echo $! >"$STATE/pushgateway/pid"
  }
  wait_for "pushgateway" curl -fsS "http://$HOST:$PUSHGW_PORT/-/ready"

  curl -fsS "http://$HOST:$PROM_PORT/-/ready" >/dev/null 2>&1 || {
    log "starting prometheus on $PROM_PORT"
    local pdir="$STATE/prometheus"
    mkdir -p "$pdir/data"
    cat >"$pdir/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: pushgateway
    honor_labels: true
    static_configs:
      - targets: ['$HOST:$PUSHGW_PORT']
EOF
    setsid nohup prometheus --config.file="$pdir/prometheus.yml" --storage.tsdb.path="$pdir/data" \
      --web.listen-address="$HOST:$PROM_PORT" >"$pdir/log" 2>&1 </dev/null &
    echo $! >"$pdir/pid"
  }
  wait_for "prometheus" curl -fsS "http://$HOST:$PROM_PORT/-/ready"

  # moto (SQS) is started or reused by the project's own script.
  local moto_url
  moto_url=$(scripts/moto.sh start | tail -n1)

  cat >"$STATE/env" <<EOF
KEDA_TEST_REDIS_ADDR=$HOST:$REDIS_PORT
KEDA_TEST_REDIS_AUTH_ADDR=$HOST:$REDIS_AUTH_PORT
KEDA_TEST_REDIS_AUTH_USERNAME=$AUTH_USER
KEDA_TEST_REDIS_AUTH_PASSWORD=$AUTH_PASS
KEDA_TEST_REDIS_TLS_ADDR=localhost:$REDIS_TLS_PORT
KEDA_TEST_REDIS_TLS_CA=$STATE/tls/ca.crt
KEDA_TEST_REDIS_CLUSTER_ADDRS=$(IFS=,; for p in "${CLUSTER_PORTS[@]}"; do printf '%s:%s,' $HOST "$p"; done | sed 's/,$//')
KEDA_TEST_REDIS_SENTINEL_ADDR=$HOST:$SENTINEL_PORT
KEDA_TEST_REDIS_SENTINEL_MASTER=mymaster
KEDA_TEST_REDIS_SERVER_BIN=$(command -v redis-server)
KEDA_TEST_PROMETHEUS_URL=http://$HOST:$PROM_PORT
KEDA_TEST_PUSHGATEWAY_URL=http://$HOST:$PUSHGW_PORT
KEDA_TEST_MOTO_URL=$moto_url
EOF
  log "ready; variables in $STATE/env"
}

stop_all() {
  local f
  for f in "$STATE"/redis-*/redis.pid "$STATE"/sentinel/sentinel.pid "$STATE"/{prometheus,pushgateway}/pid; do
    [[ -f $f ]] || continue
    kill "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
  scripts/moto.sh stop
  rm -f "$STATE/env"
}

case "${1:-start}" in
  start) start_all ;;
  stop) stop_all ;;
  env) cat "$STATE/env" ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
