#!/usr/bin/env bash
# Checks deploy/ (part of `make test`; docs/deploy.md):
#  1. every Kubernetes manifest of the base and of the cluster overlay (its patches are whole objects)
#     validates (--strict) against the Kubernetes schemas, each kustomization.yaml lists every non-example
#     file beside it, both ConfigMaps' orgs YAML pass `check-config --no-env` and differ only in store: and
#     cluster:; where kubectl or kustomize is installed, both entry points are built and the output validated;
#  2. the release binary builds with the static Swift stdlib (--scratch-path .build-static);
#  3. staged exactly as deploy/Containerfile's `COPY --from=build` lines place it (and with the build
#     directory's resource bundles moved aside, so it cannot fall back on them), it runs --version,
#     check-config and `run` (dashboard served, /healthz via `switchboard healthcheck`, store written under
#     $STATE_DIRECTORY only, graceful SIGTERM), and every shared library it loads comes from a package the
#     runtime stage installs or from the base image;
#  4. `systemd-analyze verify` accepts deploy/switchboard.service (skipped where systemd-analyze is absent).
# Environment: KUBE_VALIDATE (the validator, installed by the Makefile), KUBE_VERSIONS, SWIFT.
# kubectl or kustomize is used where installed, never required.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
KUBE_VALIDATE=${KUBE_VALIDATE:-.build-tools/venv/bin/kubernetes-validate}
KUBE_PYTHON=${KUBE_PYTHON:-$(dirname "$KUBE_VALIDATE")/python3}
# The Kubernetes versions the manifests must be valid for: the oldest we support and the newest the
# validator knows.
KUBE_VERSIONS=${KUBE_VERSIONS:-1.30.0 1.37.0}
SCRATCH=.build-static
CONTAINERFILE=deploy/Containerfile
K8S=deploy/kubernetes          # kubectl apply -k: one replica (base/)
BASE=$K8S/base
CLUSTER=$K8S/cluster           # the overlay for several replicas on PostgreSQL (docs/scale-out.md)

say() { echo "deploy-test: $*"; }
fail() { echo "deploy-test: FAIL: $*" >&2; exit 1; }

work=$(mktemp -d /tmp/switchboard-deploy-test.XXXXXX)
moved=()
bridge_pid=""
cleanup() {
    [[ -n "$bridge_pid" ]] && kill "$bridge_pid" 2>/dev/null || true
    for m in "${moved[@]:-}"; do [[ -n "$m" ]] && mv "$m.deploy-test-aside" "$m"; done
    chmod -R u+w "$work" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# ---------------------------------------------------------------------------------------------- 1. Kubernetes
[[ -x "$KUBE_VALIDATE" ]] || fail "$KUBE_VALIDATE is missing; run it through make (make test / make deploy-test installs it)"
# validate WHAT FILE…: --strict for each of KUBE_VERSIONS. An unknown kind or apiVersion is only a warning to
# the validator: a typo there must fail too.
validate() {
    local what=$1 v out; shift
    for v in $KUBE_VERSIONS; do
        out=$("$KUBE_VALIDATE" --strict --kubernetes-version "$v" "$@" 2>&1) || {
            echo "$out" >&2; fail "$what: not valid for Kubernetes $v (above)"; }
        if grep -qE '^(WARN|ERROR)' <<<"$out"; then echo "$out" >&2; fail "$what: the validator warned for Kubernetes $v (above)"; fi
    done
}
# The base's manifests and the overlay's patches (each a whole object: its deletions are inline in its
# kustomization.yaml), examples included.
manifests=()
for f in "$BASE"/*.yaml "$CLUSTER"/*.yaml; do [[ "$(basename "$f")" == kustomization.yaml ]] || manifests+=("$f"); done
validate "a manifest in $BASE or $CLUSTER" "${manifests[@]}"
say "${#manifests[@]} manifests valid (--strict) for Kubernetes $KUBE_VERSIONS"

# Each kustomization.yaml names every file beside it but the examples (as a resource or a patch), and only
# files and directories that exist.
"$KUBE_PYTHON" - "$K8S" "$BASE" "$CLUSTER" <<'EOF'
import os, sys, yaml
for d in sys.argv[1:]:
    k = yaml.safe_load(open(os.path.join(d, "kustomization.yaml")))
    entries = list(k.get("resources", [])) + [p["path"] for p in k.get("patches", []) if "path" in p]
    listed = {e for e in entries if not os.path.isdir(os.path.join(d, e))}
    files = {f for f in os.listdir(d) if f.endswith(".yaml") and f != "kustomization.yaml" and ".example." not in f}
    missing, extra = files - listed, listed - files
    if missing or extra:
        sys.exit(f"deploy-test: FAIL: {d}/kustomization.yaml: not listed {sorted(missing)}, no such file {sorted(extra)}")
EOF
# Both ConfigMaps' orgs YAML, for check-config below. The overlay replaces the whole orgs.yaml: apart from
# store: and cluster: it must say what the base says.
"$KUBE_PYTHON" - "$BASE/configmap.yaml" "$work/configmap-orgs.yaml" "$CLUSTER/configmap.yaml" "$work/cluster-configmap-orgs.yaml" <<'EOF'
import sys, yaml
parsed = []
for src, dst in zip(sys.argv[1::2], sys.argv[2::2]):
    text = yaml.safe_load(open(src))["data"]["orgs.yaml"]
    open(dst, "w").write(text)
    parsed.append(yaml.safe_load(text))
base, cluster = parsed
if "cluster" not in cluster:
    sys.exit(f"deploy-test: FAIL: {sys.argv[3]}: orgs.yaml has no cluster: section")
keys = sorted(k for k in set(base) | set(cluster) if k not in ("store", "cluster") and base.get(k) != cluster.get(k))
if keys:
    sys.exit(f"deploy-test: FAIL: the orgs.yaml of {sys.argv[3]} and {sys.argv[1]} differ in {keys}; edit both")
EOF

# Built as `kubectl apply -k` builds them, where a builder is installed: the overlay's patches are checked
# only here (a deletion that no longer matches anything is silently ignored by kustomize).
if command -v kubectl >/dev/null 2>&1; then build=(kubectl kustomize)
elif command -v kustomize >/dev/null 2>&1; then build=(kustomize build)
else build=(); fi
if (( ${#build[@]} )); then
    for d in "$K8S" "$CLUSTER"; do
        built="$work/built-$(basename "$d").yaml"
        "${build[@]}" "$d" > "$built" 2> "$work/build.err" || { cat "$work/build.err" >&2; fail "${build[*]} $d failed (above)"; }
        validate "${build[*]} $d" "$built"
    done
    "$KUBE_PYTHON" - "$work/built-cluster.yaml" "$work/cluster-configmap-orgs.yaml" <<'EOF'
import sys, yaml
objs = {o["kind"]: o for o in yaml.safe_load_all(open(sys.argv[1])) if o}
dep, pdb = objs["Deployment"]["spec"], objs["PodDisruptionBudget"]["spec"]
pod = dep["template"]["spec"]
container = next(c for c in pod["containers"] if c["name"] == "switchboard")
problems = [what for what, bad in [
    ("a PersistentVolumeClaim is left", "PersistentVolumeClaim" in objs),
    ("a volume still uses a claim", any("persistentVolumeClaim" in v for v in pod.get("volumes", []))),
    ("a volumeMount names no volume", {m["name"] for m in container.get("volumeMounts", [])}
        - {v["name"] for v in pod.get("volumes", [])}),
    ("replicas is not 3", dep.get("replicas") != 3),
    ("the strategy is not RollingUpdate", dep["strategy"].get("type") != "RollingUpdate"),
    ("the budget is not minAvailable: 2 alone", pdb.get("minAvailable") != 2 or "maxUnavailable" in pdb),
    ("SWITCHBOARD_PG_PASSWORD is not set", "SWITCHBOARD_PG_PASSWORD" not in {e["name"] for e in container.get("env", [])}),
    ("the ConfigMap is not the overlay's", objs["ConfigMap"]["data"]["orgs.yaml"] != open(sys.argv[2]).read()),
] if bad]
if problems:
    sys.exit("deploy-test: FAIL: the built cluster overlay: " + "; ".join(problems))
EOF
    say "${build[*]}: $K8S and $CLUSTER build, and the output is valid (--strict) for Kubernetes $KUBE_VERSIONS"
else
    say "neither kubectl nor kustomize installed: the overlay's patches validated as files, not built"
fi

# ------------------------------------------------------------------------------------------ 2. Static build
bin_dir=$($SWIFT build -c release --static-swift-stdlib --scratch-path "$SCRATCH" --product switchboard --show-bin-path)
# Bundles a killed earlier run left moved aside (below) go back first.
for b in "$bin_dir"/*.resources.deploy-test-aside; do if [[ -e "$b" ]]; then mv "$b" "${b%.deploy-test-aside}"; fi; done
say "building the release binary with the static Swift stdlib ($SCRATCH)"
start=$(date +%s)
$SWIFT build -c release --static-swift-stdlib --scratch-path "$SCRATCH" --product switchboard 2>&1 | tail -5
say "static release build: $(( $(date +%s) - start )) s"

# ---------------------------------------------------------------------------- 3. Stage as the image does
root="$work/root"
mkdir -p "$root"
# `COPY --from=build /out/X DEST`: /out holds the product's build directory (see the build stage).
copies=$(grep -E '^COPY --from=build /out/' "$CONTAINERFILE" | awk '{print $3 " " $4}')
[[ -n "$copies" ]] || fail "no 'COPY --from=build /out/…' lines in $CONTAINERFILE"
while read -r src dst; do
    name=${src#/out/}
    [[ -e "$bin_dir/$name" ]] || fail "$CONTAINERFILE copies /out/$name, which the build does not produce"
    mkdir -p "$root$(dirname "$dst")"
    cp -a "$bin_dir/$name" "$root$dst"
done <<<"$copies"
# Each `RUN ln -s TARGET LINK` of the runtime stage.
grep -E '^RUN ln -s ' "$CONTAINERFILE" | while read -r _ _ _ target link; do
    mkdir -p "$root$(dirname "$link")"; ln -s "$root$target" "$root$link"
done
binary="$root/usr/local/bin/switchboard"
[[ -x "$binary" ]] || fail "the staged image has no /usr/local/bin/switchboard"
# SwiftPM's Bundle.module falls back on the build directory's bundles: move them aside while the staged
# binary runs, so a bundle missing from the COPY lines fails here as it would in the image.
for b in "$bin_dir"/*.resources; do mv "$b" "$b.deploy-test-aside"; moved+=("$b"); done

# Shared libraries: each must come from a package the runtime stage installs, one apt pulls in for them, or
# the base image (libc6, libgcc-s1, libstdc++6: essential in debian:bookworm-slim).
runtime_packages=$(awk '/^FROM /{stage++} stage==2' "$CONTAINERFILE" | sed -e ':a' -e '/\\$/N; s/\\\n//; ta' \
    | grep -E '^RUN apt-get update' | sed -E 's/.*apt-get install -y --no-install-recommends ([^&]*)&&.*/\1/')
[[ -n "$runtime_packages" ]] || fail "cannot read the runtime stage's apt-get install list in $CONTAINERFILE"
# shellcheck disable=SC2086
allowed=$( { echo libc6 libgcc-s1 libstdc++6 $runtime_packages | tr ' ' '\n'
    apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
        --no-enhances --no-pre-depends $runtime_packages 2>/dev/null | grep -vE '^ |<' ; } | sed 's/:.*//' | sort -u)
ldd_out=$(ldd "$root/usr/local/lib/switchboard/switchboard")
if grep -q 'not found' <<<"$ldd_out"; then echo "$ldd_out" >&2; fail "the binary needs a library that is not installed"; fi
bad=()
while read -r lib path; do
    owner=""
    for p in "$path" "$(readlink -f "$path")" "${path#/usr}" "/usr$path"; do
        owner=$(dpkg -S "$p" 2>/dev/null | head -1 | cut -d: -f1) && [[ -n "$owner" ]] && break
    done
    if [[ -z "$owner" ]] || ! grep -qx "$owner" <<<"$allowed"; then bad+=("$lib ($path, package ${owner:-none})"); fi
    echo "  $lib -> ${owner:-?}"
done < <(awk '$2=="=>" && $3 ~ /^\// {print $1, $3}' <<<"$ldd_out")
(( ${#bad[@]} == 0 )) || fail "libraries the runtime image would not have: ${bad[*]}; add their packages to $CONTAINERFILE"
# Data the binary reads at run time, and the package the runtime stage must install for it.
for pair in /usr/share/pocketsphinx/model/en-us/en-us/mdef:pocketsphinx-en-us \
            /usr/share/zoneinfo/Europe/Berlin:tzdata /usr/share/ca-certificates:ca-certificates; do
    file=${pair%%:*} pkg=${pair##*:}
    grep -qw -- "$pkg" <<<"$runtime_packages" || fail "$CONTAINERFILE does not install $pkg ($file)"
    if [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" != "install ok installed" ]]; then
        say "$pkg is not installed here: not checking that it provides $file"; continue
    fi
    dpkg -S "$file" 2>/dev/null | grep -q "^$pkg" || fail "$file does not come from $pkg here"
done
say "every shared library comes from: $(echo $runtime_packages) or the base image"

# Run it from a directory holding nothing else, as the image's user would: cwd and install dir unwritten.
state="$work/state" tmp="$work/tmp" cwd="$work/cwd"
mkdir -p "$state" "$tmp" "$cwd"
cat > "$work/orgs.yaml" <<'EOF2'
auth: none
orgs:
  - id: a
    apiBase: http://127.0.0.1:9
    loginBase: http://127.0.0.1:9
    clientId: a-client
    clientSecret: ${DEPLOY_TEST_SECRET}
    timezone: Europe/Berlin
EOF2
export DEPLOY_TEST_SECRET=not-a-real-secret
marker="$work/marker"; touch "$marker"; sleep 1
export STATE_DIRECTORY="$state" TMPDIR="$tmp"
cd "$cwd"
version=$("$binary" --version) || fail "switchboard --version failed"
say "switchboard --version: $version"
"$binary" check-config --no-env "$work/configmap-orgs.yaml" >/dev/null \
    || fail "check-config --no-env rejects the ConfigMap's orgs.yaml ($BASE/configmap.yaml)"
# cluster.replica defaults to the host name: a pod's, as a Deployment names it.
HOSTNAME=switchboard-5d8f7c9b4-x2kqz "$binary" check-config --no-env "$work/cluster-configmap-orgs.yaml" >/dev/null \
    || fail "check-config --no-env rejects the cluster overlay's orgs.yaml ($CLUSTER/configmap.yaml)"
"$binary" check-config "$work/orgs.yaml" >/dev/null || fail "check-config rejects a valid file"

"$binary" run --config "$work/orgs.yaml" --listen 127.0.0.1:0 > "$work/run.log" 2>&1 &
bridge_pid=$!
url=""
for _ in $(seq 1 240); do
    url=$(grep -oE 'listening on http://[^ ]+' "$work/run.log" | head -1 | cut -d' ' -f3) && [[ -n "$url" ]] && break
    kill -0 "$bridge_pid" 2>/dev/null || { cat "$work/run.log" >&2; fail "switchboard run exited at start"; }
    sleep 0.5
done
[[ -n "$url" ]] || { cat "$work/run.log" >&2; fail "switchboard run did not print 'listening on' within 2 min"; }
"$binary" healthcheck --url "$url/healthz" || fail "healthcheck on $url/healthz failed"
"$binary" healthcheck --url "$url/" || fail "the dashboard (/) is not served from the staged resource bundle"
"$binary" healthcheck --url "$url/app.js" || fail "the dashboard's app.js is not served"
if "$binary" healthcheck --url "$url/no-such-page" --timeout 2 2>/dev/null; then fail "healthcheck passed on a 404"; fi
if "$binary" healthcheck --url "http://127.0.0.1:1/healthz" --timeout 2 2>/dev/null; then fail "healthcheck passed on a closed port"; fi
for _ in $(seq 1 60); do [[ -e "$state/switchboard.db" ]] && break; sleep 0.5; done
[[ -e "$state/switchboard.db" ]] || fail "no store at \$STATE_DIRECTORY/switchboard.db"
stop_start=$(date +%s%N)
kill -TERM "$bridge_pid"
status=0; wait "$bridge_pid" || status=$?
bridge_pid=""
stop_ms=$(( ($(date +%s%N) - stop_start) / 1000000 ))
(( status == 0 )) || { cat "$work/run.log" >&2; fail "switchboard run exited $status after SIGTERM"; }
say "run: /healthz, dashboard and store OK; graceful stop after SIGTERM took $stop_ms ms"
cd - >/dev/null
written=$(find "$work" -newer "$marker" -not -path "$state*" -not -path "$tmp*" -not -path "$work/run.log" \
          -not -path "$work" -type f)
[[ -z "$written" ]] || fail "the bridge wrote outside \$STATE_DIRECTORY and \$TMPDIR (a read-only root would refuse): $written"
unset STATE_DIRECTORY TMPDIR

# --------------------------------------------------------------------------------------------- 4. systemd
if command -v systemd-analyze >/dev/null 2>&1; then
    # verify checks that ExecStart exists: point a copy of the unit at the staged binary.
    unit="$work/switchboard.service"
    sed "s|/usr/local/bin/switchboard|$binary|" deploy/switchboard.service > "$unit"
    out=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$unit" 2>&1) || {
        echo "$out" >&2; fail "systemd-analyze verify rejects deploy/switchboard.service"; }
    # A systemd that is not PID 1 (a container, CI) is a fact of this machine, not a problem of the unit.
    problems=$(grep -vE "System has not been booted with systemd|Failed to connect to bus|^$" <<<"$out" || true)
    [[ -z "$problems" ]] || { echo "$out" >&2; fail "systemd-analyze verify warns about deploy/switchboard.service"; }
    say "systemd-analyze verify: deploy/switchboard.service OK"
else
    say "systemd-analyze not installed: deploy/switchboard.service not verified (install systemd to check it)"
fi
say "all deploy checks passed"
