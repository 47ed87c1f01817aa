#!/usr/bin/env bash
# A backup of eCandidat: the PostgreSQL database and the documents (docs/deployment.md).
#
#   scripts/backup.sh [DESTINATION]        (default: $BACKUP_DIR, else ./backups)
#
# Reads the application's own variables: DATABASE_URL (PostgreSQL), and S3_BUCKET with
# S3_ENDPOINT_URL, S3_ACCESS_KEY, S3_SECRET_KEY, S3_REGION when the documents are in object
# storage, else MEDIA_ROOT (default: $VAR_DIR/media, VAR_DIR defaulting to ./var).
# Needs pg_dump and psql of the server's major version (or newer), and python with boto3
# for S3 (the application's virtualenv or image).
#
# Writes DESTINATION/ecandidat-<UTC date>T<time>Z/:
#   database.dump    pg_dump --format=custom, in one snapshot (pg_restore reads it)
#   row-counts.tsv   the rows of every table, counted in that same snapshot (the restore
#                    drill, scripts/restore_drill.sh, checks the restored database against it)
#   media.tar        the local documents (MEDIA_ROOT), or
#   media/ and media.tsv   a copy of the bucket and its list of objects (size, key). The copy
#                    is kept in DESTINATION/s3-mirror between runs, so a run only downloads
#                    the new documents, and hard-linked into each backup.
#   SHA256SUMS       checksums of the files above
# and prints what it did and the time it took. A failure stops it (exit status 1) and leaves
# an incomplete backup named *.incomplete.
set -euo pipefail

destination="${1:-${BACKUP_DIR:-./backups}}"
root="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python3}"
[ -x "$root/.venv/bin/python" ] && python="${PYTHON:-$root/.venv/bin/python}"

: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database to back up}"
# libpq reads postgres:// and postgresql:// URLs; django-environ also accepts these aliases.
database_url="$(printf '%s' "$DATABASE_URL" | sed -E 's#^(pgsql|psql|postgis)://#postgresql://#')"
case "$database_url" in
    postgres://* | postgresql://*) ;;
    *) echo "backup: DATABASE_URL is not a PostgreSQL URL" >&2; exit 1 ;;
esac

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
started="$(now)"

mkdir -p "$destination"
name="ecandidat-$(date -u +%Y%m%dT%H%M%SZ)"
work="$destination/$name.incomplete"
mkdir "$work"

# --- database: counts and dump in one snapshot ---------------------------------------------
# A read-only repeatable-read transaction exports its snapshot; the rows are counted in it
# and pg_dump dumps it, so the counts are exactly the dump's even while the site is in use.
step="$(now)"
coproc PSQL { psql -X -q -A -t -F $'\t' -v ON_ERROR_STOP=1 "$database_url"; }
psql_in="${PSQL[1]}"
psql_out="${PSQL[0]}"
cat >&"$psql_in" <<'SQL'
BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;
SELECT pg_export_snapshot();
SELECT n.nspname || '.' || c.relname,
       (xpath('/row/n/text()', query_to_xml(
           format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, ''
       )))[1]::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg_toast%'
ORDER BY 1;
SELECT '-- end of counts --';
SQL
read -r snapshot <&"$psql_out"
: >"$work/row-counts.tsv"
while IFS= read -r line <&"$psql_out"; do
    [ "$line" = "-- end of counts --" ] && break
    printf '%s\n' "$line" >>"$work/row-counts.tsv"
done
pg_dump --format=custom --snapshot="$snapshot" --file="$work/database.dump" "$database_url"
printf 'COMMIT;\n\\q\n' >&"$psql_in"
wait "$PSQL_PID"
tables="$(wc -l <"$work/row-counts.tsv")"
rows="$(awk -F '\t' '{ s += $2 } END { print s + 0 }' "$work/row-counts.tsv")"
echo "backup: database: $tables tables, $rows rows, $(du -h "$work/database.dump" | cut -f1) dump in $(elapsed "$step")"

# --- documents ---------------------------------------------------------------------------
step="$(now)"
if [ -n "${S3_BUCKET:-}" ]; then
    mirror="$destination/s3-mirror"
    "$python" "$root/deploy/s3_sync.py" pull "$mirror" | sed 's/^/backup: /'
    # Hard links: each backup is a full copy that costs only its new documents. Documents
    # are never rewritten in place (s3_sync.py replaces a file by renaming a new one).
    cp -al "$mirror" "$work/media"
    (cd "$work/media" && find . -type f -printf '%s\t%P\n' | LC_ALL=C sort -k2) >"$work/media.tsv"
    files="$(wc -l <"$work/media.tsv")"
    checksummed=(database.dump row-counts.tsv media.tsv)
else
    media_root="${MEDIA_ROOT:-${VAR_DIR:-$root/var}/media}"
    mkdir -p "$media_root"
    # Uncompressed: PDFs and images are compressed already.
    tar -C "$media_root" -cf "$work/media.tar" .
    files="$(tar -tf "$work/media.tar" | grep -vc '/$' || true)"
    checksummed=(database.dump row-counts.tsv media.tar)
fi
echo "backup: documents: $files files in $(elapsed "$step")"

(cd "$work" && sha256sum "${checksummed[@]}" >SHA256SUMS)
mv "$work" "$destination/$name"
echo "backup: $destination/$name ($(du -sh "$destination/$name" | cut -f1)) in $(elapsed "$started")"
