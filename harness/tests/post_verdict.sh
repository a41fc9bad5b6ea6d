#!/usr/bin/env bash
# post_verdict.sh SOURCE_DIR: ci/post-verdict.sh against a stand-in for the
# GitHub and GitLab APIs (api_standin.py, on 127.0.0.1), which records every
# request it gets.
#   - GitHub, first push: the pull request's comments read page by page
#     (150 by someone else, one of them quoting the marker), exactly one
#     comment created with the marker, the summary, the commit and the
#     run's link, and a status `failure` for exit 1 on the head commit;
#   - GitHub, later pushes: that comment found again and updated (PATCH on
#     its id), no second one created, the foreign one with the marker left
#     alone, and the status set again: success for 0, failure for 3, error
#     for 2 and for no exit status; the pull request and commit read from
#     the event file when the variables are not given;
#   - GitLab the same way: a note created, then updated with PUT, statuses
#     `failed` then `success` in the job's pipeline, and a job run again
#     (GitLab refuses the same state twice) still succeeds;
#   - a missing token or pull request number: exit 2, one line naming the
#     variable and what to set, and no request sent; RINGBENCH_POST=0:
#     nothing sent, exit 0;
#   - the API answering 403: exit 2, the code and the API's message said;
#   - the API answering 200 with what the script cannot use (GitLab's
#     /user an HTML page or without an id, a list of comments that is an
#     object, our comment with the id "../../../../user"): exit 2, one
#     line with the request, the code and what the answer holds, no
#     traceback, and no comment written (the id never goes into a URL);
#   - a summary over GitHub's 65536 characters: cut, with a note saying so
#     and where the whole of it is, an open code block closed, an open
#     <details> block closed with the note and the verdict after it, the
#     body within the limit (the stand-in refuses one over it, as GitHub
#     does); a summary that leaves a <details> open is closed before the
#     verdict; no summary at all: the comment says so.
# Each run of the script gets only the environment given here (env -i), so
# a real CI's variables never reach it and nothing talks to a real API.
# Skipped (exit 77) without python3 or curl.  The stand-ins are killed on
# exit and every file is in a temporary folder, removed on exit.
set -u
src=$1
me=post_verdict.sh
for prog in python3 curl; do
	command -v $prog >/dev/null ||
		{ echo "$me: skipped, $prog is not installed (ci/post-verdict.sh needs it)"; exit 77; }
done
tmp=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
	echo "$me: $*" >&2
	exit 1
}

# The script runs with PATH and a HOME of its own (no ~/.curlrc, no proxy
# variables): python3 is linked in by its real path, since a version
# manager's shim may need the HOME and variables left out.
mkdir -p "$tmp/bin" "$tmp/home" "$tmp/scratch"
ln -s "$(python3 -c 'import sys; print(sys.executable)')" "$tmp/bin/python3"
py=$tmp/bin/python3
"$py" -c 'import json, http.server' || fail "python3 cannot run from $tmp/bin"

# standin NAME ARGS...: starts a stand-in logging to $tmp/NAME.log; sets port.
standin() {
	local name=$1
	shift
	"$py" "$src/harness/tests/api_standin.py" "$tmp/$name.port" "$tmp/$name.log" "$@" &
	pids+=($!)
	for _ in $(seq 100); do
		[ -s "$tmp/$name.port" ] && break
		sleep 0.1
	done
	[ -s "$tmp/$name.port" ] || fail "the stand-in $name did not start"
	port=$(cat "$tmp/$name.port")
	: >>"$tmp/$name.log"
}

# post NAME VAR=VALUE... -- SUMMARY STATUS: ci/post-verdict.sh with only
# that environment; rc is its exit status, $tmp/NAME.out and .err its output.
post() {
	local name=$1
	shift
	local vars=()
	while [ "$1" != -- ]; do
		vars+=("$1")
		shift
	done
	shift
	env -i PATH="$tmp/bin:$PATH" HOME="$tmp/home" TMPDIR="$tmp/scratch" "${vars[@]}" \
		"$src/ci/post-verdict.sh" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
	echo "ci/post-verdict.sh ($name): exit $rc"
	sed 's/^/  /' "$tmp/$name.out" "$tmp/$name.err"
	if grep -q test-token "$tmp/$name.out" "$tmp/$name.err"; then
		fail "$name: the token is in the script's output"
	fi
	[ -z "$(ls -A "$tmp/scratch")" ] || fail "$name: the script left $(ls "$tmp/scratch") behind"
}

# expect NAME RC: the run's exit status.
expect() {
	[ "$rc" = "$2" ] || fail "$1: exit $rc, expected $2"
}

# requests LOG: how many requests the stand-in has logged.
requests() {
	wc -l <"$1"
}

# check LOG FROM WHAT [ARGS...] <<'PY': runs the Python on stdin with reqs,
# the requests logged after the first FROM, and the helpers below.
check() {
	local log=$1 from=$2 what=$3
	shift 3
	"$py" -c "
import json, sys
log, start, args = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
reqs = [json.loads(l) for l in open(log).read().splitlines()[start:]]
def those(method, path):
    return [r for r in reqs if r['method'] == method and r['path'] == path]
def one(method, path):
    rs = those(method, path)
    assert len(rs) == 1, '%d %s %s, expected one: %s' % (len(rs), method, path,
        [(r['method'], r['path'], r['status']) for r in reqs])
    assert 200 <= rs[0]['status'] < 300, '%s %s answered %d' % (method, path, rs[0]['status'])
    return rs[0]
$(cat)" "$log" "$from" "$@" || fail "$what"
}

marker='<!-- ringbench-verdict -->'
sha1=1111111111111111111111111111111111111111
sha2=2222222222222222222222222222222222222222
printf '## ringbench ab: REGRESSION\n\n- **REGRESSION** <code>stream/wait:spin/size:64</code> first-push-summary\n' >"$tmp/summary1.md"
printf '## ringbench ab: pass\n\n- second-push-summary, every case within its threshold\n' >"$tmp/summary2.md"

standin api --others 150 --marker "$marker"
log=$tmp/api.log
gh=(GITHUB_ACTIONS=true GITHUB_TOKEN=test-token GITHUB_REPOSITORY=octo/ringbench
	"GITHUB_API_URL=http://127.0.0.1:$port" GITHUB_SERVER_URL=https://github.example GITHUB_RUN_ID=1001)
run_url=https://github.example/octo/ringbench/actions/runs/1001

# --- GitHub: the first push creates the comment and sets the status
from=$(requests "$log")
post gh1 "${gh[@]}" RINGBENCH_PR_NUMBER=7 RINGBENCH_HEAD_SHA=$sha1 -- "$tmp/summary1.md" 1
expect gh1 0
check "$log" "$from" "GitHub, first push" "$marker" "$sha1" "$run_url" <<'PY'
marker, sha, run = args
lst = '/repos/octo/ringbench/issues/7/comments'
pages = sorted(int(r['query'].get('page', 1)) for r in those('GET', lst))
assert pages == [1, 2], 'the comments read on pages %s, expected 1 and 2' % pages
c = one('POST', lst)
body = c['body']['body']
assert body.startswith(marker + '\n'), 'the comment does not start with the marker'
assert 'first-push-summary' in body, 'the summary is not in the comment'
assert sha in body and run in body, 'the comment names no commit or no run'
assert not [r for r in reqs if r['method'] == 'PATCH'], 'a comment was updated on the first push'
s = one('POST', '/repos/octo/ringbench/statuses/' + sha)['body']
assert s['state'] == 'failure', 'state %s for exit 1' % s['state']
assert s['context'] == 'ringbench/pre-merge' and s['target_url'] == run, s
assert 'regression' in s['description'], s['description']
for r in reqs:
    assert r['headers'].get('authorization') == 'Bearer test-token', r
    assert 'github' in r['headers'].get('accept', ''), r
PY
gh_id=$("$py" -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["method"] == "POST" and r["path"].endswith("/issues/7/comments"):
        print(r["id"])' "$log")
[ -n "$gh_id" ] || fail "no id for the GitHub comment"
grep -q "comment $gh_id on octo/ringbench#7 is created" "$tmp/gh1.out" || fail "gh1 does not say the comment is created"

# --- GitHub: the second push updates it; the pull request and the commit
# come from the event file
printf '{"pull_request": {"number": 7, "head": {"sha": "%s"}}}\n' $sha2 >"$tmp/event.json"
from=$(requests "$log")
post gh2 "${gh[@]}" GITHUB_EVENT_PATH="$tmp/event.json" -- "$tmp/summary2.md" 0
expect gh2 0
check "$log" "$from" "GitHub, second push" "$gh_id" "$sha2" <<'PY'
cid, sha = args
assert not those('POST', '/repos/octo/ringbench/issues/7/comments'), 'a second comment was created'
patches = [r for r in reqs if r['method'] == 'PATCH']
assert len(patches) == 1 and patches[0]['path'] == '/repos/octo/ringbench/issues/comments/' + cid, \
    'expected one PATCH of comment %s: %s' % (cid, [p['path'] for p in patches])
body = patches[0]['body']['body']
assert 'second-push-summary' in body and 'first-push-summary' not in body, 'the comment holds the wrong summary'
assert sha in body, 'the comment does not name the new commit'
s = one('POST', '/repos/octo/ringbench/statuses/' + sha)['body']
assert s['state'] == 'success', 'state %s for exit 0' % s['state']
PY

# --- GitHub: every other exit status, on the same comment
for case in "3 failure" "2 error" " error" "137 error"; do
	read -r code state <<<"$case"
	[ -n "$state" ] || { state=$code; code=; }
	from=$(requests "$log")
	post "gh-exit$code" "${gh[@]}" RINGBENCH_PR_NUMBER=7 RINGBENCH_HEAD_SHA=$sha2 -- "$tmp/summary2.md" "$code"
	expect "gh-exit$code" 0
	check "$log" "$from" "GitHub, exit '$code'" "$gh_id" "$sha2" "$state" <<'PY'
cid, sha, state = args
assert not those('POST', '/repos/octo/ringbench/issues/7/comments'), 'a second comment was created'
one('PATCH', '/repos/octo/ringbench/issues/comments/' + cid)
s = one('POST', '/repos/octo/ringbench/statuses/' + sha)['body']
assert s['state'] == state, 'state %s, expected %s' % (s['state'], state)
PY
done
"$py" - "$port" "$marker" <<'PY' || fail "the pull request's comments"
import json, sys, urllib.request
port, marker = sys.argv[1], sys.argv[2]
items = []
for page in (1, 2, 3):
    req = urllib.request.Request('http://127.0.0.1:%s/repos/octo/ringbench/issues/7/comments?per_page=100&page=%d' % (port, page),
                                 headers={'Authorization': 'Bearer test-token'})
    items += json.load(urllib.request.urlopen(req))
ours = [c for c in items if marker in c['body'] and c['user']['login'] == 'github-actions[bot]']
foreign = [c for c in items if marker in c['body'] and c['user']['login'] != 'github-actions[bot]']
assert len(items) == 151 and len(ours) == 1, '%d comments, %d of them ours' % (len(items), len(ours))
assert foreign and foreign[0]['body'].startswith('> quoting'), 'the foreign comment with the marker was changed'
PY

# --- GitLab: a note created, then updated; the statuses in the pipeline
gl=(GITLAB_CI=true RINGBENCH_GITLAB_TOKEN=test-token "CI_API_V4_URL=http://127.0.0.1:$port/api/v4"
	CI_PROJECT_ID=12 CI_MERGE_REQUEST_IID=3 CI_PIPELINE_ID=77 CI_JOB_URL=https://gitlab.example/octo/ringbench/-/jobs/55)
notes=/api/v4/projects/12/merge_requests/3/notes
from=$(requests "$log")
post gl1 "${gl[@]}" CI_COMMIT_SHA=$sha1 -- "$tmp/summary1.md" 1
expect gl1 0
check "$log" "$from" "GitLab, first push" "$marker" "$sha1" "$notes" <<'PY'
marker, sha, notes = args
one('GET', '/api/v4/user')
pages = sorted(int(r['query'].get('page', 1)) for r in those('GET', notes))
assert pages == [1, 2], 'the notes read on pages %s, expected 1 and 2' % pages
n = one('POST', notes)['body']['body']
assert n.startswith(marker + '\n') and 'first-push-summary' in n and sha in n, 'the note: ' + n
assert 'https://gitlab.example/octo/ringbench/-/jobs/55' in n, 'the note has no link to the job'
assert not [r for r in reqs if r['method'] == 'PUT'], 'a note was updated on the first push'
s = one('POST', '/api/v4/projects/12/statuses/' + sha)['body']
assert s['state'] == 'failed' and s['name'] == 'ringbench/pre-merge' and s['pipeline_id'] == '77', s
for r in reqs:
    assert r['headers'].get('private-token') == 'test-token', r
PY
gl_id=$(sed -n 's/.*note \([0-9]*\) on project 12 !3 is created.*/\1/p' "$tmp/gl1.out")
[ -n "$gl_id" ] || fail "gl1 does not say which note it created"
for run in gl2 gl2-again; do
	from=$(requests "$log")
	post $run "${gl[@]}" CI_COMMIT_SHA=$sha2 -- "$tmp/summary2.md" 0
	expect $run 0
	check "$log" "$from" "GitLab, $run" "$gl_id" "$sha2" "$notes" <<'PY'
nid, sha, notes = args
assert not those('POST', notes), 'a second note was created'
n = one('PUT', notes + '/' + nid)['body']['body']
assert 'second-push-summary' in n and 'first-push-summary' not in n and sha in n, 'the note: ' + n
st = those('POST', '/api/v4/projects/12/statuses/' + sha)
assert len(st) == 1 and st[0]['body']['state'] == 'success', st
PY
done
grep -q "status success on $sha2 was already set" "$tmp/gl2-again.out" ||
	fail "the job run again does not say the status was already set"

# --- missing variables: exit 2, one line naming the variable, nothing sent
from=$(requests "$log")
nogh=()
for v in "${gh[@]}"; do
	[ "${v%%=*}" = GITHUB_TOKEN ] || nogh+=("$v")
done
post gh-notoken "${nogh[@]}" RINGBENCH_PR_NUMBER=7 RINGBENCH_HEAD_SHA=$sha1 -- "$tmp/summary1.md" 1
expect gh-notoken 2
if [ "$(wc -l <"$tmp/gh-notoken.err")" != 1 ] ||
	! grep -q 'GITHUB_TOKEN is not set:.*secrets.GITHUB_TOKEN' "$tmp/gh-notoken.err"; then
	fail "no token: not one line saying to set GITHUB_TOKEN"
fi
post gh-nopr "${gh[@]}" RINGBENCH_HEAD_SHA=$sha1 -- "$tmp/summary1.md" 1
expect gh-nopr 2
grep -q 'RINGBENCH_PR_NUMBER is not set' "$tmp/gh-nopr.err" || fail "no pull request: RINGBENCH_PR_NUMBER is not named"
nogl=()
for v in "${gl[@]}"; do
	[ "${v%%=*}" = RINGBENCH_GITLAB_TOKEN ] || nogl+=("$v")
done
post gl-notoken "${nogl[@]}" CI_COMMIT_SHA=$sha1 -- "$tmp/summary1.md" 1
expect gl-notoken 2
if [ "$(wc -l <"$tmp/gl-notoken.err")" != 1 ] ||
	! grep -q 'RINGBENCH_GITLAB_TOKEN is not set:.*CI_JOB_TOKEN cannot write notes' "$tmp/gl-notoken.err"; then
	fail "no token: not one line saying to set RINGBENCH_GITLAB_TOKEN"
fi
post gh-off "${gh[@]}" RINGBENCH_POST=0 RINGBENCH_PR_NUMBER=7 RINGBENCH_HEAD_SHA=$sha1 -- "$tmp/summary1.md" 1
expect gh-off 0
[ "$(requests "$log")" = "$from" ] || fail "requests were sent without a token, a pull request, or with RINGBENCH_POST=0"

# --- summaries too long, or none at all
"$py" - "$tmp/long.md" <<'PY'
import sys
with open(sys.argv[1], 'w') as f:
    f.write('## ringbench ab: REGRESSION\n\n```\n')
    for k in range(3000):
        f.write('stream/wait:spin/size:%-6d  1.234 Gmsg/s  -12.5%%  ok\n' % k)
    f.write('```\n\nthe-last-line\n')
PY
from=$(requests "$log")
post gh-long "${gh[@]}" RINGBENCH_PR_NUMBER=8 RINGBENCH_HEAD_SHA=$sha1 -- "$tmp/long.md" 1
expect gh-long 0
check "$log" "$from" "GitHub, a summary over the limit" "$marker" "$sha1" "$run_url" <<'PY'
marker, sha, run = args
body = one('POST', '/repos/octo/ringbench/issues/8/comments')['body']['body']
assert len(body.encode('utf-16-le')) // 2 <= 65536, 'the body is %d long' % len(body)
assert body.startswith(marker + '\n') and 'stream/wait:spin/size:0 ' in body, 'the body does not start with the summary'
assert 'the-last-line' not in body, 'the summary was not cut'
assert 'The summary is cut here' in body and "the run's artifacts (" + run in body, 'no note says the summary is cut, and where it is whole'
assert sum(1 for l in body.split('\n') if l.startswith('```')) % 2 == 0, 'a code block is left open'
assert body.rstrip('\n').split('\n')[-1].startswith('ringbench ab on commit `' + sha), 'the last line names no commit'
PY
# The summary folds every figure in <details>: cut inside it, the block is
# closed, and the note and the verdict come after it, never folded away.
"$py" - "$tmp/folded.md" <<'PY'
import sys
with open(sys.argv[1], 'w') as f:
    f.write('### ringbench ab: pass\n\n<details><summary>every figure</summary>\n\n')
    f.write('| case | figure | A | B |\n|---|---|---:|---:|\n')
    for k in range(1500):
        f.write('| <code>stream/wait:spin/size:%d</code> | msgs/s | 30.1M | 30.2M |\n' % k)
    f.write('\n</details>\n\nthe-last-line\n')
PY
printf '### ringbench ab: pass\n\n<details><summary>every figure</summary>\n\n| a |\n|---|\n| 1 |\n' >"$tmp/unclosed.md"
from=$(requests "$log")
post gh-folded "${gh[@]}" RINGBENCH_PR_NUMBER=10 RINGBENCH_HEAD_SHA=$sha1 -- "$tmp/folded.md" 0
expect gh-folded 0
post gh-unclosed "${gh[@]}" RINGBENCH_PR_NUMBER=11 RINGBENCH_HEAD_SHA=$sha1 -- "$tmp/unclosed.md" 0
expect gh-unclosed 0
check "$log" "$from" "GitHub, a summary cut inside <details>" "$sha1" <<'PY'
for pr, cut in ((10, True), (11, False)):
    body = one('POST', '/repos/octo/ringbench/issues/%d/comments' % pr)['body']['body']
    assert len(body.encode('utf-16-le')) // 2 <= 65536, 'the body is %d long' % len(body)
    assert ('The summary is cut here' in body) == cut and 'the-last-line' not in body, 'cut or not: ' + body[-300:]
    assert body.count('<details>') == 1 and body.count('</details>') == 1, \
        '%d <details>, %d </details>' % (body.count('<details>'), body.count('</details>'))
    after = body[body.index('</details>'):]
    assert '\n\n</details>' in body, 'no blank line ends the table before </details>'
    assert 'ringbench ab on commit `%s`: **pass**' % args[0] in after, 'the verdict is inside <details>: ' + body[-300:]
    assert not cut or 'The summary is cut here' in after, 'the cut note is inside <details>'
PY
from=$(requests "$log")
post gh-nosummary "${gh[@]}" RINGBENCH_PR_NUMBER=9 RINGBENCH_HEAD_SHA=$sha1 -- "$tmp/missing.md" 2
expect gh-nosummary 0
check "$log" "$from" "GitHub, no summary" "$sha1" <<'PY'
body = one('POST', '/repos/octo/ringbench/issues/9/comments')['body']['body']
assert 'left no summary' in body, body
assert one('POST', '/repos/octo/ringbench/statuses/' + args[0])['body']['state'] == 'error'
PY

# --- the API refuses: exit 2, the code and the API's message said
standin refusing --fail 403
post gh-403 GITHUB_ACTIONS=true GITHUB_TOKEN=test-token GITHUB_REPOSITORY=octo/ringbench \
	"GITHUB_API_URL=http://127.0.0.1:$port" RINGBENCH_PR_NUMBER=7 RINGBENCH_HEAD_SHA=$sha1 -- "$tmp/summary1.md" 1
expect gh-403 2
grep -q 'HTTP 403: Resource not accessible by integration' "$tmp/gh-403.err" ||
	fail "GitHub's 403 is not said with its message"
post gl-403 GITLAB_CI=true RINGBENCH_GITLAB_TOKEN=test-token "CI_API_V4_URL=http://127.0.0.1:$port/api/v4" \
	CI_PROJECT_ID=12 CI_MERGE_REQUEST_IID=3 CI_COMMIT_SHA=$sha1 -- "$tmp/summary1.md" 1
expect gl-403 2
grep -q 'HTTP 403: 403 Forbidden' "$tmp/gl-403.err" || fail "GitLab's 403 is not said with its message"

# --- the API answers 200 with what the script cannot use: exit 2, one line
# with the request, the code and what the answer holds; nothing written
# where the comments could not be read, no id from an answer in a URL.
# useless NAME MODE PLATFORM WHAT: a run against a stand-in in MODE; WHAT
# is a regex for its line.
useless() {
	local name=$1 mode=$2 platform=$3 what=$4
	standin "$name" --answer "$mode"
	if [ "$platform" = github ]; then
		post "$name" GITHUB_ACTIONS=true GITHUB_TOKEN=test-token GITHUB_REPOSITORY=octo/ringbench \
			"GITHUB_API_URL=http://127.0.0.1:$port" RINGBENCH_PR_NUMBER=7 RINGBENCH_HEAD_SHA=$sha1 -- "$tmp/summary1.md" 1
	else
		post "$name" GITLAB_CI=true RINGBENCH_GITLAB_TOKEN=test-token "CI_API_V4_URL=http://127.0.0.1:$port/api/v4" \
			CI_PROJECT_ID=12 CI_MERGE_REQUEST_IID=3 CI_COMMIT_SHA=$sha1 -- "$tmp/summary1.md" 1
	fi
	expect "$name" 2
	if [ "$(wc -l <"$tmp/$name.err")" != 1 ] || ! grep -q "^ci/post-verdict.sh: GET http://127.0.0.1:$port/$what" "$tmp/$name.err"; then
		fail "$name: not one line with the request, the code and what the answer holds"
	fi
	check "$tmp/$name.log" 0 "$name: the requests" <<'PY'
writes = [(r['method'], r['path']) for r in reqs if r['method'] != 'GET' and '/statuses/' not in r['path']]
assert not writes, 'a comment was written: %s' % writes
stray = [r['path'] for r in reqs if r['path'].endswith('/user') and r['path'] != '/api/v4/user']
assert not stray, 'an id from the answer went into a URL: %s' % stray
PY
}
useless gl-user-html user-html gitlab 'api/v4/user: HTTP 200, but the answer is not JSON: <html><body>maintenance'
[ "$(requests "$tmp/gl-user-html.log")" = 1 ] || fail "gl-user-html: requests after /user failed"
useless gl-user-noid user-noid gitlab 'api/v4/user: HTTP 200, but the id in the answer is null, not a number'
useless gh-list-object list-object github 'repos/octo/ringbench/issues/7/comments?per_page=100&page=1: HTTP 200, but the answer is not a JSON list: {"message": "OK"}'
useless gl-list-object list-object gitlab 'api/v4/projects/12/merge_requests/3/notes?per_page=100&page=1: HTTP 200, but the answer is not a JSON list'
useless gh-bad-id bad-id github 'repos/octo/ringbench/issues/7/comments?per_page=100&page=1: HTTP 200, but the id of the comment with the marker is "\.\./\.\./\.\./\.\./user", not a number'
useless gl-bad-id bad-id gitlab 'api/v4/projects/12/merge_requests/3/notes?per_page=100&page=1: HTTP 200, but the id of the comment'
# A comment the script cannot read still leaves the status to be set.
check "$tmp/gh-list-object.log" 0 "gh-list-object: the status" "$sha1" <<'PY'
assert one('POST', '/repos/octo/ringbench/statuses/' + args[0])['body']['state'] == 'failure'
PY

echo "$me: ok"
