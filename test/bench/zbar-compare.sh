#!/usr/bin/env bash
# zbar-compare.sh — decode the capturecode corpus with zbarimg and with
# `gradphoto decode-code --json`, print both decode rates and the time per image
# as a Markdown table, and fail if zbar decodes an image that gradphoto does not.
#
# Usage: test/bench/zbar-compare.sh [CORPUS_DIR]   (needs zbarimg: apt-get install -y zbar-tools; jq)
# Not part of `go test`: it depends on a system tool.
#
# Times: "gradphoto ms" is the in-process decode time reported by decode-code (file
# already read). "zbar ms" is the wall time of one zbarimg process; its start-up
# cost, measured on a 1×1 image, is printed below the table so it can be subtracted.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
corpus=${1:-$root/internal/capturecode/testdata/corpus}
manifest=$corpus/manifest.json
for tool in zbarimg jq go; do
	command -v "$tool" >/dev/null || { echo "zbar-compare: $tool not found (apt-get install -y zbar-tools jq)" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$root" && go build -o "$work/gradphoto" ./cmd/gradphoto)

zbar_opts=(--quiet --raw -Sdisable -Sqrcode.enable)
if zbarimg --help 2>&1 | grep -q -- --nodbus; then zbar_opts+=(--nodbus); fi

now_ms() { date +%s%N | awk '{printf "%.1f", $1/1e6}'; }

mapfile -t files < <(jq -r '.[].file' "$manifest")
paths=()
for f in "${files[@]}"; do paths+=("$corpus/$f"); done

# gradphoto: one process for the corpus; per-image decode time comes from --json.
"$work/gradphoto" decode-code --json "${paths[@]}" >"$work/gradphoto.jsonl"

# zbar: one process per image, to time each.
: >"$work/zbar.jsonl"
for f in "${files[@]}"; do
	start=$(now_ms)
	if out=$(zbarimg "${zbar_opts[@]}" "$corpus/$f" 2>/dev/null); then ok=1; else ok=0; out=""; fi
	end=$(now_ms)
	# zbar prints one line per symbol; keep the first, as gradphoto returns one.
	jq -cn --arg file "$f" --arg text "${out%%$'\n'*}" --argjson ok "$ok" \
		--argjson ms "$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b-a}')" \
		'{file: $file, ok: ($ok == 1), text: $text, ms: $ms}' >>"$work/zbar.jsonl"
done

# The start-up cost of zbarimg (on a 1×1 white PNG), for reading its times fairly.
printf '%s' 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGP4DwABAQEAWk1v8QAAAABJRU5ErkJggg==' | base64 -d >"$work/blank.png"
start=$(now_ms); zbarimg "${zbar_opts[@]}" "$work/blank.png" >/dev/null 2>&1 || true; end=$(now_ms)
startup=$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b-a}')

jq -rn --slurpfile manifest "$manifest" \
	--slurpfile zbar <(jq -s '.' "$work/zbar.jsonl") \
	--slurpfile gp <(jq -s 'map(.file |= sub(".*/"; ""))' "$work/gradphoto.jsonl") \
	--arg startup "$startup" '
	($manifest[0]) as $m | ($zbar[0] | INDEX(.file)) as $z | ($gp[0] | INDEX(.file)) as $g |
	def verdict(r; want):
		if want == "" then (if r.ok then "FALSE POSITIVE" else "none (correct)" end)
		elif r.ok and r.text == want then "decoded"
		elif r.ok then "WRONG TEXT"
		else "missed" end;
	def median: sort | if length == 0 then 0 else .[(length / 2 | floor)] end;
	def pct(a; b): if b == 0 then "n/a" else "\(a * 1000 / b | round / 10) %" end;
	[ $m[] | . as $c | {file, tags: (.tags | join(",")), qr: (.payload != ""),
		zbar: verdict($z[$c.file]; $c.payload), zms: $z[$c.file].ms,
		gp: verdict($g[$c.file]; $c.payload), gms: $g[$c.file].ms,
		strategy: ($g[$c.file].strategy // ($g[$c.file].error // "")) } ] as $rows |
	($rows | map(select(.qr))) as $qr | ($rows | map(select(.qr | not))) as $neg |
	"| image | tags | zbarimg | zbar ms | gradphoto | gradphoto ms | gradphoto strategy |",
	"| --- | --- | --- | ---: | --- | ---: | --- |",
	($rows[] | "| \(.file) | \(.tags) | \(.zbar) | \(.zms) | \(.gp) | \(.gms) | \(.strategy) |"),
	"",
	"| | zbarimg | gradphoto |",
	"| --- | ---: | ---: |",
	"| decode rate on \($qr | length) QR images | \(pct($qr | map(select(.zbar == "decoded")) | length; $qr | length)) | \(pct($qr | map(select(.gp == "decoded")) | length; $qr | length)) |",
	"| false positives on \($neg | length) images without QR | \($neg | map(select(.zbar == "FALSE POSITIVE")) | length) | \($neg | map(select(.gp == "FALSE POSITIVE")) | length) |",
	"| median ms, QR images | \($qr | map(.zms) | median) | \($qr | map(.gms) | median) |",
	"| median ms, images without QR | \($neg | map(.zms) | median) | \($neg | map(.gms) | median) |",
	"",
	"zbarimg times are wall times of one process each; its start-up alone (1×1 PNG) took \($startup) ms.",
	"gradphoto times are in-process decode times from `gradphoto decode-code --json` (file already read).",
	(if ($rows | map(select(.zbar == "decoded" and .gp != "decoded")) | length) > 0
	 then "", "FAIL: zbar decodes images gradphoto does not: \($rows | map(select(.zbar == "decoded" and .gp != "decoded") | .file) | join(", "))"
	 else empty end)
	' | tee "$work/report.md"

if grep -q '^FAIL:' "$work/report.md"; then exit 1; fi
