#!/usr/bin/env bash
# Builds local stand-ins for the Dockerfile's two base images, for a machine whose Docker
# engine cannot reach a registry (this project's CI VM reaches only the Go module proxy):
#   golang:1.26                                  the host's Go + busybox (for RUN) + CA certs
#   gcr.io/distroless/static-debian12:nonroot    /etc/passwd with nonroot (65532), CA certs, /tmp
# They carry what the Dockerfile relies on and nothing more, so `test/docker/smoke.sh` can
# exercise the real Dockerfile (stages, .dockerignore, COPY --chown, VOLUME, USER,
# HEALTHCHECK). An image for production is built against the real bases.
set -euo pipefail
command -v docker >/dev/null && docker info >/dev/null 2>&1 || { echo "standin-bases: no Docker engine" >&2; exit 1; }
busybox=$(command -v busybox || true)
[ -n "$busybox" ] && file -L "$busybox" | grep -q 'statically linked' \
  || { echo "standin-bases: a static busybox is needed (Debian: busybox-static)" >&2; exit 1; }
goroot=$(go env GOROOT)
certs=/etc/ssl/certs/ca-certificates.crt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! docker image inspect golang:1.26 >/dev/null 2>&1; then
  root=$work/golang
  mkdir -p "$root"/{bin,tmp,etc/ssl/certs,usr/local,go,root}
  cp "$busybox" "$root/bin/busybox"
  for tool in sh mkdir cp mv rm ls cat env chmod chown; do ln -s busybox "$root/bin/$tool"; done
  cp -a "$goroot" "$root/usr/local/go"
  cp "$certs" "$root/etc/ssl/certs/"
  cp /etc/resolv.conf /etc/hosts "$root/etc/" 2>/dev/null || true
  chmod 1777 "$root/tmp"
  tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/go/bin:/go/bin:/bin' \
    --change 'ENV GOPATH=/go' \
    --change "ENV GOPROXY=$(go env GOPROXY)" \
    --change 'WORKDIR /go' - golang:1.26 >/dev/null
  echo "standin-bases: golang:1.26 built from $goroot ($(go env GOVERSION))"
fi

if ! docker image inspect gcr.io/distroless/static-debian12:nonroot >/dev/null 2>&1; then
  root=$work/distroless
  mkdir -p "$root"/{etc/ssl/certs,tmp,home/nonroot}
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$root/etc/group"
  cp "$certs" "$root/etc/ssl/certs/"
  chmod 1777 "$root/tmp"
  chown 65532:65532 "$root/home/nonroot"
  tar -C "$root" --numeric-owner -c . | docker import \
    --change 'USER 65532' --change 'WORKDIR /home/nonroot' - gcr.io/distroless/static-debian12:nonroot >/dev/null
  echo "standin-bases: gcr.io/distroless/static-debian12:nonroot built (no shell, like the real one)"
fi
