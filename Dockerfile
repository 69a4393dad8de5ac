# Multi-stage build: a static, cgo-free binary (the SQLite driver is pure Go) on a
# distroless base, running as a non-root user (nonroot, uid 65532).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/gradphoto ./cmd/gradphoto \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
COPY --from=build /out/gradphoto /app/gradphoto
COPY configs/config.example.yaml /app/configs/config.example.yaml
# The data directory belongs to the runtime user: a new named volume mounted on /data
# starts as a copy of it (owner included), so SQLite and the blobs can be written.
# A bind-mounted host directory must be writable by uid 65532 (see README).
COPY --from=build --chown=nonroot:nonroot /out/data /data
# In a container the address must be the wildcard to be published; set
# GRADPHOTO_WECHAT_MODE=production (and the secrets) for anything but a local trial.
ENV GRADPHOTO_DATA_DIR=/data GRADPHOTO_HTTP_ADDR=:8080
VOLUME ["/data"]
EXPOSE 8080
USER nonroot:nonroot
# distroless has no shell and no curl: the binary checks itself.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/app/gradphoto", "healthcheck"]
ENTRYPOINT ["/app/gradphoto"]
CMD ["serve"]
