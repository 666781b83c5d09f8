# adopt.sh — sourced by render.sh and sequence.sh: move an image that gnuplot wrote as
# FILE.tmp into place as FILE once it is complete and on disk, so that a plot under its final
# name is never truncated (a full disk, a signal). `adopt FILE`: 0, or 1 with a message.
adopt() {
    tmp="$1.tmp"
    case "$1" in
    *.png) tail -c 12 "$tmp" 2>/dev/null | grep -aq IEND ;;      # PNG's last chunk
    *.svg) tail -c 16 "$tmp" 2>/dev/null | grep -q '</svg>' ;;   # the closing tag
    *) [ -s "$tmp" ] ;;
    esac || {
        rm -f "$tmp"
        echo "${0##*/}: $tmp is incomplete (is the disk full?)" >&2
        return 1
    }
    sync "$tmp" && mv "$tmp" "$1" || { rm -f "$tmp"; return 1; }
}
