#!/bin/sh
# The layers point one way: sim/ includes nothing of a protocol or of the program; a protocol
# includes sim/ and itself, never the program (src/) nor another protocol. The build enforces
# it too (each library sees only its layer's include paths); this names the offending line.
srcdir=${srcdir:-.}
status=0
includes() { grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$@" 2>/dev/null; }
# check FOLDER ALLOWED...: every quoted include of FOLDER's sources names a header of ALLOWED.
check() {
    folder=$1
    shift
    allowed=""
    for a in "$@" "$folder"; do
        allowed="$allowed $(cd "$srcdir/$a" && echo *.h)"
    done
    includes "$srcdir/$folder"/*.c "$srcdir/$folder"/*.h | while IFS= read -r line; do
        header=$(echo "$line" | sed 's/.*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/')
        [ "$header" = config.h ] && continue
        case " $allowed " in
        *" $header "*) ;;
        *) echo "FAIL: ${line#$srcdir/}: $folder/ may not include $header"; echo x ;;
        esac
    done
}
out=$(check sim)
for p in kademlia chord pastry; do
    [ -d "$srcdir/$p" ] && out="$out$(check $p sim)"
done
if [ -n "$out" ]; then
    echo "$out" | grep -v '^x$'
    exit 1
fi
echo "ok: sim/ includes only sim/; each protocol only sim/ and itself"
