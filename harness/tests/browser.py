#!/usr/bin/env python3
"""browser.py PAGE.html... [--crawl] [--chromium PROG]

Open each page in headless Chromium, driven over the DevTools protocol on
--remote-debugging-pipe (nothing but python3's standard library), and check
what a reader would see:

- every chart loaded: each <img> complete with a decoded image
  (naturalWidth > 0), each <object>'s document there, each inline <svg>
  drawn with a size;
- no network request: every request the page makes is logged
  (Network.requestWillBeSent) and must be file: or data:; the browser runs
  with a proxy that goes nowhere and host names that resolve to nothing, so
  one that slips through fails too; and no src, href, data, poster, srcset
  or CSS url() in the page names an http(s) or protocol-relative URL;
- no console error, no uncaught exception, no failed load.

--crawl follows the links from each page to other .html files of the same
folder (the dashboard's case and machine pages), each once.

The browser's profile and its temporary files go into $TMPDIR (else /tmp),
and are removed at the end, also when it is stopped by SIGTERM, SIGHUP or
SIGINT (the browser is stopped first).

Exit 0 all good, 1 a problem (each printed on one line), 77 no Chromium,
2 the browser could not be driven, 128+N stopped by signal N.
"""
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

TIMEOUT = 30  # seconds for one page to load and be checked

# Run inside each page once it has loaded: what did not load, and every
# URL it names that would reach the network.
CHECK = r"""
(() => {
  const bad = [], urls = [], links = [];
  let charts = 0;
  for (const img of document.images) {
    charts++;
    const what = (img.getAttribute("src") || "").slice(0, 80);
    if (!img.complete || img.naturalWidth === 0)
      bad.push("image not loaded: " + what);
  }
  for (const o of document.querySelectorAll("object")) {
    charts++;
    if (!o.contentDocument) bad.push("object not loaded: " + o.getAttribute("data"));
  }
  for (const s of document.querySelectorAll("svg")) {
    if (s.parentElement && s.parentElement.closest("svg")) continue;
    charts++;
    const r = s.getBoundingClientRect();
    if (!(r.width > 0 && r.height > 0)) bad.push("inline svg not drawn");
  }
  for (const el of document.querySelectorAll("*")) {
    for (const a of ["src", "href", "data", "poster", "action", "formaction"]) {
      const v = el.getAttribute(a);
      if (v !== null) urls.push(v);
    }
    const ss = el.getAttribute("srcset");
    if (ss) for (const part of ss.split(",")) urls.push(part.trim().split(/\s+/)[0]);
    const st = el.getAttribute("style");
    if (st) for (const m of st.matchAll(/url\(\s*['"]?([^'")]+)/g)) urls.push(m[1]);
  }
  for (const sh of document.querySelectorAll("style"))
    for (const m of sh.textContent.matchAll(/url\(\s*['"]?([^'")]+)|@import\s+['"]([^'"]+)/g))
      urls.push(m[1] || m[2]);
  for (const a of document.querySelectorAll("a[href]")) links.push(a.href);
  const net = urls.filter(u => /^\s*(https?:|ftp:|ws:|wss:|\/\/)/i.test(u));
  return JSON.stringify({bad, net, links, charts});
})()
"""


def find_chromium(named):
    for p in [named, os.environ.get("CHROMIUM"), "chromium", "chromium-browser",
              "google-chrome"]:
        if p and shutil.which(p):
            return shutil.which(p)
    return None


def above(fd, low=10):
    """fd moved to a descriptor at or above low (not inherited)."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, low)
    os.close(fd)
    return high


class Browser:
    """One headless Chromium and one tab, spoken to over the pipe."""

    def __init__(self, exe, profile):
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()
        args = [exe, "--headless", "--remote-debugging-pipe", "--user-data-dir=" + profile,
                "--no-first-run", "--no-default-browser-check", "--disable-gpu",
                "--disable-extensions", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-default-apps",
                "--metrics-recording-only", "--mute-audio", "--hide-scrollbars",
                "--disable-breakpad", "--disable-crash-reporter",
                # nothing can reach the network: a proxy that is not there,
                # and no host name resolves
                "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                "--allow-file-access-from-files", "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses root with its sandbox

        # The child's ends moved above 4 first: a pipe's end may itself be
        # 3 or 4, and dup2 onto itself would leave it closed on exec.
        to_child_r, from_child_w = above(to_child_r), above(from_child_w)

        def fds():
            # the protocol's pipe: Chromium reads fd 3, writes fd 4
            os.dup2(to_child_r, 3, inheritable=True)
            os.dup2(from_child_w, 4, inheritable=True)

        self.log = tempfile.TemporaryFile()
        # os.pipe's descriptors are not inherited; the two dup2 makes at 3
        # and 4 are, and close_fds would close them after preexec_fn
        # Its crash reports, caches and temporary files (it leaves some
        # behind) go into the profile too, not $HOME or $TMPDIR.
        os.mkdir(profile + "/tmp")
        env = dict(os.environ, HOME=profile, XDG_CONFIG_HOME=profile + "/config",
                   XDG_CACHE_HOME=profile + "/cache", TMPDIR=profile + "/tmp")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=self.log, preexec_fn=fds, close_fds=False, env=env)
        os.close(to_child_r)
        os.close(from_child_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        try:
            target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            self.session = self.call("Target.attachToTarget",
                                     {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Network", "Runtime", "Log"):
                self.call(domain + ".enable", session=True)
        except BaseException:
            # (a signal too): no caller holds this browser to close it
            self.kill()
            raise

    def send(self, method, params=None, session=False):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        os.write(self.to_child, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def read(self, deadline):
        """The next message, or None past the deadline."""
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.from_child], [], [], left)[0]:
                return None
            chunk = os.read(self.from_child, 1 << 20)
            if not chunk:
                raise RuntimeError("the browser closed its pipe: " + self.output())
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=False):
        i = self.send(method, params, session or method.startswith(("Page.", "Runtime.")))
        deadline = time.monotonic() + TIMEOUT
        while True:
            m = self.read(deadline)
            if m is None:
                raise RuntimeError("no answer to " + method)
            if m.get("id") == i:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            if "method" in m:
                self.events.append(m)

    def wait_event(self, method, seconds):
        deadline = time.monotonic() + seconds
        while True:
            for k, e in enumerate(self.events):
                if e["method"] == method:
                    return self.events.pop(k)
            m = self.read(deadline)
            if m is None:
                return None
            if "method" in m:
                self.events.append(m)

    def drain(self, seconds):
        deadline = time.monotonic() + seconds
        while True:
            m = self.read(deadline)
            if m is None:
                return
            if "method" in m:
                self.events.append(m)

    def output(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-2000:]

    def close(self):
        try:
            self.send("Browser.close")
            self.proc.wait(timeout=10)
        except Exception:
            self.kill()
            return
        except BaseException:
            self.kill()  # a signal: still stopping
            raise
        os.close(self.to_child)
        os.close(self.from_child)

    def kill(self):
        """Stopped at once (its profile is removed next)."""
        self.proc.kill()
        self.proc.wait()
        os.close(self.to_child)
        os.close(self.from_child)


def check_page(b, url):
    """The problems of one page, and the links it has."""
    problems = []
    b.events.clear()
    b.call("Page.navigate", {"url": url}, session=True)
    if not b.wait_event("Page.loadEventFired", TIMEOUT):
        return ["did not finish loading in %d s" % TIMEOUT], [], 0
    res = b.call("Runtime.evaluate", {"expression": CHECK, "returnByValue": True},
                 session=True)
    if "exceptionDetails" in res:
        return ["the check could not run: %s" % res["exceptionDetails"]], [], 0
    got = json.loads(res["result"]["value"])
    problems += got["bad"]
    problems += ["names a network URL: " + u for u in got["net"]]
    b.drain(0.1)  # late requests and console messages
    for e in b.events:
        p, m = e.get("params", {}), e["method"]
        if m == "Network.requestWillBeSent":
            u = p["request"]["url"]
            if not u.startswith(("file:", "data:")):
                problems.append("network request: " + u[:200])
        elif m == "Network.loadingFailed" and not p.get("canceled"):
            problems.append("failed to load (%s): request %s" % (p.get("errorText"),
                                                                p.get("requestId")))
        elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in p["args"])
            problems.append("console error: " + text[:200])
        elif m == "Runtime.exceptionThrown":
            problems.append("uncaught exception: %s" % p["exceptionDetails"].get("text"))
        elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
            problems.append("browser error: %s %s" % (p["entry"].get("text", "")[:200],
                                                     p["entry"].get("url", "")))
    return problems, got["links"], got["charts"]


def main():
    args = sys.argv[1:]
    crawl = "--crawl" in args
    args = [a for a in args if a != "--crawl"]
    named = None
    if "--chromium" in args:
        k = args.index("--chromium")
        named = args[k + 1]
        del args[k:k + 2]
    if not args:
        print(__doc__.strip())
        return 2
    exe = find_chromium(named)
    if not exe:
        print("browser: no chromium (install Debian's chromium): the pages are not opened")
        return 77

    def stop(sig, frame):
        # unwinds through the finally clauses below: the browser stopped,
        # its profile removed
        signal.signal(sig, signal.SIG_IGN)
        print("browser: stopped by signal %d" % sig, flush=True)
        raise SystemExit(128 + sig)

    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, stop)
    profile = tempfile.mkdtemp(prefix="ringbench-browser.")
    failures = 0
    try:
        try:
            b = Browser(exe, profile)
        except Exception as e:
            print("browser: cannot drive %s: %s" % (exe, e))
            return 2
        try:
            queue = [os.path.abspath(p) for p in args]
            seen = set()
            pages = charts = 0
            while queue:
                path = queue.pop(0)
                if path in seen:
                    continue
                seen.add(path)
                if not os.path.exists(path):
                    print("browser: FAIL: %s: no such page" % path)
                    failures += 1
                    continue
                url = "file://" + urllib.parse.quote(path)
                problems, links, n = check_page(b, url)
                pages += 1
                charts += n
                for p in problems:
                    print("browser: FAIL: %s: %s" % (path, p))
                failures += len(problems)
                if not crawl:
                    continue
                for link in links:
                    u = urllib.parse.urlparse(link)
                    target = urllib.parse.unquote(u.path)
                    if (u.scheme == "file" and target.endswith(".html") and
                            os.path.dirname(target) == os.path.dirname(path)):
                        queue.append(target)
            print("browser: %d pages, %d charts%s" % (pages, charts,
                                                      ", all loaded" if not failures else ""))
        finally:
            b.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
