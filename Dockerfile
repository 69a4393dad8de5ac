# Multi-stage build: a static, cgo-free binary (the SQLite driver is pure Go) on a
# distroless base, running as a non-root user.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/gradphoto ./cmd/gradphoto

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
COPY --from=build /out/gradphoto /app/gradphoto
COPY configs/config.example.yaml /app/configs/config.example.yaml
ENV GRADPHOTO_DATA_DIR=/data GRADPHOTO_HTTP_ADDR=:8080
VOLUME ["/data"]
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/app/gradphoto"]
CMD ["serve"]
