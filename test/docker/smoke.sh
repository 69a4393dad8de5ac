#!/usr/bin/env bash
# Docker smoke test (`make docker-smoke`): builds the image from the real Dockerfile and
# checks what issue 14 asked of it, on a machine with a Docker engine:
#   - the build context holds no local data, node_modules, builds or VCS files (.dockerignore);
#   - the container starts as uid 65532 on a fresh named volume, migrates its SQLite database
#     into /data and answers /healthz and /readyz;
#   - Docker's own HEALTHCHECK (`gradphoto healthcheck`) reports the container healthy;
#   - the files in the volume belong to the runtime user, and they survive a restart.
# Set DOCKER_BUILD_FLAGS (e.g. --network=host) when the builder needs the host network.
# Without registry access, run test/docker/standin-bases.sh first.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v docker >/dev/null && docker info >/dev/null 2>&1 || { echo "docker-smoke: no Docker engine" >&2; exit 1; }

tag=gradphoto:smoke
name=gradphoto-smoke-$$
volume=gradphoto-smoke-$$
port=${SMOKE_PORT:-18020}
canaries=(data/.docker-smoke-canary bin/.docker-smoke-canary miniprogram/node_modules/.docker-smoke-canary configs/config.yaml)
made=()
cleanup() {
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker volume rm -f "$volume" >/dev/null 2>&1 || true
  for f in "${made[@]}"; do rm -f "$f"; done
}
trap cleanup EXIT
fail() { echo "docker-smoke: FAIL: $*" >&2; docker logs "$name" 2>&1 | tail -20 >&2 || true; exit 1; }

# Local state that must never reach the image: put a canary where each kind lives
# (only where none exists; removed again on exit).
for f in "${canaries[@]}"; do
  [ -e "$f" ] && continue
  mkdir -p "$(dirname "$f")" && echo canary >"$f" && made+=("$f")
done

echo "docker-smoke: building $tag"
docker build ${DOCKER_BUILD_FLAGS:-} --target build -t "$tag-build" . >/dev/null
docker build ${DOCKER_BUILD_FLAGS:-} -t "$tag" . >/dev/null

# What reached the build stage: the sources, never local state.
leaked=$(docker run --rm --network none --entrypoint sh "$tag-build" -c \
  'cd /src && for p in data bin .git miniprogram test docs configs/config.yaml; do [ -e "$p" ] && echo "$p"; done; true')
[ -z "$leaked" ] || fail "build context carried: $leaked"
echo "docker-smoke: build context clean (no data/, bin/, .git, miniprogram/, test/, docs/, config.yaml)"

docker volume create "$volume" >/dev/null
# Host networking: the smoke needs no published port, and works where the engine has no bridge.
docker run -d --name "$name" --network host -e GRADPHOTO_HTTP_ADDR="127.0.0.1:$port" \
  --health-interval 2s --health-start-period 1s -v "$volume:/data" "$tag" >/dev/null

user=$(docker inspect -f '{{.Config.User}}' "$name")
[ "$user" = "nonroot:nonroot" ] || fail "image user is $user, want nonroot:nonroot"

for _ in $(seq 1 60); do
  state=$(docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$name")
  case "$state" in
    "running healthy") break ;;
    exited*|dead*) fail "container stopped: $state" ;;
  esac
  sleep 1
done
[ "$state" = "running healthy" ] || fail "not healthy after 60 s: $state"
echo "docker-smoke: container healthy (Docker HEALTHCHECK = gradphoto healthcheck)"

for path in /healthz /readyz; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$path")
  [ "$code" = 200 ] || fail "$path answered $code"
done
docker exec "$name" /app/gradphoto healthcheck --ready >/dev/null || fail "healthcheck --ready failed"
echo "docker-smoke: /healthz and /readyz answer 200"

# The volume's files belong to the runtime user (a root-owned /data is what issue 14 found).
# `docker cp` streams them as a tar with their owners: no second container needed.
listing=$(docker cp "$name:/data" - | tar -tv --numeric-owner)
[ -n "$listing" ] || fail "nothing was written to /data"
owners=$(awk '{print $2}' <<<"$listing" | sort -u)
[ "$owners" = "65532/65532" ] || fail "files in /data owned by: $(echo $owners)"
echo "docker-smoke: /data written by uid 65532: $(awk '{print $NF}' <<<"$listing" | tr '\n' ' ')"

docker restart "$name" >/dev/null
for _ in $(seq 1 30); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz" || true)
  [ "$code" = 200 ] && break
  sleep 1
done
[ "$code" = 200 ] || fail "/readyz after restart answered $code"
echo "docker-smoke: restarted on the same volume: ready"
echo "docker-smoke: ok"
