#!/usr/bin/env bash
# rpc job-started hook for a self-hosted runner (ACTIONS_RUNNER_HOOK_JOB_STARTED).
#
# Asks the policy server (`rpc serve`) whether this job may run, the way the service rpc replaces
# was asked, so runners need no GitHub credential. Needs only bash, curl and jq.
#
#   RPC_POLICY_SERVER                URL of `rpc serve`, e.g. http://policy.internal:8080
#   RPC_POLICY_SERVER_TOKEN          the one-time token minted for this runner, or
#   RPC_POLICY_SERVER_TOKEN_FILE     a file holding it
#   RPC_ALLOW_EXTERNAL_CONTRIBUTOR   "false": also refuse pull requests whose author is not an
#                                    owner, member or collaborator (checked here, from the event
#                                    payload; the server never sees the payload). Default "true".
#
# Exit 0: the job may run. Exit 1: it may not (the reason is logged).
set -uo pipefail

log() { printf 'rpc-pre-job: %s\n' "$*" >&2; }

event=${GITHUB_EVENT_NAME:?GITHUB_EVENT_NAME is not set}
repository=${GITHUB_REPOSITORY:?GITHUB_REPOSITORY is not set}
payload=${GITHUB_EVENT_PATH:?GITHUB_EVENT_PATH is not set}
server=${RPC_POLICY_SERVER:?RPC_POLICY_SERVER is not set}
token=${RPC_POLICY_SERVER_TOKEN:-}
if [[ -z $token && -n ${RPC_POLICY_SERVER_TOKEN_FILE:-} ]]; then
  token=$(<"$RPC_POLICY_SERVER_TOKEN_FILE")
fi
if [[ -z $token ]]; then
  log "no one-time token: set RPC_POLICY_SERVER_TOKEN or RPC_POLICY_SERVER_TOKEN_FILE; contact the operators"
  exit 1
fi

# Author association, decided locally from the event payload.
if [[ ${RPC_ALLOW_EXTERNAL_CONTRIBUTOR:-true} == false ]]; then
  case $event in
    issue_comment) source=.comment ;;
    pull_request | pull_request_target | pull_request_review | pull_request_review_comment)
      head=$(jq -r '.pull_request.head.repo.full_name // ""' "$payload")
      base=$(jq -r '.pull_request.base.repo.full_name // ""' "$payload")
      if [[ -n $head && $head == "$base" ]]; then
        source=
      else
        case $event in
          pull_request_review) source=.review ;;
          pull_request_review_comment) source=.comment ;;
          *) source=.pull_request ;;
        esac
      fi
      ;;
    *) source= ;;
  esac
  if [[ -n $source ]]; then
    association=$(jq -r "$source.author_association // \"\"" "$payload")
    allowed=" OWNER MEMBER COLLABORATOR "
    if [[ $(jq -r '.repository.private // false' "$payload") == true ]]; then
      allowed+="CONTRIBUTOR "
    fi
    if [[ -z $association || $allowed != *" $association "* ]]; then
      log "policy failure: author association '${association:-none}' may not run jobs on these runners (RPC-AA-001); a maintainer must review the contribution"
      exit 1
    fi
  fi
fi

# The policy server's check, as the reference hook made it.
case $event in
  pull_request)
    path=pull_request
    body=$(jq -n \
      --arg repository "$repository" \
      --arg source "$(jq -r '.pull_request.head.repo.full_name // ""' "$payload")" \
      --arg target "${GITHUB_BASE_REF:-}" \
      --arg branch "${GITHUB_HEAD_REF:-}" \
      --arg sha "$(jq -r '.pull_request.head.sha // ""' "$payload")" \
      '{repository_name: $repository, source_repository_name: $source,
        target_branch_name: $target, source_branch_name: $branch, commit_sha: $sha}')
    ;;
  workflow_dispatch | push | schedule)
    path=$event
    body=$(jq -n --arg repository "$repository" '{repository_name: $repository}')
    ;;
  *)
    path=default
    body=$(jq -n --arg repository "$repository" '{repository_name: $repository}')
    ;;
esac

answer=$(mktemp)
trap 'rm -f "$answer"' EXIT
status=$(curl --silent --show-error --max-time 60 --noproxy '*' \
  --output "$answer" --write-out '%{http_code}' \
  --header "Authorization: Bearer $token" \
  --header 'Content-Type: application/json' \
  --data "$body" \
  "${server%/}/$path/check-run") || status=000

reason=$(tr '\n' ' ' <"$answer")
case $status in
  2??)
    log "pass: this job may run on these runners"
    exit 0
    ;;
  403)
    log "policy failure: ${reason:-refused}; fix the repository setup"
    exit 1
    ;;
  *)
    log "policy server error (HTTP $status): ${reason:-no answer}; contact the operators"
    exit 1
    ;;
esac
