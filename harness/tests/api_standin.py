#!/usr/bin/env python3
"""api_standin.py PORT_FILE LOG [options]: a stand-in for the parts of the
GitHub and GitLab REST APIs that ci/post-verdict.sh calls, for
post_verdict.sh to test it without a network.

It listens on 127.0.0.1, on a port the kernel picks, writes that port to
PORT_FILE once it accepts connections, and appends every request to LOG as
one JSON line: method, path, query, the headers that matter (the
credentials, Accept, Content-Type), the body (parsed when it is JSON) and
the status it answered.  It answers as the real APIs do, as far as the
script can tell:

  GitHub  GET    /repos/O/R/issues/N/comments      the issue's comments, by page
          POST   /repos/O/R/issues/N/comments      201, the comment with its id
          PATCH  /repos/O/R/issues/comments/ID     200, or 404 for no such comment
          POST   /repos/O/R/statuses/SHA           201
  GitLab  GET    /api/v4/user                      the token's user
          GET    /api/v4/projects/P/merge_requests/I/notes        by page
          POST   /api/v4/projects/P/merge_requests/I/notes        201
          PUT    /api/v4/projects/P/merge_requests/I/notes/ID     200, or 404
          POST   /api/v4/projects/P/statuses/SHA   201; 400 when the status
                 already has that state, as GitLab refuses that transition

A request without the right token is answered 401, a body over the
platform's limit 422 (GitHub) or 400 (GitLab).  Options:
  --token T       the token to expect (default test-token)
  --fail CODE     answer every request with CODE and the API's error body
  --others N      every issue and merge request starts with N comments by
                  someone else, one of them carrying --marker (whoever
                  quotes our comment copies it): found, it must be left
                  alone, and with N over 100 ours lands on a later page
  --marker TEXT   the marker that foreign comment carries
  --answer MODE   answers 200 with what the script cannot use:
                    user-html    GitLab's /user is an HTML page (a proxy's)
                    user-noid    GitLab's /user has no id
                    list-object  a list of comments or notes is an object
                    bad-id       every issue and merge request also holds
                                 one of ours, with the marker, whose id is
                                 "../../../../user"
  --lifetime S    exit after S seconds (default 120), or when the process
                  that started it is gone, so that no test leaves it behind
"""
import argparse, json, os, re, sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import urlsplit, parse_qs

GITHUB_LIMIT = 65536  # characters in a comment's body
GITLAB_LIMIT = 1000000  # characters in a note
BOT_LOGIN = "github-actions[bot]"  # who GITHUB_TOKEN writes as
GITLAB_BOT = {"id": 4242, "username": "project_12_bot_0f1e"}
FOREIGN_LOGIN, FOREIGN_ID = "octocat", 7


def utf16(s):
    return len(s.encode("utf-16-le")) // 2


class State:
    def __init__(self, opts):
        self.opts = opts
        self.threads = {}  # (platform, key) -> list of comments or notes
        self.next_id = 1000
        self.statuses = {}  # (platform, project, sha) -> state

    def new_id(self):
        self.next_id += 1
        return self.next_id

    def thread(self, platform, key):
        t = self.threads.get((platform, key))
        if t is None:
            t = []
            for k in range(self.opts.others):
                body = "a review comment %d" % k
                if k == self.opts.others // 2:
                    body = "> quoting the bot\n> " + self.opts.marker + "\nI disagree."
                t.append(self.item(platform, body, foreign=True))
            if self.opts.answer == "bad-id":
                t.append(dict(self.item(platform, self.opts.marker + "\nan old verdict"),
                              id="../../../../user"))
            self.threads[(platform, key)] = t
        return t

    def item(self, platform, body, foreign=False):
        if platform == "github":
            who = {"login": FOREIGN_LOGIN if foreign else BOT_LOGIN,
                   "type": "User" if foreign else "Bot"}
            return {"id": self.new_id(), "body": body, "user": who}
        who = {"id": FOREIGN_ID, "username": "alice"} if foreign else dict(GITLAB_BOT)
        return {"id": self.new_id(), "body": body, "author": who, "system": False}


class Handler(BaseHTTPRequestHandler):
    server_version = "api-standin/1"

    def log_message(self, fmt, *args):
        pass  # every request goes to the log file instead

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def handle_any(self, method):
        st = self.server.state
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        platform = "gitlab" if url.path.startswith("/api/v4/") else "github"
        code, answer, extra = self.route(st, platform, method, url.path, query, body)
        record = {
            "method": method, "path": url.path, "query": query,
            "headers": {h.lower(): self.headers[h] for h in
                        ("Authorization", "PRIVATE-TOKEN", "Accept", "Content-Type")
                        if self.headers.get(h) is not None},
            "body": body, "status": code,
            "id": answer.get("id") if isinstance(answer, dict) else None,
        }
        with open(st.opts.log, "a") as f:
            f.write(json.dumps(record) + "\n")
        raw = isinstance(answer, bytes)
        data = answer if raw else json.dumps(answer).encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/html" if raw else "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def route(self, st, platform, method, path, query, body):
        o = st.opts
        if o.fail:
            if platform == "github":
                return o.fail, {"message": "Resource not accessible by integration",
                                "documentation_url": "https://docs.github.com/rest"}, {}
            return o.fail, {"message": "%d Forbidden" % o.fail}, {}
        if platform == "github":
            if self.headers.get("Authorization") not in ("Bearer " + o.token, "token " + o.token):
                return 401, {"message": "Bad credentials"}, {}
            return self.github(st, method, path, query, body)
        if self.headers.get("PRIVATE-TOKEN") != o.token:
            return 401, {"message": "401 Unauthorized"}, {}
        return self.gitlab(st, method, path, query, body)

    def page(self, items, query, default, next_header):
        per = min(int(query.get("per_page", default)), 100)
        page = max(int(query.get("page", 1)), 1)
        part = items[(page - 1) * per:page * per]
        extra = {}
        if page * per < len(items):
            extra = next_header(page + 1, per)
        return 200, part, extra

    def github(self, st, method, path, query, body):
        m = re.fullmatch(r"/repos/([^/]+/[^/]+)/issues/(\d+)/comments", path)
        if m:
            thread = st.thread("github", m.group(0))
            if method == "GET":
                if st.opts.answer == "list-object":
                    return 200, {"message": "OK"}, {}
                base = "http://%s:%d%s" % (*self.server.server_address, path)
                return self.page(thread, query, 30, lambda p, n: {
                    "Link": '<%s?per_page=%d&page=%d>; rel="next"' % (base, n, p)})
            if method == "POST":
                bad = self.github_body(body)
                if bad:
                    return bad
                c = st.item("github", body["body"])
                thread.append(c)
                return 201, c, {}
        m = re.fullmatch(r"/repos/([^/]+/[^/]+)/issues/comments/(\d+)", path)
        if m and method == "PATCH":
            for (platform, key), thread in st.threads.items():
                if platform != "github" or not key.startswith("/repos/%s/" % m.group(1)):
                    continue
                for c in thread:
                    if c["id"] == int(m.group(2)):
                        if c["user"]["login"] != BOT_LOGIN:
                            return 403, {"message": "Resource not accessible by integration"}, {}
                        bad = self.github_body(body)
                        if bad:
                            return bad
                        c["body"] = body["body"]
                        return 200, c, {}
            return 404, {"message": "Not Found"}, {}
        m = re.fullmatch(r"/repos/([^/]+/[^/]+)/statuses/([0-9a-f]{40})", path)
        if m and method == "POST":
            if not isinstance(body, dict) or body.get("state") not in ("error", "failure", "pending", "success"):
                return 422, {"message": "Validation Failed",
                             "errors": [{"field": "state", "code": "invalid"}]}, {}
            if len(body.get("description", "")) > 140:
                return 422, {"message": "Validation Failed",
                             "errors": [{"field": "description", "code": "too_long"}]}, {}
            st.statuses[("github", m.group(1), m.group(2))] = body["state"]
            return 201, dict(body, id=st.new_id()), {}
        return 404, {"message": "Not Found"}, {}

    def github_body(self, body):
        if not isinstance(body, dict) or not isinstance(body.get("body"), str):
            return 422, {"message": "Invalid request.", "errors": ["body is missing"]}, {}
        if utf16(body["body"]) > GITHUB_LIMIT:
            return 422, {"message": "Validation Failed", "errors": [
                {"resource": "IssueComment", "code": "custom", "field": "body",
                 "message": "body is too long (maximum is %d characters)" % GITHUB_LIMIT}]}, {}
        return None

    def gitlab(self, st, method, path, query, body):
        if path == "/api/v4/user" and method == "GET":
            if st.opts.answer == "user-html":
                return 200, b"<html><body>maintenance</body></html>", {}
            if st.opts.answer == "user-noid":
                return 200, {"username": GITLAB_BOT["username"], "bot": True}, {}
            return 200, dict(GITLAB_BOT, bot=True), {}
        m = re.fullmatch(r"/api/v4/projects/(\d+)/merge_requests/(\d+)/notes(?:/(\d+))?", path)
        if m:
            thread = st.thread("gitlab", "%s!%s" % m.group(1, 2))
            if method == "GET" and not m.group(3):
                if st.opts.answer == "list-object":
                    return 200, {"message": "200 OK"}, {}
                return self.page(thread, query, 20, lambda p, n: {"X-Next-Page": str(p)})
            if method in ("POST", "PUT"):
                if not isinstance(body, dict) or not isinstance(body.get("body"), str):
                    return 400, {"error": "body is missing"}, {}
                if len(body["body"]) > GITLAB_LIMIT:
                    return 400, {"message": {"note": ["is too long (maximum is %d characters)" % GITLAB_LIMIT]}}, {}
            if method == "POST" and not m.group(3):
                n = st.item("gitlab", body["body"])
                thread.append(n)
                return 201, n, {}
            if method == "PUT" and m.group(3):
                for n in thread:
                    if n["id"] == int(m.group(3)):
                        if n["author"]["id"] != GITLAB_BOT["id"]:
                            return 403, {"message": "403 Forbidden"}, {}
                        n["body"] = body["body"]
                        return 200, n, {}
                return 404, {"message": "404 Note Not Found"}, {}
        m = re.fullmatch(r"/api/v4/projects/(\d+)/statuses/([0-9a-f]{40})", path)
        if m and method == "POST":
            state = (body or {}).get("state")
            if state not in ("pending", "running", "success", "failed", "canceled", "skipped"):
                return 400, {"error": "state does not have a valid value"}, {}
            key = ("gitlab", m.group(1), m.group(2))
            if st.statuses.get(key) == state:
                return 400, {"message": "Cannot transition status via :%s from :%s" % (
                    {"success": "success", "failed": "drop"}.get(state, state), state)}, {}
            st.statuses[key] = state
            return 201, dict(body, id=st.new_id(), status=state), {}
        return 404, {"message": "404 Not Found"}, {}


def main():
    ap = argparse.ArgumentParser(description="a stand-in for the GitHub and GitLab APIs")
    ap.add_argument("port_file")
    ap.add_argument("log")
    ap.add_argument("--token", default="test-token")
    ap.add_argument("--fail", type=int, default=0)
    ap.add_argument("--others", type=int, default=0)
    ap.add_argument("--marker", default="<!-- ringbench-verdict -->")
    ap.add_argument("--answer", choices=("user-html", "user-noid", "list-object", "bad-id"))
    ap.add_argument("--lifetime", type=float, default=120)
    opts = ap.parse_args()
    server = HTTPServer(("127.0.0.1", 0), Handler)
    server.state = State(opts)
    server.timeout = 0.5
    tmp = opts.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, opts.port_file)  # whole or absent: the reader never sees half a port
    parent, deadline = os.getppid(), time.monotonic() + opts.lifetime
    while time.monotonic() < deadline and os.getppid() == parent:
        server.handle_request()
    server.server_close()


if __name__ == "__main__":
    sys.exit(main())
