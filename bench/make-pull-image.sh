#!/bin/sh
# A ~200 MB, 4-layer OCI image layout for pull benchmarks: a busybox base,
# many small text files, large random (incompressible) files, and large
# mixed binaries. Layers are also left uncompressed beside it for tar.
#   bench/make-pull-image.sh OUTDIR
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
out=$1
rm -rf "$out"
mkdir -p "$out/blobs/sha256" "$out/work"
w=$out/work

"$src/tests/fixtures/make-busybox-rootfs.sh" "$w/l1" >/dev/null
mkdir -p "$w/l2/usr/share/doc-copy" "$w/l3/data" "$w/l4/usr/lib/bin-copy"
# Layer 2: ~40 MB of small text files (compressible, many entries).
find /usr/share -xdev -type f -size -64k \( -name '*.txt' -o -name '*.html' -o -name '*.py' \
  -o -name '*.pm' -o -name '*.h' -o -name 'copyright' -o -name '*.xml' -o -name '*.json' \) \
  -printf '%s %p\n' 2>/dev/null | sort -k2 |
  awk -v max=40000000 '{ if (t + $1 > max) exit; t += $1; sub(/^[0-9]+ /, ""); print }' |
  tar -cf - -T - 2>/dev/null | tar -C "$w/l2/usr/share/doc-copy" -xf -
# Layer 3: 100 MB of random data in four files.
for i in 1 2 3 4; do head -c 25000000 /dev/urandom >"$w/l3/data/random$i.bin"; done
# Layer 4: ~65 MB of shared libraries and binaries (mixed compressibility).
find /usr/lib /usr/bin -xdev -type f -size -20M -printf '%s %p\n' 2>/dev/null | sort -k2 |
  awk -v max=65000000 '{ if (t + $1 > max) exit; t += $1; sub(/^[0-9]+ /, ""); print }' |
  tar -cf - -T - 2>/dev/null | tar -C "$w/l4/usr/lib/bin-copy" -xf -

add_blob() {
  hex=$(sha256sum "$1" | cut -d' ' -f1)
  size=$(stat -c %s "$1")
  cp "$1" "$out/blobs/sha256/$hex"
  echo "$hex $size"
}
layers_json=""
diff_ids=""
for l in l1 l2 l3 l4; do
  tar -C "$w/$l" --sort=name --mtime=@0 --numeric-owner -cf "$out/$l.tar" .
  diff_ids="$diff_ids\"sha256:$(sha256sum "$out/$l.tar" | cut -d' ' -f1)\","
  gzip -n -6 -c "$out/$l.tar" >"$out/$l.tar.gz"
  # shellcheck disable=SC2046 # "hex size", split on purpose
  set -- $(add_blob "$out/$l.tar.gz")
  layers_json="$layers_json{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$1\",\"size\":$2},"
done
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
printf '{"architecture":"%s","os":"linux","config":{"Cmd":["sh"],"Env":["PATH=/bin"]},"rootfs":{"type":"layers","diff_ids":[%s]}}' \
  "$arch" "${diff_ids%,}" >"$w/config.json"
# shellcheck disable=SC2046
set -- $(add_blob "$w/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
  "$1" "$2" "${layers_json%,}" >"$w/manifest.json"
# shellcheck disable=SC2046
set -- $(add_blob "$w/manifest.json")
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s}]}' \
  "$1" "$2" >"$out/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$out/oci-layout"
rm -rf "$w"
du -sh "$out/blobs" | awk '{print "image blobs: " $1}'
