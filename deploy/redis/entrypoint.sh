#!/bin/sh
# Entrypoint of the llmsrouter-redis image. With REDIS_PASSWORD set (compose and the Helm
# chart set it from a Secret), every client must AUTH with it (requirepass). Without it, Redis
# stays in protected mode: it then answers only clients on the loopback interface.
# (Redis rewrites its process title, so the password does not stay visible in `ps`.)
set -eu
if [ -n "${REDIS_PASSWORD:-}" ]; then
  exec redis-server --bind 0.0.0.0 --protected-mode no --dir /data --requirepass "$REDIS_PASSWORD" "$@"
fi
echo "llmsrouter-redis: REDIS_PASSWORD is not set; protected mode: loopback clients only" >&2
exec redis-server --bind 0.0.0.0 --protected-mode yes --dir /data "$@"
