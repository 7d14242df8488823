#!/usr/bin/env bash
# Copies the freshly built site (FROM) over the embedded one (TO), touching only the files
# whose content changed and removing files no longer built. The release server embeds TO
# with include_bytes!: a rewritten but identical file would still make cargo rebuild the
# server (over a minute), so unchanged files keep their old timestamps.
#   scripts/sync-site.sh FROM TO
set -euo pipefail
from=${1:?usage: sync-site.sh FROM TO}
to=${2:?usage: sync-site.sh FROM TO}
mkdir -p "$to"
changed=0
while IFS= read -r -d '' file; do
    rel=${file#"$from"/}
    # A .gz carries its build time in its header: compare what it holds.
    if [[ $file == *.gz && -e $to/$rel ]] && cmp -s <(gzip -dc "$file") <(gzip -dc "$to/$rel"); then
        continue
    fi
    if ! cmp -s "$file" "$to/$rel"; then
        mkdir -p "$(dirname "$to/$rel")"
        cp "$file" "$to/$rel"
        changed=$((changed + 1))
    fi
done < <(find "$from" -type f -print0)
while IFS= read -r -d '' file; do
    rel=${file#"$to"/}
    if [ ! -e "$from/$rel" ]; then
        rm "$file"
        changed=$((changed + 1))
    fi
done < <(find "$to" -type f -print0)
echo "site: $changed file(s) changed"
