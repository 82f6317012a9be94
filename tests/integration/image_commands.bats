#!/usr/bin/env bats
# nook pull / images / image inspect / tag / untag / rmi / history / exists /
# prune / system reset / unshare, as the unprivileged user, against a real
# docker-registry on 127.0.0.1 serving images the tests build.

# bats sets $stderr for run --separate-stderr.
# shellcheck disable=SC2154
load helpers
load image_helpers

setup_file() {
  start_registry
  local img
  img=$(busybox_image)
  registry push "$img" busybox:latest >/dev/null
  registry push "$img" busybox:1.36 >/dev/null
  registry push "$img" other/tool:v1 >/dev/null
}

teardown_file() { stop_registry; }

setup() {
  nook_setup
  export STORE=$BATS_TEST_TMPDIR/store
}

teardown() {
  # Layers hold files of subordinate ids: only the namespace can delete them.
  [ ! -d "$STORE" ] || "$NOOK" --root "$STORE" system reset --force >/dev/null 2>&1 || true
  [ ! -d "$BATS_TEST_TMPDIR/podman" ] || p system reset --force >/dev/null 2>&1 || true
  nook_teardown
}

n() { "$NOOK" --root "$STORE" "$@"; }
npull() { n pull --tls-verify=false "$@"; }
# podman with a store of this test's own (never the user's).
p() {
  podman --root "$BATS_TEST_TMPDIR/podman/root" --runroot "$BATS_TEST_TMPDIR/podman/run" \
    --storage-driver overlay --tmpdir "$BATS_TEST_TMPDIR/podman/tmp" --events-backend file \
    --cgroup-manager cgroupfs "$@"
}

@test "pull prints podman's progress on stderr and the image ID on stdout" {
  run --separate-stderr npull "$REGISTRY/busybox:latest"
  assert_success
  assert_output --regexp '^[0-9a-f]{64}$'
  local id=$output
  [[ "$stderr" == *"Trying to pull $REGISTRY/busybox:latest..."* ]]
  [[ "$stderr" == *"Copying blob "*" done"* ]]
  [[ "$stderr" == *"Copying config ${id:0:12} done"* ]]
  [[ "$stderr" == *"Writing manifest to image destination"* ]]
  # Again: nothing to download.
  run --separate-stderr npull "$REGISTRY/busybox:latest"
  assert_success
  assert_output "$id"
  [[ "$stderr" == *"skipped: already exists"* ]]
  run -0 npull -q "$REGISTRY/busybox:1.36"
  assert_output "$id"
}

@test "the store is in the user's home, owned by the user; nothing else is written" {
  local home=$BATS_TEST_TMPDIR/home
  mkdir -p "$home"
  run -0 env HOME="$home" XDG_DATA_HOME= "$NOOK" pull -q --tls-verify=false "$REGISTRY/busybox"
  assert [ -f "$home/.local/share/nook/db.sqlite" ]
  run -0 find "$home" -not -user "$(id -u)" -not -path "*/layers/*"
  assert_output ""
  run -0 env HOME="$home" XDG_DATA_HOME= "$NOOK" images -q
  assert_output --regexp '^[0-9a-f]{12}$'
  env HOME="$home" XDG_DATA_HOME= "$NOOK" system reset -f
  assert [ ! -e "$home/.local/share/nook" ]
}

@test "images: podman's table, -q, --no-trunc, --digests, --format, --filter" {
  run -0 npull -q "$REGISTRY/busybox:latest"
  local id=$output
  npull -q "$REGISTRY/busybox:1.36" >/dev/null
  run -0 n images
  assert_line --index 0 --regexp '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$'
  assert_line --regexp "^$REGISTRY/busybox +latest +${id:0:12} +[0-9]+ years ago +[0-9.]+ [kM]B$"
  assert_line --regexp "^$REGISTRY/busybox +1.36 +${id:0:12} "
  run -0 n images -q
  assert_output "${id:0:12}"
  run -0 n images -q --no-trunc
  assert_output "sha256:$id"
  run -0 n images --digests
  assert_line --index 0 --regexp '^REPOSITORY +TAG +DIGEST +IMAGE ID +CREATED +SIZE$'
  assert_line --regexp " sha256:[0-9a-f]{64} +${id:0:12} "
  run -0 n images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
  assert_line "$REGISTRY/busybox:latest ${id:0:12}"
  assert_line "$REGISTRY/busybox:1.36 ${id:0:12}"
  run -0 n images --format 'table {{.Tag}}\t{{.ID}}'
  assert_line --index 0 --regexp '^TAG +IMAGE ID$'
  run -0 n images --format json
  run -0 n images --filter reference='*:1.36' --format '{{.Tag}}'
  assert_output "1.36"
  run -0 n images --filter dangling=true -q
  assert_output ""
  run -0 n images --noheading
  refute_line --partial REPOSITORY
  # An argument filters by reference, as podman images IMAGE.
  run -0 n images --format '{{.Tag}}' "$REGISTRY/busybox:1.36"
  assert_output "1.36"
  run -0 n images --noheading nosuchimage
  assert_output ""
  run -125 n images a b
  assert_output --partial "Error: "
}

@test "images --format json: podman's ImageSummary objects, one per name; --sort size is numeric" {
  run -0 npull -q "$REGISTRY/busybox:latest"
  local id=$output digest
  digest=$(n image inspect --format '{{.Digest}}' "$id")
  run -0 n tag "$REGISTRY/busybox:latest" localhost/other:1
  run -0 n images --format json
  # The keys and their order as podman 4.3 prints them (a non-dangling image).
  run -0 jq -c '[.[] | keys_unsorted]' <<<"$output"
  local k='["Id","ParentId","RepoTags","RepoDigests","Size","SharedSize","VirtualSize","Labels","Containers","Names","Digest","History","Created","CreatedAt"]'
  assert_output "[$k,$k]"
  run -0 n images --format json
  run -0 jq -r '.[0] | .Id, (.RepoTags | tostring), (.Size | type), (.Size == .VirtualSize), .Digest,
    (.Names | join(" ")), (.History | join(" ")), (.RepoDigests | join(" ")), (.Created | type),
    (.CreatedAt | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\\.[0-9]+)?Z$"))' <<<"$output"
  assert_output "$id
null
number
true
$digest
$REGISTRY/busybox:latest localhost/other:1
localhost/other:1 $REGISTRY/busybox:latest
$REGISTRY/busybox@$digest localhost/other@$digest
number
true"
  # {{json .}} is the same array, as in podman 4.3.
  run -0 n images --format '{{json .}}'
  run -0 jq -r 'length' <<<"$output"
  assert_output 2
  # A dangling image says so.
  run -0 n untag "$id"
  run -0 n images --format json
  run -0 jq -r '.[0].Dangling, (.[0].Names | length)' <<<"$output"
  assert_output "true
0"
  # Sizes sort as numbers (9 kB after 10 MB would be text order).
  image_from_json "$BATS_TEST_TMPDIR/small" '{"layers":[{"entries":[{"path":"f","data":"x"}]}]}' >/dev/null
  registry push "$BATS_TEST_TMPDIR/small" small:1 >/dev/null
  npull -q "$REGISTRY/small:1" >/dev/null
  run -0 n images --sort size --format '{{.Repository}} {{.Size}}'
  assert_line --index 0 --regexp "^$REGISTRY/small [0-9.]+ k?B$"
  assert_line --index 1 --regexp "^<none> [0-9.]+ MB$"
}

@test "short names: search registries in order, aliases, short-name-mode = enforcing" {
  local conf=$BATS_TEST_TMPDIR/registries.conf
  # Not "busybox": /etc/containers/registries.conf.d/shortnames.conf aliases
  # that one to docker.io, for nook as for podman.
  registry push "$(busybox_image)" nookbox:latest >/dev/null
  registry push "$(busybox_image)" nookbox:1.36 >/dev/null
  # Nothing listens on port 1: the first search registry fails, the second has it.
  cat >"$conf" <<EOF
unqualified-search-registries = ["127.0.0.1:1", "$REGISTRY"]
[aliases]
"bb" = "$REGISTRY/busybox"
EOF
  run -0 --separate-stderr env CONTAINERS_REGISTRIES_CONF="$conf" "$NOOK" --root "$STORE" \
    pull --tls-verify=false nookbox
  [[ $stderr == *"Trying to pull 127.0.0.1:1/nookbox:latest..."* ]]
  [[ $stderr == *"Trying to pull $REGISTRY/nookbox:latest..."* ]]
  run -0 n image exists "$REGISTRY/nookbox:latest"
  # An alias is the only candidate, the tag kept from what was typed.
  run --separate-stderr env CONTAINERS_REGISTRIES_CONF="$conf" "$NOOK" --root "$STORE" \
    pull --tls-verify=false bb:latest
  [[ $stderr == "Trying to pull $REGISTRY/busybox:latest..."* ]]
  [[ $stderr != *127.0.0.1:1* ]]
  # enforcing, two search registries, no terminal: podman's refusal, nothing tried.
  printf 'short-name-mode = "enforcing"\n' | cat - "$conf" >"$conf.enforcing"
  run -125 --separate-stderr env CONTAINERS_REGISTRIES_CONF="$conf.enforcing" "$NOOK" \
    --root "$STORE" pull --tls-verify=false nookbox:1.36
  assert_output ""
  [ "$stderr" = "Error: short-name resolution enforced but cannot prompt without a TTY" ]
  run -1 n image exists "$REGISTRY/nookbox:1.36"
  # ... but an alias is not ambiguous.
  run -0 env CONTAINERS_REGISTRIES_CONF="$conf.enforcing" "$NOOK" --root "$STORE" \
    pull -q --tls-verify=false bb
}

@test "short names on a terminal: podman's prompt picks the registry and records the alias" {
  local conf=$BATS_TEST_TMPDIR/registries.conf cache=$BATS_TEST_TMPDIR/cache
  registry push "$(busybox_image)" nookbox:latest >/dev/null
  printf 'unqualified-search-registries = ["127.0.0.1:1", "%s"]\n' "$REGISTRY" >"$conf"
  local env="CONTAINERS_REGISTRIES_CONF=$conf XDG_CACHE_HOME=$cache"
  # Down to the second registry, Enter.
  run -0 script -qec "env $env $NOOK --root $STORE pull -q --tls-verify=false nookbox" /dev/null \
    < <(sleep 1; printf '\033[B'; sleep 0.3; printf '\r'; sleep 3)
  assert_output --partial "Please select an image"
  assert_output --partial "127.0.0.1:1/nookbox:latest"
  assert_output --partial "$REGISTRY/nookbox:latest"
  run -0 n image exists "$REGISTRY/nookbox:latest"
  run -0 cat "$cache/containers/short-name-aliases.conf"
  assert_output "[aliases]
  \"nookbox\" = \"$REGISTRY/nookbox\""
  # The recorded alias answers from now on: no prompt, no terminal needed.
  run -0 --separate-stderr env CONTAINERS_REGISTRIES_CONF="$conf" XDG_CACHE_HOME="$cache" \
    "$NOOK" --root "$STORE" pull --tls-verify=false nookbox
  [[ $stderr == "Trying to pull $REGISTRY/nookbox:latest..."* ]]
  [[ $stderr != *127.0.0.1:1* ]]
  # Ctrl-C at the prompt: podman's error, nothing recorded, exit 125.
  rm -r "$cache"
  run -125 script -qec "env $env $NOOK --root $STORE pull -q --tls-verify=false nookbox" /dev/null \
    < <(sleep 1; printf '\003'; sleep 2)
  assert_output --partial "Error: ^C"
  [ ! -e "$cache/containers/short-name-aliases.conf" ]
}

@test "images: malformed --format and --filter get one clear error" {
  npull -q "$REGISTRY/busybox" >/dev/null
  run -125 n images --format '{{.Repository'
  assert_line --index 0 --partial "Error: "
  run -125 n images --filter nosuchkey=1
  assert_output --partial 'invalid image filter "nosuchkey=1"'
  run -125 n images --filter dangling=maybe
  assert_output --partial "dangling"
  run -125 n images --filter since=nosuchimage
  assert_output --partial "nosuchimage"
}

@test "image inspect: podman's keys; --format; unknown images" {
  run -0 npull -q "$REGISTRY/busybox:latest"
  local id=$output
  run -0 n image inspect "$REGISTRY/busybox"
  run jq -r '.[0] | .Id, .RepoTags[0], .Os, .RootFS.Type, (.RootFS.Layers | length), .Config.Cmd[0], (.Size > 0), .ManifestType' <<<"$output"
  assert_success
  assert_output "$id
$REGISTRY/busybox:latest
linux
layers
1
sh
true
application/vnd.oci.image.manifest.v1+json"
  run -0 n image inspect --format '{{.Id}} {{index .RepoTags 0}} {{.Config.Cmd}}' "${id:0:6}"
  assert_output "$id $REGISTRY/busybox:latest [sh]"
  # podman prints the (empty) array, then the error.
  run -125 --separate-stderr n image inspect nosuchimage
  assert_output "[]"
  [ "$stderr" = "Error: inspecting object: nosuchimage: image not known" ]
}

@test "tag and untag; rmi by name removes a name until the last, then the image" {
  run -0 npull -q "$REGISTRY/busybox:latest"
  local id=$output
  run -0 n tag "$REGISTRY/busybox" mybox myrepo/mybox:2
  run -0 n image inspect --format '{{range .RepoTags}}{{.}} {{end}}' "$id"
  assert_output "$REGISTRY/busybox:latest localhost/mybox:latest localhost/myrepo/mybox:2 "
  run -0 n untag "$id" mybox
  # podman's name in the error: a short name is under localhost/.
  run -125 n untag "$id" mybox:9
  assert_output "Error: localhost/mybox:9: tag not known"
  run -0 n rmi myrepo/mybox:2
  assert_output "Untagged: localhost/myrepo/mybox:2"
  run -0 n image exists "$id"
  run -0 n rmi "$REGISTRY/busybox"
  assert_line "Untagged: $REGISTRY/busybox:latest"
  assert_line "Deleted: $id"
  run -1 n image exists "$id"
  # Its layer went with it.
  run -0 n unshare sh -c 'ls "$NOOK_STORE/layers" | wc -l'
  assert_output 0
}

@test "rmi: unknown images exit 1, -i ignores them, an ID with several names needs -f" {
  run -0 npull -q "$REGISTRY/busybox:latest"
  local id=$output
  n tag "$id" second
  run -1 n rmi nosuchimage
  assert_output "Error: nosuchimage: image not known"
  run -0 n rmi -i nosuchimage
  # --force passes over them too, as podman's.
  run -0 n rmi -f nosuchimage
  assert_output ""
  run -125 n rmi "${id:0:12}"
  assert_output --partial "please force removal"
  run -0 n rmi -f "${id:0:12}"
  assert_line "Deleted: $id"
  run -125 n rmi
  assert_output --partial "image name or ID must be specified"
  run -125 n rmi -a something
  assert_output --partial "--all"
}

@test "one image under two repositories: one image, two names, one layer" {
  npull -q "$REGISTRY/busybox:latest" >/dev/null
  npull -q "$REGISTRY/other/tool:v1" >/dev/null
  run -0 n unshare sh -c 'ls "$NOOK_STORE/layers" | wc -l'
  assert_output 1
  n rmi "$REGISTRY/busybox:latest"
  run -0 n images --format '{{.Repository}}'
  # The same config: one image with two names, the other name stays.
  assert_output "$REGISTRY/other/tool"
  run -0 n unshare sh -c 'ls "$NOOK_STORE/layers" | wc -l'
  assert_output 1
}

@test "pull: bad references and unreachable images fail with one clear line and exit 125" {
  run -125 n pull 'Busybox'
  assert_output --partial "invalid reference format"
  run -125 n pull 'a:b:c'
  assert_output --partial "invalid reference format"
  run -125 n pull ''
  assert_output --partial "Error:"
  run -125 npull "$REGISTRY/busybox:nosuchtag"
  assert_line --partial "Error:"
  assert_output --partial "nosuchtag"
  run -125 npull "$REGISTRY/nosuchrepo:latest"
  assert_output --partial "Error:"
  # Nothing listens on port 1.
  run -125 npull "127.0.0.1:1/busybox:latest"
  assert_output --partial "Error:"
  run -0 n images -q
  assert_output ""
  # A single-platform image of another platform: pulled, with podman's warning.
  run -0 --separate-stderr npull --platform linux/s390x "$REGISTRY/busybox:latest"
  [[ "$stderr" == *"does not match the expected platform (linux/s390x)"* ]]
  run -125 n pull --platform 'bad//platform' "$REGISTRY/busybox"
  run -125 n pull --creds ':nouser' "$REGISTRY/busybox"
  assert_output --partial "--creds"
}

@test "kill -9 during a pull leaves nothing half-visible; the next pull completes it" {
  # Not `i`: bats' run loops over a global i, which would be this one.
  local round delay
  for round in 1 2 3 4 5 6; do
    delay=$(printf '0.%02d' $((round * 7)))
    npull -q "$REGISTRY/busybox:latest" >/dev/null 2>&1 &
    sleep "$delay"
    kill -9 $! 2>/dev/null || true
    wait $! 2>/dev/null || true
    # Whatever is visible is whole: an image that exists has its layer.
    if n image exists "$REGISTRY/busybox:latest"; then
      run -0 n unshare sh -c 'test -x "$NOOK_STORE/layers/"*/bin/busybox && echo whole'
      assert_output whole
    fi
    run -0 npull -q "$REGISTRY/busybox:latest"
    run -0 n image exists "$REGISTRY/busybox:latest"
    run -0 n unshare sh -c 'ls -A "$NOOK_STORE/tmp" | wc -l'
    assert_output 0
    n rmi -a >/dev/null
  done
}

@test "two pulls of the same image at once both succeed with one copy" {
  npull -q "$REGISTRY/busybox:latest" >"$BATS_TEST_TMPDIR/a" 2>&1 &
  local a=$!
  npull -q "$REGISTRY/busybox:1.36" >"$BATS_TEST_TMPDIR/b" 2>&1 &
  local b=$!
  wait "$a"
  wait "$b"
  run -0 n images --format '{{.Tag}}'
  assert_line latest
  assert_line 1.36
  run -0 n unshare sh -c 'ls "$NOOK_STORE/layers" | wc -l; ls -A "$NOOK_STORE/tmp" | wc -l'
  assert_output "1
0"
}

@test "history lists the config's steps, newest first" {
  run -0 npull -q "$REGISTRY/busybox:latest"
  local id=$output
  run -0 n history "$REGISTRY/busybox"
  assert_line --index 0 --regexp '^ID +CREATED +CREATED BY +SIZE +COMMENT$'
  assert_line --index 1 --regexp "^${id:0:12} "
  run -0 n history -q "$id"
  assert_line --index 0 "${id:0:12}"
  run -125 n history nosuchimage
  assert_output "Error: nosuchimage: image not known"
}

@test "an image without layers reads as podman 4.3's: history <missing>, sizes" {
  image_from_json "$BATS_TEST_TMPDIR/none" '{"layers":[],"history":[{"created":"2024-01-02T03:04:05Z",
    "created_by":"/bin/sh -c #(nop) CMD [\"sh\"]","empty_layer":true}]}' >/dev/null
  registry push "$BATS_TEST_TMPDIR/none" hist/none:1 >/dev/null
  local img=$REGISTRY/hist/none:1 args t
  for t in n p; do "$t" pull -q --tls-verify=false "$img" >/dev/null; done
  for args in "history $img" "history --no-trunc $img" "history --format json $img" "history -q $img" \
    "images --format {{.ID}}:{{.Size}} $img"; do
    # shellcheck disable=SC2086 # the words of $args are the arguments
    run -0 p $args
    local want=$output
    # shellcheck disable=SC2086
    run -0 n $args
    [ "$output" = "$want" ] || fail "nook $args printed:"$'\n'"$output"$'\n'"podman printed:"$'\n'"$want"
  done
  run -0 n history -q "$img"
  assert_output "<missing>"
}

@test "history and sizes read as podman 4.3's: base image IDs down the history, empty layers, JSON" {
  local base='[{"created":"2024-01-02T03:04:05Z","created_by":"/bin/sh -c #(nop) ADD file:aaa in /"},
    {"created":"2024-01-02T03:04:06Z","created_by":"/bin/sh -c #(nop) CMD [\"sh\"]","empty_layer":true},
    {"created":"2024-01-02T03:04:07.123456789Z","comment":"second <layer> & more",
     "created_by":"/bin/sh -c echo b > /etc/b && a command long enough to be cut short"}]'
  local child
  child=$(jq -c '. + [{"created":"2024-02-01T00:00:00Z","created_by":"/bin/sh -c echo c"},
    {"created":"2024-02-01T00:00:01Z","created_by":"/bin/sh -c #(nop) ENV X=1","empty_layer":true}]' <<<"$base")
  local l1='{"entries":[{"path":"etc/a","data":"aaa"}]}' l2='{"entries":[{"path":"etc/b","size":5000,"fill":"random"}]}'
  image_from_json "$BATS_TEST_TMPDIR/base" "{\"layers\":[$l1,$l2],\"history\":$base}" >/dev/null
  image_from_json "$BATS_TEST_TMPDIR/child" \
    "{\"layers\":[$l1,$l2,{\"entries\":[{\"path\":\"etc/c\",\"data\":\"c\"}]}],\"history\":$child,
      \"config\":{\"Cmd\":[\"sh\"],\"Labels\":{\"a\":\"b\"},\"Env\":[\"A=1\"],\"Hostname\":\"docker-only\",
      \"WorkingDir\":\"/w\",\"User\":\"27\",\"Volumes\":{},\"ArgsEscaped\":false}}" >/dev/null
  registry push "$BATS_TEST_TMPDIR/base" hist/base:1 >/dev/null
  registry push "$BATS_TEST_TMPDIR/child" hist/child:1 >/dev/null
  local b=$REGISTRY/hist/base:1 c=$REGISTRY/hist/child:1 args t
  for t in n p; do
    "$t" pull -q --tls-verify=false "$b" >/dev/null
    "$t" pull -q --tls-verify=false "$c" >/dev/null
  done
  for args in "history $c" "history --no-trunc $c" "history --format json $c" "history -q $c" \
    "history --human=false $b" "image inspect --format {{.Size}} $c" "images --format {{.ID}}:{{.Size}} $c"; do
    # shellcheck disable=SC2086 # the words of $args are the arguments
    run -0 p $args
    local want=$output
    # shellcheck disable=SC2086
    run -0 n $args
    [ "$output" = "$want" ] || fail "nook $args printed:"$'\n'"$output"$'\n'"podman printed:"$'\n'"$want"
  done
  # image inspect: the same document, key for key and in podman's order
  # (Config and History as OCI structs), but for where the layers are.
  run -0 p image inspect "$c"
  local want=$output
  run -0 n image inspect "$c"
  assert_equal "$(head -2 <<<"$output")" "$(head -2 <<<"$want")"
  assert_equal "$(jq 'del(.[0].GraphDriver)' <<<"$output")" "$(jq 'del(.[0].GraphDriver)' <<<"$want")"
  # The base image's ID shows where the child stands on it.
  run -0 n history -q "$c"
  assert_output "$(n images -q "$c")
<missing>
$(n images -q "$b")
<missing>
<missing>"
}

@test "image prune removes dangling images only; -a all; system reset everything" {
  run -0 npull -q "$REGISTRY/busybox:latest"
  local id=$output
  run -0 n image prune -f
  assert_output ""
  n untag "$id"
  run -0 n images --filter dangling=true -q
  assert_output "${id:0:12}"
  run -0 n image prune -f
  assert_output "$id"
  run -0 n images -q
  assert_output ""
  npull -q "$REGISTRY/busybox:latest" >/dev/null
  # Without -f it asks; "no" keeps everything.
  run -0 n image prune -a <<<"n"
  run -0 n image exists "$id"
  # No answer at all is an error, as in podman, and nothing goes.
  run -125 n image prune -a </dev/null
  assert_output --partial "Error: no answer: standard input ended (--force skips the question)"
  run -125 n system reset </dev/null
  run -0 n image exists "$id"
  run -0 n system reset <<<"y"
  assert [ ! -e "$STORE" ]
}

@test "unshare: root in the namespace with the user's ranges; exit codes" {
  run -0 n unshare cat /proc/self/uid_map
  assert_line --index 0 --regexp '^ +0 +'"$(id -u)"' +1$'
  assert_line --index 1 --regexp '^ +1 +[0-9]+ +[0-9]+$'
  run -0 n unshare id -u
  assert_output 0
  run -127 n unshare no-such-command
  assert_output --partial "executable file not found"
  run -3 n unshare sh -c 'exit 3'
}

@test "pull --all-tags pulls every tag of the repository; a tag with it is refused" {
  run -0 npull -q --all-tags "$REGISTRY/busybox"
  assert_equal "${#lines[@]}" 2
  run -0 n images --format '{{.Tag}}' --sort tag
  assert_output "1.36
latest"
  run -125 npull --all-tags "$REGISTRY/busybox:latest"
  assert_output --partial "tag or digest can't be used with --all-tags"
}
