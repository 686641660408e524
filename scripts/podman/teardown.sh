#!/usr/bin/env bash
# Stops the Podman API service that scripts/podman/setup.sh started (by the pid it recorded) and
# removes its socket. Containers, images and packages stay; run setup.sh to start it again.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
dir="$repo/.test-tmp/podman"
pidfile="$dir/service.pid"

if [ -f "$pidfile" ]; then
  pid=$(cat "$pidfile")
  # Only the process this project started: the pid must still be a `podman system service`.
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'podman system service'; then
    kill -TERM "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
    echo "stopped podman system service (pid $pid)" >&2
  else
    echo "no podman system service running under pid $pid" >&2
  fi
  rm -f "$pidfile"
else
  echo "no service pid recorded in $pidfile; nothing to stop" >&2
fi
rm -f "$dir/podman.sock"
