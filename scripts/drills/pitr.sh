#!/usr/bin/env bash
# Point-in-time recovery drill (docs/deployment.md, "Point-in-time recovery") with PostgreSQL's own
# tools: a primary archiving its WAL, pg_basebackup, a mistake (every row deleted), and a recovery
# to the moment before it with restore_command + recovery_target_time. Uses the machine's
# PostgreSQL binaries (the newest under /usr/lib/postgresql) and throwaway servers on free ports.
set -euo pipefail
BIN=${POSTGRES_BIN_DIR:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)}
dir=$(mktemp -d /tmp/zh-pitr-XXXXXX)
mkdir -p "$dir/wal"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P=$(free_port); R=$(free_port)
as_user=()
if [ "$(id -u)" = 0 ]; then chown -R postgres "$dir"; as_user=(runuser -u postgres --); fi
pg() { "${as_user[@]}" "$BIN/$1" "${@:2}"; }
sql() { pg psql -X -q -At -h 127.0.0.1 -p "$1" -U postgres -d "${3:-postgres}" -c "$2"; }
cleanup() {
  pg pg_ctl -D "$dir/primary" -m immediate stop >/dev/null 2>&1 || true
  pg pg_ctl -D "$dir/restored" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
say() { echo "pitr drill: $*"; }

say "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}'), primary on 127.0.0.1:$P archiving WAL to $dir/wal"
pg initdb -D "$dir/primary" -U postgres --auth=trust -E UTF8 >/dev/null
cat >>"$dir/primary/postgresql.auto.conf" <<CONF
port = $P
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
wal_level = replica
archive_mode = on
archive_command = 'test ! -f $dir/wal/%f && cp %p $dir/wal/%f'
CONF
pg pg_ctl -D "$dir/primary" -l "$dir/primary.log" -w start >/dev/null
sql "$P" "CREATE DATABASE zhenhai"
sql "$P" "CREATE TABLE petition (id bigserial PRIMARY KEY, title text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())" zhenhai

say "base backup with pg_basebackup"
pg pg_basebackup -h 127.0.0.1 -p "$P" -U postgres -D "$dir/base" -X stream -c fast
sql "$P" "INSERT INTO petition (title) SELECT '诉求 ' || n FROM generate_series(1, 1000) n" zhenhai
sleep 1
TARGET=$(sql "$P" "SELECT now()")
say "1000 petitions filed after the base backup; recovery target time $TARGET"
sleep 1
sql "$P" "DELETE FROM petition" zhenhai
sql "$P" "INSERT INTO petition (title) VALUES ('written after the mistake')" zhenhai
say "the mistake: every petition deleted; now $(sql "$P" "SELECT count(*) FROM petition" zhenhai) row(s) on the primary"
sql "$P" "SELECT pg_switch_wal()" >/dev/null
for _ in $(seq 1 100); do
  [ "$(sql "$P" "SELECT last_archived_wal >= pg_walfile_name(pg_current_wal_lsn() - 1) FROM pg_stat_archiver")" = t ] && break
  sleep 0.1
done
say "WAL archived: $(ls "$dir/wal" | wc -l) segment file(s); primary lost (stopped)"
pg pg_ctl -D "$dir/primary" -m immediate stop >/dev/null

say "restore: base backup + restore_command + recovery_target_time, on 127.0.0.1:$R"
"${as_user[@]}" cp -a "$dir/base" "$dir/restored"
cat >>"$dir/restored/postgresql.auto.conf" <<CONF
port = $R
archive_mode = off
restore_command = 'cp $dir/wal/%f %p'
recovery_target_time = '$TARGET'
recovery_target_action = 'promote'
CONF
"${as_user[@]}" touch "$dir/restored/recovery.signal"
pg pg_ctl -D "$dir/restored" -l "$dir/restored.log" -w -t 120 start >/dev/null
for _ in $(seq 1 300); do
  [ "$(sql "$R" "SELECT pg_is_in_recovery()")" = f ] && break
  sleep 0.1
done
count=$(sql "$R" "SELECT count(*) FROM petition" zhenhai)
after=$(sql "$R" "SELECT count(*) FROM petition WHERE title = 'written after the mistake'" zhenhai)
grep -E "recovery stopping|starting point-in-time recovery|archive recovery complete" "$dir/restored.log" | sed 's/^.*LOG: */  server log: /'
say "recovered: $count petitions, $after row(s) from after the target"
if [ "$count" = 1000 ] && [ "$after" = 0 ]; then say "OK"; else say "FAILED"; exit 1; fi
