#!/usr/bin/env bash
# Prepares Podman's Docker-compatible API for the docker driver's tests, and prints its socket path
# (the only thing written to stdout; progress goes to stderr). Idempotent: each step is skipped when
# its result is already there, so CI and people can run it again and again.
#
#   sock=$(bash scripts/podman/setup.sh)     # then BERTH_DOCKER_SOCKET=$sock
#
# Why these settings (what was seen to work on the project's machines): crun refuses hybrid cgroups,
# so runc; no systemd, so the cgroupfs manager and container logs in files (k8s-file) rather than
# journald; setrlimit of NOFILE/NPROC is refused, so no default ulimits.
# Storage stays in Podman's default root location (/var/lib/containers); only the configuration,
# the socket, the service's pid and log, and the base image's build folder live under .test-tmp.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
dir="$repo/.test-tmp/podman"
sock="$dir/podman.sock"
conf="$dir/containers.conf"
image="localhost/berth-node:20"
started=$(date +%s)

say() { printf '[podman setup +%ss] %s\n' "$(($(date +%s) - started))" "$*" >&2; }

mkdir -p "$dir"

# 1. Packages.
need=()
command -v podman >/dev/null 2>&1 || need+=(podman)
command -v runc >/dev/null 2>&1 || need+=(runc)
if [ ${#need[@]} -gt 0 ]; then
  say "apt-get install ${need[*]} (output in $dir/apt.log)"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"; } >"$dir/apt.log" 2>&1; then
    tail -n 30 "$dir/apt.log" >&2
    exit 1
  fi
fi
say "$(podman --version), $(runc --version | head -n 1)"

# 2. The engine configuration, rewritten only when it differs so the running service keeps its view.
want=$(cat <<'EOF'
# Written by scripts/podman/setup.sh.
[containers]
default_ulimits = []
log_driver = "k8s-file"

[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
EOF
)
if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$want" ]; then
  printf '%s\n' "$want" >"$conf"
  say "wrote $conf"
fi
export CONTAINERS_CONF="$conf"

# 3. The API service, started unless the socket already answers.
answers() {
  node -e '
    const req = require("node:http").request({ socketPath: process.argv[1], path: "/v1.41/version", timeout: 2000 }, (res) => {
      res.resume();
      process.exit(res.statusCode === 200 ? 0 : 1);
    });
    req.on("error", () => process.exit(1)).on("timeout", () => process.exit(1)).end();
  ' "$sock"
}
if answers; then
  say "the service already answers on $sock"
else
  # A service of ours that no longer answers (hung, or its socket deleted) is stopped first.
  if [ -f "$dir/service.pid" ]; then bash "$(dirname "$0")/teardown.sh"; fi
  rm -f "$sock"
  say "starting podman system service on $sock"
  # setsid and closed standard streams: the service outlives this script and never holds the
  # caller's pipe open (sock=$(setup.sh) would otherwise wait for it forever). It runs from $dir
  # because conmon (2.1.6 under Podman 4.3) writes its OOM marker file, named `oom`, into the
  # service's working directory, which would otherwise be wherever this script was called from.
  (cd "$dir" && exec setsid podman system service --time=0 "unix://$sock" </dev/null >>"$dir/service.log" 2>&1) &
  echo $! >"$dir/service.pid"
  for _ in $(seq 1 100); do
    answers && break
    if ! kill -0 "$(cat "$dir/service.pid")" 2>/dev/null; then
      echo "podman system service exited; see $dir/service.log:" >&2
      tail -n 20 "$dir/service.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  answers || { echo "podman system service does not answer on $sock after 10 s; see $dir/service.log" >&2; exit 1; }
  say "the service answers (pid $(cat "$dir/service.pid"))"
fi

# 4. The base image, built once: node, /bin/sh and the libraries they load, at their own paths.
if podman image exists "$image"; then
  say "$image exists"
else
  say "building $image"
  rootfs="$dir/rootfs"
  rm -rf "$rootfs" "$dir/rootfs.tar"
  mkdir -p "$rootfs/usr/bin" "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/app"
  chmod 1777 "$rootfs/tmp"
  cp -L /usr/bin/node "$rootfs/usr/bin/node"
  cp -L /bin/sh "$rootfs/bin/sh"
  # `ldd` prints "name => /path (addr)" or "/path (addr)"; the vdso has no file.
  for lib in $( (ldd /usr/bin/node; ldd /bin/sh) | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }' | sort -u); do
    cp -L --parents "$lib" "$rootfs"
  done
  cp /etc/passwd /etc/group "$rootfs/etc/"
  tar -C "$rootfs" -cf "$dir/rootfs.tar" .
  podman import --quiet --change 'WORKDIR=/app' "$dir/rootfs.tar" "$image" >&2
  rm -rf "$rootfs" "$dir/rootfs.tar"
  say "built $image"
fi

say "ready"
printf '%s\n' "$sock"
