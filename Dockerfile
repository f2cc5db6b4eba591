# The tour in a container. Build and run with:
#   docker build -t metrics-tour .
#   docker run --rm -p 5000:5000 metrics-tour --traffic
# See docs/deploy.md.

# Build stage: the full Rust toolchain, thrown away afterwards.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked \
    && cp target/release/metrics-tour /metrics-tour

# Runtime stage: glibc and little else, running as an unprivileged user.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /metrics-tour /usr/local/bin/metrics-tour
# Listen on every interface: inside a container, 127.0.0.1 is unreachable from outside.
ENV TOUR_LISTEN=0.0.0.0:5000
EXPOSE 5000
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/metrics-tour"]
