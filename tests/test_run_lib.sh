# Shared set-up of the end-to-end tests (sourced): the kadsim binary, the source folder, a
# scratch folder removed on exit, and fail(). Works in `make distcheck` (read-only srcdir,
# build elsewhere): everything is written under the scratch folder.
set -u
srcdir=${srcdir:-.}
KADSIM=${KADSIM:-$(pwd)/kadsim}
[ -x "$KADSIM" ] || { echo "kadsim not built: $KADSIM" >&2; exit 99; }
T=$(mktemp -d "${TMPDIR:-/tmp}/kadsim-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# The value of a metric in a summary.csv / perf.csv.
metric() { awk -F, -v m="$2" '$1 == m { print $2 }' "$1"; }
