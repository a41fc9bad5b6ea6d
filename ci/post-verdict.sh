#!/usr/bin/env bash
# ci/post-verdict.sh SUMMARY EXIT_STATUS: puts `ringbench ab`'s verdict on
# the pull request (GitHub) or merge request (GitLab) the job runs for.
#   - One comment (GitHub) or note (GitLab) holding SUMMARY (ci/pre-merge.sh's
#     summary.md), a line naming the commit and a link to the run.  It
#     carries an invisible marker, so a later push finds it again and
#     updates it: a pull request has one verdict comment, however many
#     pushes it sees.  Only a comment written by us counts: anyone can
#     paste the marker into a comment of their own.
#   - A commit status on the head commit, from EXIT_STATUS (ab's exit code,
#     which ci/pre-merge.sh writes to exit-status beside the summary):
#     0 success; 1 (regression) and 3 (visibility or integrity failure)
#     failure; 2 (no verdict) error, as is an empty or other status (ab
#     did not finish).  GitLab has no error state: that is `failed` there,
#     with the description telling them apart.
#
# The platform is GitHub when GITHUB_ACTIONS=true, GitLab when GITLAB_CI=true,
# or RINGBENCH_POST_PLATFORM (github or gitlab).
#   GitHub: GITHUB_TOKEN (pull-requests: write, statuses: write),
#     GITHUB_REPOSITORY, RINGBENCH_PR_NUMBER and RINGBENCH_HEAD_SHA (else
#     read from the pull_request event in GITHUB_EVENT_PATH), GITHUB_API_URL
#     (default https://api.github.com), GITHUB_SERVER_URL and GITHUB_RUN_ID
#     for the run's link.  RINGBENCH_POST_AUTHOR is the login our comments
#     are written by (default github-actions[bot], GITHUB_TOKEN's).
#   GitLab: RINGBENCH_GITLAB_TOKEN, a project access token with the api
#     scope (CI_JOB_TOKEN cannot write notes), CI_API_V4_URL, CI_PROJECT_ID,
#     CI_MERGE_REQUEST_IID, CI_COMMIT_SHA; CI_JOB_URL for the link and
#     CI_PIPELINE_ID to put the status in this pipeline.
#     RINGBENCH_GITLAB_STATUS=0 posts the note without the status.
#   RINGBENCH_POST=0 posts nothing.
#
# Exits 0 when posted, 2 when a variable it needs is missing (one line
# naming it and what to set), the API answers with an error (its code and
# message), or with an answer of no use: not JSON, an object for a list, an
# id that is no number (the request, its code and what the answer holds;
# an id goes into a URL only when it is digits).  The recipes run it after ab whatever ab's result, and keep
# ab's exit status as the job's: a post that fails never changes a verdict.
#
# JSON is read and written with python3, not jq: python3 is one of
# ringbench's required packages (scripts/setup.sh), so every runner that
# ran ci/pre-merge.sh has it, while jq is on GitHub's hosted images but not
# on a bare Debian runner.  HTTP goes through curl, which honours the
# runner's proxy settings.
# shellcheck disable=SC2016 # the hints quote ${{ }} and $VARS for people to copy, and the Python is no shell: nothing single-quoted here is meant to expand
set -euo pipefail

me=ci/post-verdict.sh
marker='<!-- ringbench-verdict -->'

die() {
	echo "$me: $*" >&2
	exit 2
}

[ $# = 2 ] || die "usage: ci/post-verdict.sh SUMMARY.md EXIT_STATUS"
summary=$1 status=$2

if [ "${RINGBENCH_POST:-1}" = 0 ]; then
	echo "$me: RINGBENCH_POST=0: nothing posted"
	exit 0
fi

# need VAR HINT: VAR must be set and not empty; HINT says what to set.
need() {
	[ -n "${!1:-}" ] || die "$1 is not set: $2"
}

platform=${RINGBENCH_POST_PLATFORM:-}
if [ -z "$platform" ]; then
	if [ "${GITHUB_ACTIONS:-}" = true ]; then
		platform=github
	elif [ "${GITLAB_CI:-}" = true ]; then
		platform=gitlab
	else
		die "neither GitHub Actions nor GitLab CI: set RINGBENCH_POST_PLATFORM=github or gitlab, or RINGBENCH_POST=0"
	fi
fi
command -v python3 >/dev/null || die "python3 is not installed: install it (apt-get install python3), or set RINGBENCH_POST=0"
command -v curl >/dev/null || die "curl is not installed: install it (apt-get install curl), or set RINGBENCH_POST=0"

# One Python program for every piece of JSON, called as `py COMMAND ARGS`.
pyprog='
import json, re, sys


class Bad(Exception):
    "an answer the script cannot use; the message says what it holds"


def utf16(s):
    # GitHub counts a body in UTF-16 units; counting them never undercounts
    return len(s.encode("utf-16-le")) // 2


def excerpt(text):
    return " ".join(text.split())[:200] or "(nothing)"


def load(path, kind):
    # the JSON in PATH, which must be a KIND (dict or list)
    text = open(path, encoding="utf-8", errors="replace").read()
    try:
        d = json.loads(text)
    except ValueError:
        raise Bad("the answer is not JSON: " + excerpt(text))
    if not isinstance(d, kind):
        raise Bad("the answer is not a JSON %s: %s" % ("list" if kind is list else "object", excerpt(text)))
    return d


def number(v, what):
    # An id goes into a URL: only digits, so that no answer can make it
    # name another resource ("../../user").
    if isinstance(v, bool) or not isinstance(v, (int, str)) or not re.fullmatch("[0-9]{1,20}", str(v)):
        raise Bad("%s is %s, not a number" % (what, excerpt(json.dumps(v))))
    return str(v)


FENCE = re.compile("\\s{0,3}(`{3,}|~{3,})")
DETAILS = re.compile("<(/?)details\\b[^>]*>", re.I)
CODE_SPAN = re.compile("`[^`]*`")


def blocks(lines):
    # the code fence and the number of <details> left open after each line
    fence, depth, states = "", 0, []
    for line in lines:
        if fence:
            if line.lstrip().startswith(fence):
                fence = ""
        elif FENCE.match(line):
            fence = FENCE.match(line).group(1)
        else:
            for m in DETAILS.finditer(CODE_SPAN.sub("", line)):
                depth = depth - 1 if m.group(1) else depth + 1
                depth = max(depth, 0)
        states.append((fence, depth))
    return states


def closing(state):
    # Closes what the text leaves open, so that what follows is outside:
    # the code block first (a </details> in it is text), then each
    # <details>, after a blank line that ends a table.
    fence, depth = state
    return (fence + "\n" if fence else "") + "\n</details>\n" * depth


def body(path, limit, mark, footer, cutnote):
    # the comment: the summary, cut to fit LIMIT with CUTNOTE after it,
    # every block it opens closed, then FOOTER
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        text = "*ringbench ab left no summary (`%s` is missing): the run'"'"'s log says why.*\n" % path
    text = text.rstrip("\n") + "\n"
    head, tail = mark + "\n", "\n" + footer + "\n"
    lines = text.split("\n")[:-1]
    states = blocks(lines)
    whole = text + closing(states[-1] if states else ("", 0))
    if utf16(head + whole + tail) <= limit:
        return head + whole + tail
    room = limit - utf16(head + tail) - utf16(cutnote) - 200
    best, used = (0, 0, ("", 0)), 0
    for k, line in enumerate(lines):
        used += utf16(line) + 1
        if used > room:
            break
        if used + utf16(closing(states[k])) <= room:
            best = (k + 1, used, states[k])
    n, used, state = best
    note = cutnote.replace("SHOWN", str(used)).replace("TOTAL", str(utf16(text)))
    return head + "".join(l + "\n" for l in lines[:n]) + closing(state) + "\n" + note + "\n" + tail


def run(cmd, args):
    if cmd == "message":
        # the API error message of an answer, on one line
        text = open(args[0], encoding="utf-8", errors="replace").read()
        try:
            d = json.loads(text)
        except ValueError:
            d = None
        words = []
        if isinstance(d, dict):
            for key in ("message", "error", "error_description"):
                if d.get(key):
                    words.append(d[key] if isinstance(d[key], str) else json.dumps(d[key]))
            errors = d.get("errors") or []
            for e in errors if isinstance(errors, list) else [errors]:
                words.append(e.get("message") or e.get("code") or json.dumps(e) if isinstance(e, dict) else str(e))
        msg = ": ".join(words) if words else text.strip()
        print(" ".join(msg.split())[:400] or "(no message)")
    elif cmd == "event":
        # the pull request number and head commit of a pull_request event
        pr = load(args[0], dict).get("pull_request") or {}
        print(pr.get("number", ""), (pr.get("head") or {}).get("sha", ""))
    elif cmd == "id":
        # the id of the object in an answer
        print(number(load(args[0], dict).get("id"), "the id in the answer"))
    elif cmd == "find":
        # PAGE AUTHOR_KEY AUTHOR MARKER: the id of the first item of a page
        # of comments or notes that carries MARKER and was written by
        # AUTHOR, or -, and how many items the page holds
        items = load(args[0], list)
        key, author, mark = args[1], args[2], args[3]
        found = "-"
        for k, it in enumerate(items):
            if not isinstance(it, dict):
                raise Bad("item %d of the answer is not a JSON object: %s" % (k, excerpt(json.dumps(it))))
            who = it.get("user") or it.get("author")
            who = who.get(key) if isinstance(who, dict) else None
            text = it.get("body")
            if it.get("system") or str(who) != author or not isinstance(text, str):
                continue
            if mark in text:
                found = number(it.get("id"), "the id of the comment with the marker")
                break
        print(found, len(items))
    elif cmd == "body":
        # SUMMARY LIMIT MARKER FOOTER CUTNOTE OUT: the comment, at most LIMIT
        # long, as {"body": ...}
        path, limit, mark, footer, cutnote, out = args
        json.dump({"body": body(path, int(limit), mark, footer, cutnote)}, open(out, "w"))
    elif cmd == "object":
        # OUT KEY=VALUE...: a JSON object of strings, the empty ones left out
        d = {}
        for a in args[1:]:
            k, _, v = a.partition("=")
            if v:
                d[k] = v
        json.dump(d, open(args[0], "w"))


# A failure is one line on stdout and exit 1, never a traceback: the caller
# says it with the request that got the answer.
try:
    run(sys.argv[1], sys.argv[2:])
except Bad as e:
    print(e)
    sys.exit(1)
except Exception as e:
    print(excerpt("%s: %s" % (type(e).__name__, e)))
    sys.exit(1)
'
py() {
	python3 -c "$pyprog" "$@"
}

case $status in
0) state=success words="pass" ;;
1) state=failure words="performance regression (exit 1)" ;;
3) state=failure words="visibility or integrity failure (exit 3)" ;;
2) state=error words="no verdict: usage or environment error (exit 2)" ;;
'') state=error words="no exit status recorded: ab did not finish" ;;
*) state=error words="ringbench ab exited $status" ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
umask 077

case $platform in
github)
	need GITHUB_TOKEN 'give the step env GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }} and the job permissions pull-requests: write and statuses: write (or set RINGBENCH_POST=0)'
	need GITHUB_REPOSITORY 'set it to OWNER/REPO (GitHub Actions sets it)'
	pr=${RINGBENCH_PR_NUMBER:-} sha=${RINGBENCH_HEAD_SHA:-}
	if { [ -z "$pr" ] || [ -z "$sha" ]; } && [ -f "${GITHUB_EVENT_PATH:-}" ]; then
		event=$(py event "$GITHUB_EVENT_PATH") || event=
		read -r event_pr event_sha <<<"$event" || true
		pr=${pr:-${event_pr:-}} sha=${sha:-${event_sha:-}}
	fi
	[ -n "$pr" ] || die 'RINGBENCH_PR_NUMBER is not set: set it to ${{ github.event.pull_request.number }}, or run on a pull_request event'
	[ -n "$sha" ] || die 'RINGBENCH_HEAD_SHA is not set: set it to ${{ github.event.pull_request.head.sha }}, or run on a pull_request event'
	api_url=${GITHUB_API_URL:-https://api.github.com}
	repo=$GITHUB_REPOSITORY
	token=$GITHUB_TOKEN
	run_url=
	[ -z "${GITHUB_RUN_ID:-}" ] || run_url=${GITHUB_SERVER_URL:-https://github.com}/$repo/actions/runs/$GITHUB_RUN_ID
	where="$repo#$pr" thing=comment
	list_url=$api_url/repos/$repo/issues/$pr/comments
	limit=65536
	;;
gitlab)
	need RINGBENCH_GITLAB_TOKEN 'add a project access token (api scope, Developer role) as a masked CI/CD variable of that name: CI_JOB_TOKEN cannot write notes (or set RINGBENCH_POST=0)'
	need CI_API_V4_URL 'GitLab CI sets it (e.g. https://gitlab.com/api/v4)'
	need CI_PROJECT_ID 'GitLab CI sets it'
	need CI_MERGE_REQUEST_IID 'run the job in a merge request pipeline (rules: if $CI_PIPELINE_SOURCE == "merge_request_event")'
	need CI_COMMIT_SHA 'GitLab CI sets it'
	pr=$CI_MERGE_REQUEST_IID sha=$CI_COMMIT_SHA
	api_url=$CI_API_V4_URL
	token=$RINGBENCH_GITLAB_TOKEN
	run_url=${CI_JOB_URL:-${CI_PIPELINE_URL:-}}
	where="project $CI_PROJECT_ID !$pr" thing=note
	list_url=$api_url/projects/$CI_PROJECT_ID/merge_requests/$pr/notes
	limit=1000000
	;;
*) die "RINGBENCH_POST_PLATFORM=$platform: say github or gitlab" ;;
esac
# Both go into URLs: nothing in them may name another resource.
case $pr in
*[!0-9]*) die "the pull or merge request number is '$pr': a number is needed" ;;
esac
case $sha in
*[!0-9a-fA-F]*) die "the commit is '$sha': a commit id in hex is needed" ;;
esac

# The token reaches curl in a file, not on its command line, where every
# user of the machine can read it.
if [ "$platform" = github ]; then
	printf '%s\n' "Authorization: Bearer $token" "Accept: application/vnd.github+json" \
		"X-GitHub-Api-Version: 2022-11-28" >"$tmp/headers"
else
	printf '%s\n' "PRIVATE-TOKEN: $token" >"$tmp/headers"
fi

# request METHOD URL [JSON_FILE]: sets code to the HTTP status (000: no
# answer) and leaves the answer in $tmp/answer.  Only reads are retried: a
# write retried after a lost answer could post twice.
request() {
	local args=(-sS -X "$1" -H @"$tmp/headers" -o "$tmp/answer" -w '%{http_code}' --max-time 60)
	[ "$1" != GET ] || args+=(--retry 3)
	[ -z "${3:-}" ] || args+=(-H 'Content-Type: application/json' --data-binary @"$3")
	: >"$tmp/answer"
	code=$(curl "${args[@]}" "$2") || code=000
}

# answered METHOD URL: 0 for an answer in 2xx; else says the request's
# code and the API's message, and returns 1.
answered() {
	case $code in
	2??) return 0 ;;
	000) echo "$me: $1 $2: no answer from the API" >&2 ;;
	*) echo "$me: $1 $2: HTTP $code: $(py message "$tmp/answer")" >&2 ;;
	esac
	return 1
}

# api METHOD URL [JSON_FILE]: request, then answered.
api() {
	request "$@"
	answered "$1" "$2"
}

# read_answer VAR METHOD URL COMMAND ARGS...: sets VAR to what `py COMMAND
# ARGS` reads from the answer to METHOD URL.  An answer in 2xx may still be
# no use (a proxy's HTML page, an object for a list, an id that is no
# number): then says the request, its code and what the answer holds, and
# returns 1.
read_answer() {
	local var=$1 method=$2 url=$3 out
	shift 3
	if ! out=$(py "$@"); then
		echo "$me: $method $url: HTTP $code, but $out" >&2
		return 1
	fi
	printf -v "$var" '%s' "$out"
}

# find_ours: sets ours to the id of our comment or note with the marker, or
# to nothing; every page is read, 100 items a page.
find_ours() {
	local page=1 url got found n
	ours=
	while [ $page -le 1000 ]; do
		url="$list_url?per_page=100&page=$page"
		api GET "$url" || return 1
		read_answer got GET "$url" find "$tmp/answer" "$author_key" "$author" "$marker" || return 1
		read -r found n <<<"$got"
		if [ "$found" != - ]; then
			ours=$found
			return 0
		fi
		[ "$n" -ge 100 ] || return 0
		page=$((page + 1))
	done
}

post_comment() {
	local footer cutnote id out
	footer="ringbench ab on commit \`$sha\`: **$words**."
	[ -z "$run_url" ] || footer+=" [The run]($run_url)."
	cutnote="*The summary is cut here (SHOWN of TOTAL characters): the whole of it is \`$(basename "$summary")\` in the run's artifacts"
	if [ -n "$run_url" ]; then cutnote+=" ($run_url).*"; else cutnote+=".*"; fi
	if ! out=$(py body "$summary" "$limit" "$marker" "$footer" "$cutnote" "$tmp/body.json"); then
		echo "$me: the $thing cannot be written: $out" >&2
		return 1
	fi
	find_ours || return 1
	if [ -n "$ours" ]; then
		if [ "$platform" = github ]; then
			api PATCH "$api_url/repos/$repo/issues/comments/$ours" "$tmp/body.json" || return 1
		else
			api PUT "$list_url/$ours" "$tmp/body.json" || return 1
		fi
		echo "$me: the verdict $thing $ours on $where is updated"
	else
		api POST "$list_url" "$tmp/body.json" || return 1
		# Posted whatever the answer holds: its id is only said.
		id=$(py id "$tmp/answer") || id=
		echo "$me: the verdict $thing ${id:+$id }on $where is created"
	fi
}

post_status() {
	local description="ringbench ab: $words"
	if [ "$platform" = github ]; then
		py object "$tmp/status.json" state="$state" context=ringbench/pre-merge \
			description="${description:0:140}" target_url="$run_url" || return 1
		api POST "$api_url/repos/$repo/statuses/$sha" "$tmp/status.json" || return 1
		echo "$me: status $state on $sha"
	else
		local gl_state=$state
		[ "$state" != failure ] && [ "$state" != error ] || gl_state=failed
		py object "$tmp/status.json" state="$gl_state" name=ringbench/pre-merge \
			description="${description:0:255}" target_url="$run_url" \
			pipeline_id="${CI_PIPELINE_ID:-}" || return 1
		local url=$api_url/projects/$CI_PROJECT_ID/statuses/$sha
		request POST "$url" "$tmp/status.json"
		# GitLab refuses to set a status to the state it already has (a job
		# run again): the status stands as wanted.
		if [ "$code" = 400 ] && grep -q "Cannot transition status" "$tmp/answer"; then
			echo "$me: status $gl_state on $sha was already set"
			return 0
		fi
		answered POST "$url" || return 1
		echo "$me: status $gl_state on $sha"
	fi
}

if [ "$platform" = github ]; then
	author_key=login author=${RINGBENCH_POST_AUTHOR:-github-actions[bot]}
else
	# Our notes are those of the token's user (a project access token is a
	# bot user of its own).
	api GET "$api_url/user" || exit 2
	author_key=id
	read_answer author GET "$api_url/user" id "$tmp/answer" || exit 2
fi

# Both are tried: a status still helps when the comment cannot be written.
failed=0
post_comment || failed=1
if [ "$platform" = github ] || [ "${RINGBENCH_GITLAB_STATUS:-1}" != 0 ]; then
	post_status || failed=1
fi
exit $((failed * 2))
