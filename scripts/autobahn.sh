#!/usr/bin/env bash
# scripts/autobahn.sh: the Autobahn|Testsuite fuzzing client against the stream's WebSocket stack
# (Tests/HubTests/AutobahnFuzzingTests.swift: same gate, masking check and library settings as
# /v1/stream, with an echo handler). Results: docs/security.md, "WebSocket conformance".
#
# wstest (PyPI `autobahntestsuite`, 25.10.1 included) runs on Python 2.7 only. This script needs a
# python2.7 (pyenv's 2.7.18 is used when present; Debian 12 and later ship none) and installs the suite
# with its pinned dependencies into .build/autobahn (its sdist does not declare them). Not part of
# `make test`. Reports: .build/autobahn/out/autobahn-*/reports/index.html.
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX="$PWD/.build/autobahn"
if PYENV_VERSION=2.7.18 python --version 2>&1 | grep -q "Python 2.7"; then
    PY=(env PYENV_VERSION=2.7.18 python)
elif command -v python2.7 >/dev/null 2>&1; then
    PY=(python2.7)
else
    echo "autobahn: no Python 2.7 found (pyenv 2.7.18 or python2.7 on PATH); wstest needs it" >&2
    exit 2
fi
SITE="$PREFIX/lib/python2.7/site-packages"
if [ ! -d "$SITE/autobahntestsuite" ]; then
    echo "installing autobahntestsuite 25.10.1 into $PREFIX ..." >&2
    # --ignore-installed: with --prefix, pip would otherwise uninstall the interpreter's own setuptools
    # to satisfy the suite's pin. --no-deps for the suite: it pins setuptools, which is not needed.
    "${PY[@]}" -m pip install -q --prefix "$PREFIX" --ignore-installed --no-deps --no-warn-script-location \
        autobahntestsuite==25.10.1
    "${PY[@]}" -m pip install -q --prefix "$PREFIX" --ignore-installed --no-warn-script-location \
        'autobahn[twisted]==0.10.9' Twisted==19.10.0 txaio==2.1.0 \
        incremental==16.10.1 pyOpenSSL==19.1.0 cryptography==3.3.2 zope.interface==4.6.0 jinja2==2.11.3 \
        markupsafe==1.1.1 Werkzeug==1.0.1 klein==17.10.0 service_identity==18.1.0 unittest2==1.1.0 six==1.16.0
fi
WSTEST="$PREFIX/wstest"
cat > "$WSTEST" <<EOF
#!/usr/bin/env bash
# site.addsitedir, not PYTHONPATH: zope is a namespace package declared in a .pth file.
exec ${PY[*]} -c "import site, sys; site.addsitedir('$SITE'); sys.argv[0] = 'wstest'; from autobahntestsuite.wstest import run; run()" "\$@"
EOF
chmod +x "$WSTEST"

mkdir -p "$PREFIX/out"
swift build --build-tests >&2
SWITCHBOARD_WSTEST="$WSTEST" SWITCHBOARD_WSTEST_OUT="$PREFIX/out" \
    swift test --skip-build --no-parallel --filter AutobahnFuzzingTests
