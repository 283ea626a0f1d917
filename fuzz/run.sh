#!/usr/bin/env bash
# fuzz/run.sh - the main job: installs what is missing, then runs one fuzz campaign
# (fuzz/campaign.py: builds the targets, fuzzes for --minutes, merges the corpus, triages
# failures, writes reports/<UTC>/report.md with its plot). Default budget: 2 minutes.
# Usage: bash fuzz/run.sh [--minutes M] [--workers N] [--seed S] [--no-mps] [--triage-minutes T] [--coverage]
# (--coverage: then line coverage of the host code over the working corpus, in the report)
# Exit 0 no new failure, 1 new failure(s), 2 harness error, 130/143 interrupted (SIGINT/SIGTERM).
set -uo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-deps || echo "spidx: could not install every dependency; continuing with what is here"
exec python3 fuzz/campaign.py "$@"
