#!/bin/sh
# File these drafts as GitHub issues, most urgent first (needs the gh CLI, logged in to the repository).
set -e
cd "$(dirname "$0")"
gh issue create --title "$(cat P0-casing.title)" --body-file P0-casing.md
gh issue create --title "$(cat P0-framing.title)" --body-file P0-framing.md
gh issue create --title "$(cat P0-spacing.title)" --body-file P0-spacing.md
gh issue create --title "$(cat P0-synonym.title)" --body-file P0-synonym.md
gh issue create --title "$(cat P0-paraphrase.title)" --body-file P0-paraphrase.md
gh issue create --title "$(cat P0-noise.title)" --body-file P0-noise.md
gh issue create --title "$(cat P1-contraction.title)" --body-file P1-contraction.md
