#!/usr/bin/env bash
# The whole test suite: formatting, lints, then every test of every crate with every feature.
# Scaler tests talk to real servers on loopback; scripts/servers.sh starts (or reuses) them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/servers.sh start
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --all-features -- -D warnings
cargo test --workspace --all-features
