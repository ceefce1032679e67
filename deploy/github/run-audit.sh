#!/usr/bin/env bash
# The audit step of the GitHub Action (action.yml at the repository root):
#   run-audit.sh ARGS...  =  schema-auditor audit ARGS... --format markdown
# prints the Markdown report to the log, appends it to the job summary ($GITHUB_STEP_SUMMARY, when
# set), writes exit-code=N to $GITHUB_OUTPUT (when set), and exits with the tool's own exit code:
# 0 clean, 1 drift, 2 error. An error's stderr lines go to the log and, fenced, to the summary.
set -euo pipefail

report=$(mktemp)
errors=$(mktemp)
trap 'rm -f "$report" "$errors"' EXIT

set +e  # the audit's exit code is the result: capture it, never stop on it
schema-auditor audit "$@" --format markdown >"$report" 2>"$errors"
code=$?
set -e

cat "$report"
cat "$errors" >&2
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  cat "$report" >>"$GITHUB_STEP_SUMMARY"
  if [ "$code" -ge 2 ] && [ -s "$errors" ]; then
    # shellcheck disable=SC2016  # a Markdown code fence, not a command substitution
    printf '\n```text\n%s\n```\n' "$(cat "$errors")" >>"$GITHUB_STEP_SUMMARY"
  fi
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "exit-code=$code" >>"$GITHUB_OUTPUT"
fi
exit "$code"
