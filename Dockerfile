# authd — multi-stage Debian 12 build; the runtime image holds the binary and its libraries only.
#   docker build -t authd .
#   docker run -p 8080:8080 -v $PWD/config:/etc/authd:ro -v $PWD/keys:/var/lib/authd/keys:ro \
#              -v $PWD/clients:/var/lib/authd/clients:ro authd
# Mounted config: /etc/authd/authd.json, with keys.dir / clients.dir pointing at the mounts
# (relative paths resolve against the working directory, /var/lib/authd).
FROM debian:12-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
      build-essential pkg-config libevent-dev libssl-dev libjwt-dev libhiredis-dev \
      liboath-dev libjansson-dev libargon2-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile ./
COPY authd ./authd
RUN make -j"$(nproc)" build/authd && strip build/authd

FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
      libevent-2.1-7 libevent-openssl-2.1-7 libevent-pthreads-2.1-7 libssl3 libjwt0 \
      libhiredis0.14 liboath0 libjansson4 libargon2-1 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/authd --shell /usr/sbin/nologin authd \
    && mkdir -p /var/lib/authd && chown authd:authd /var/lib/authd
COPY --from=build /src/build/authd /usr/local/bin/authd
USER authd
WORKDIR /var/lib/authd
EXPOSE 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/authd"]
CMD ["-c", "/etc/authd/authd.json"]
