#!/usr/bin/env bash
# engines-compare.sh — decode the capturecode corpora with gradphoto, OpenCV's
# wechat_qrcode (WeChat's open-sourced engine, without its CNN models) and zbarimg;
# print, per image, which engines decode it, then a table per degradation, as Markdown.
# Fails when an anchor (wechat_qrcode or zbar) decodes an image that gradphoto does not,
# or when gradphoto reads a code from an image without one.
#
# Usage: test/bench/engines-compare.sh [CORPUS_DIR...]
#   default: the committed corpus (internal/capturecode/testdata/corpus) and the graded
#   set that corpusgen draws (written to a temporary directory first).
# Needs: go, jq, zbarimg (apt-get install -y zbar-tools), /usr/bin/python3 with cv2
# (apt-get install -y python3-opencv; Debian's build includes wechat_qrcode).
# Not part of `go test`: it depends on system tools.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
python=${PYTHON:-/usr/bin/python3}
for tool in zbarimg jq go "$python"; do
	command -v "$tool" >/dev/null || { echo "engines-compare: $tool not found" >&2; exit 2; }
done
"$python" -c 'import cv2; cv2.wechat_qrcode_WeChatQRCode()' 2>/dev/null ||
	{ echo "engines-compare: $python has no cv2.wechat_qrcode (apt-get install -y python3-opencv)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$root" && go build -o "$work/gradphoto" ./cmd/gradphoto)

corpora=("$@")
if [ ${#corpora[@]} -eq 0 ]; then
	(cd "$root" && go run ./internal/capturecode/internal/corpusgen/writecorpus "$work/graded")
	corpora=("$root/internal/capturecode/testdata/corpus" "$work/graded")
fi

zbar_opts=(--quiet --raw -Sdisable -Sqrcode.enable)
if zbarimg --help 2>&1 | grep -q -- --nodbus; then zbar_opts+=(--nodbus); fi

: >"$work/cases.jsonl"
: >"$work/zbar.jsonl"
: >"$work/gp.jsonl"
: >"$work/wechat.jsonl"
for corpus in "${corpora[@]}"; do
	jq -c --arg dir "$corpus" '.[] | {path: ($dir + "/" + .file), file, payload, tags}' "$corpus/manifest.json" >>"$work/cases.jsonl"
done
mapfile -t paths < <(jq -r '.path' "$work/cases.jsonl")

# gradphoto: one process; the per-image decode time comes from --json.
"$work/gradphoto" decode-code --json "${paths[@]}" |
	jq -c '{path: .file, ok, text: (.text // ""), ms, strategy: (.strategy // .error)}' >"$work/gp.jsonl"

# wechat_qrcode: one Python process; the detector is built once, time is per image.
"$python" - "${paths[@]}" >"$work/wechat.jsonl" <<'EOF'
import json, sys, time
import cv2
det = cv2.wechat_qrcode_WeChatQRCode()  # no model files: the traditional detector only
for path in sys.argv[1:]:
    img = cv2.imread(path)  # applies the EXIF orientation, as a phone shows the image
    start = time.perf_counter()
    texts, _ = det.detectAndDecode(img)
    ms = round((time.perf_counter() - start) * 1000, 1)
    print(json.dumps({"path": path, "ok": len(texts) > 0, "text": texts[0] if texts else "", "ms": ms}, ensure_ascii=False))
EOF

# zbar: one process per image (it has no batch mode with per-file results).
for path in "${paths[@]}"; do
	if out=$(zbarimg "${zbar_opts[@]}" "$path" 2>/dev/null); then ok=true; else ok=false; out=""; fi
	jq -cn --arg path "$path" --arg text "${out%%$'\n'*}" --argjson ok "$ok" '{path: $path, ok: $ok, text: $text}' >>"$work/zbar.jsonl"
done

jq -rn --slurpfile cases "$work/cases.jsonl" --slurpfile gp "$work/gp.jsonl" \
	--slurpfile wc "$work/wechat.jsonl" --slurpfile zb "$work/zbar.jsonl" '
	($gp | INDEX(.path)) as $g | ($wc | INDEX(.path)) as $w | ($zb | INDEX(.path)) as $z |
	def verdict(r; want):
		if want == "" then (if r.ok then "FALSE READ" else "–" end)
		elif r.ok and r.text == want then "✔"
		elif r.ok then "WRONG TEXT"
		else "✘" end;
	def degradation: .tags | map(select(IN("photo", "png", "jpeg", "screenshot") | not)) | first // "clean";
	[ $cases[] | . as $c | {file, tags: (.tags | join(",")), kind: degradation, qr: (.payload != ""),
		gp: verdict($g[$c.path]; $c.payload), wc: verdict($w[$c.path]; $c.payload), zb: verdict($z[$c.path]; $c.payload),
		gms: $g[$c.path].ms, wms: $w[$c.path].ms, strategy: $g[$c.path].strategy} ] as $rows |
	def count(f): map(select(f)) | length;
	"| image | tags | gradphoto | wechat_qrcode | zbar | gradphoto ms | wechat_qrcode ms | gradphoto strategy |",
	"| --- | --- | :---: | :---: | :---: | ---: | ---: | --- |",
	($rows[] | "| \(.file) | \(.tags) | \(.gp) | \(.wc) | \(.zb) | \(.gms) | \(.wms) | \(.strategy) |"),
	"",
	"| degradation | QR images | gradphoto | wechat_qrcode | zbar | either anchor |",
	"| --- | ---: | ---: | ---: | ---: | ---: |",
	($rows | map(select(.qr)) | group_by(.kind)[] |
		"| \(.[0].kind) | \(length) | \(count(.gp == "✔")) | \(count(.wc == "✔")) | \(count(.zb == "✔")) | \(count(.wc == "✔" or .zb == "✔")) |"),
	($rows | map(select(.qr)) |
		"| **all** | \(length) | \(count(.gp == "✔")) | \(count(.wc == "✔")) | \(count(.zb == "✔")) | \(count(.wc == "✔" or .zb == "✔")) |"),
	($rows | map(select(.qr | not)) |
		"| false reads on \(length) images without a QR | | \(count(.gp == "FALSE READ")) | \(count(.wc == "FALSE READ")) | \(count(.zb == "FALSE READ")) | |"),
	"",
	"gradphoto and wechat_qrcode ms are in-process decode times (file already read, one core).",
	($rows | map(select((.wc == "✔" or .zb == "✔") and .gp != "✔")) | if length > 0
		then "", "FAIL: an anchor decodes images gradphoto does not: \(map(.file) | join(", "))" else empty end),
	($rows | map(select(.gp == "FALSE READ" or .gp == "WRONG TEXT")) | if length > 0
		then "", "FAIL: gradphoto reads a wrong or absent code: \(map(.file) | join(", "))" else empty end)
	' | tee "$work/report.md"

if grep -q '^FAIL:' "$work/report.md"; then exit 1; fi
