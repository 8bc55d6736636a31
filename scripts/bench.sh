#!/usr/bin/env bash
echo "benchmarks arrive with issue 6" >&2
exit 0
