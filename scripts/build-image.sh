#!/usr/bin/env bash
# `make image`: builds deploy/Containerfile with podman, or docker, whichever is installed AND answers
# (a docker CLI without a running daemon does not count). Not part of `make test`.
# Environment: IMAGE (name:tag, default from the Makefile), ENGINE (podman|docker: force one).
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE=${IMAGE:-switchboard:dev}
version=${IMAGE##*:}

answers() { command -v "$1" >/dev/null 2>&1 && "$1" info >/dev/null 2>&1; }

engine=${ENGINE:-}
if [[ -z "$engine" ]]; then
    for candidate in podman docker; do
        if answers "$candidate"; then engine=$candidate; break; fi
    done
fi
if [[ -z "$engine" ]] || ! answers "$engine"; then
    echo "make image: no container engine answers, so no image was built." >&2
    for candidate in podman docker; do
        if ! command -v "$candidate" >/dev/null 2>&1; then
            echo "  - $candidate: not installed" >&2
        else
            why=$("$candidate" info 2>&1 | grep -iE 'error|cannot|denied|refused' | head -1 || true)
            echo "  - $candidate: installed, but '$candidate info' fails: ${why:-no answer}" >&2
        fi
    done
    cat >&2 <<'MSG'
Fix one of:
  - start the Docker daemon (systemctl start docker), or run as a user allowed to use it (docker group);
  - install podman (apt-get install podman): it needs no daemon;
  - build on a machine or CI runner that has an engine:
      docker build -f deploy/Containerfile -t switchboard:TAG .
The static binary the image holds is built and checked here by `make deploy-test` (docs/deploy.md).
MSG
    exit 1
fi

args=(build -f deploy/Containerfile -t "$IMAGE" --build-arg "VERSION=$version")
# podman's default OCI format drops HEALTHCHECK; the docker format keeps it.
[[ "$engine" == podman ]] && args+=(--format docker)
echo "make image: $engine ${args[*]} ."
"$engine" "${args[@]}" .
echo "make image: built $IMAGE; push it with: $engine tag $IMAGE REGISTRY/switchboard:$version && $engine push REGISTRY/switchboard:$version"
