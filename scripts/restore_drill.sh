#!/usr/bin/env bash
# The restore drill: a backup made by scripts/backup.sh restored into a fresh database, and
# checked (docs/deployment.md, "Backup and restore").
#
#   scripts/restore_drill.sh BACKUP_DIRECTORY
#
# DATABASE_URL names the PostgreSQL server to restore onto (a database on it is only used
# to connect; nothing in it is read or changed). The drill:
#   1. checks the backup's files against SHA256SUMS;
#   2. creates a new database, <name of DATABASE_URL's database>_drill_<time>;
#   3. restores database.dump into it (pg_restore, PG_RESTORE_JOBS parallel jobs, default
#      the number of CPUs);
#   4. compares the rows of every table with row-counts.tsv, counted at backup time in the
#      dump's own snapshot: any difference, or a table missing, fails the drill;
#   5. checks the documents: every entry of media.tar can be read, or every object of
#      media.tsv is in media/ with its size;
#   6. drops the drill database (DRILL_KEEP=1 keeps it, to look at it or to switch to it).
# Prints each step's time and the total: the time a restore takes. Exit status 0 only when
# everything matched.
set -euo pipefail

backup="${1:?usage: scripts/restore_drill.sh BACKUP_DIRECTORY}"
[ -f "$backup/database.dump" ] || { echo "drill: no database.dump in $backup" >&2; exit 1; }
: "${DATABASE_URL:?DATABASE_URL must name a database on the server to restore onto}"
server_url="$(printf '%s' "$DATABASE_URL" | sed -E 's#^(pgsql|psql|postgis)://#postgresql://#')"
jobs="${PG_RESTORE_JOBS:-$(nproc 2>/dev/null || echo 2)}"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
started="$(now)"

# The same URL with another database name (the path), its query string (sslmode...) kept.
with_database() {
    local url="$1" name="$2" query=""
    case "$url" in *\?*) query="?${url#*\?}"; url="${url%%\?*}" ;; esac
    printf '%s/%s%s' "${url%/*}" "$name" "$query"
}
source_name="${server_url%%\?*}"
source_name="${source_name##*/}"
drill="${source_name}_drill_$(date -u +%Y%m%d%H%M%S)"
drill_url="$(with_database "$server_url" "$drill")"

step="$(now)"
if ! (cd "$backup" && sha256sum --quiet --check SHA256SUMS) >&2; then
    echo "drill: FAILED, the backup's files do not match SHA256SUMS" >&2
    exit 1
fi
echo "drill: checksums of $backup match ($(elapsed "$step"))"

psql -X -q -v ON_ERROR_STOP=1 "$server_url" -c "CREATE DATABASE \"$drill\""
cleanup() {
    if [ "${DRILL_KEEP:-0}" = 1 ]; then
        echo "drill: database $drill kept (DRILL_KEEP=1)"
    else
        psql -X -q "$server_url" -c "DROP DATABASE IF EXISTS \"$drill\"" || true
    fi
}
trap cleanup EXIT

step="$(now)"
pg_restore --jobs="$jobs" --no-owner --exit-on-error --dbname="$drill_url" "$backup/database.dump"
restore_time="$(elapsed "$step")"
echo "drill: database restored into $drill with $jobs jobs in $restore_time"

step="$(now)"
actual="$(mktemp)"
trap 'rm -f "$actual"; cleanup' EXIT
psql -X -q -A -t -F $'\t' -v ON_ERROR_STOP=1 "$drill_url" >"$actual" <<'SQL'
SELECT n.nspname || '.' || c.relname,
       (xpath('/row/n/text()', query_to_xml(
           format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, ''
       )))[1]::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg_toast%'
ORDER BY 1;
SQL
# One line per table whose count differs (or that exists on one side only).
differences="$(LC_ALL=C join -t $'\t' -a 1 -a 2 -e MISSING -o 0,1.2,2.2 \
    <(LC_ALL=C sort "$backup/row-counts.tsv") <(LC_ALL=C sort "$actual") |
    awk -F '\t' '$2 != $3 { printf "  %s: %s at backup, %s restored\n", $1, $2, $3 }')"
tables="$(wc -l <"$backup/row-counts.tsv")"
rows="$(awk -F '\t' '{ s += $2 } END { print s + 0 }' "$backup/row-counts.tsv")"
if [ -n "$differences" ]; then
    echo "drill: FAILED, row counts differ from the backup's:" >&2
    printf '%s\n' "$differences" >&2
    exit 1
fi
echo "drill: $tables tables, $rows rows, every count as at backup time ($(elapsed "$step"))"

step="$(now)"
if [ -f "$backup/media.tar" ]; then
    files="$(tar -tf "$backup/media.tar" | grep -vc '/$' || true)"
    tar -xOf "$backup/media.tar" >/dev/null  # every member readable to its end
elif [ -f "$backup/media.tsv" ]; then
    files="$(wc -l <"$backup/media.tsv")"
    missing="$(cd "$backup/media" && while IFS=$'\t' read -r size key; do
        [ "$(stat -c %s "$key" 2>/dev/null)" = "$size" ] || printf '  %s\n' "$key"
    done <"$backup/media.tsv")"
    if [ -n "$missing" ]; then
        echo "drill: FAILED, documents missing or of another size:" >&2
        printf '%s\n' "$missing" >&2
        exit 1
    fi
else
    echo "drill: FAILED, no media.tar or media.tsv in $backup" >&2
    exit 1
fi
echo "drill: $files documents present ($(elapsed "$step"))"
echo "drill: OK in $(elapsed "$started") (database restore $restore_time)"
