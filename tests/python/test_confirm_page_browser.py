"""The confirmation page (`--confirm-url`) in a real browser: headless Debian Chromium driven by
Selenium through /usr/bin/chromedriver (installed by scripts/install-test-deps; nothing downloads a
browser). The page shows the exact request, the change table and the warnings; a wrong phrase
refuses; the right phrase, typed with the keyboard, executes once (the emulator's request log says
so); a second visit, an expired link and a form posted from another origin are refused; the page
logs nothing to the console, has a language, labelled inputs and readable contrast. Screenshots
go to target/artifacts/."""

import functools
import http.server
import json
import os
import re
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from conftest import ROOT, clean_env

# Selenium must never fetch a browser or a driver: both come from Debian packages.
os.environ["SE_OFFLINE"] = "true"

def heading_after_submit(browser, expected, timeout=15):
    """The page's h1 once the form post has loaded the answer page: Enter starts a navigation, and
    the old page (or none) is what the driver sees until the new one arrives."""
    def seen(driver):
        headings = driver.find_elements(By.TAG_NAME, "h1")
        return headings[0].text if headings and headings[0].text == expected else False
    try:
        return WebDriverWait(browser, timeout, ignored_exceptions=(Exception,)).until(seen)
    except Exception:
        headings = browser.find_elements(By.TAG_NAME, "h1")
        return headings[0].text if headings else None


CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = ROOT / "target" / "artifacts"
TEAM_A = "quotateama0000001"
ROOT_QUOTA = "quotateamroot0001"
META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
    "io.modelcontextprotocol/clientInfo": {"name": "browser-test", "version": "0"},
}


class PageServer:
    """`skillgate serve --transport http --emulator --confirm-url`, called statelessly (2026-07-28)."""

    def __init__(self, skillgate_bin, tmp_path, *extra):
        self.proc = subprocess.Popen(
            [skillgate_bin, "serve", "--transport", "http", "--listen", "127.0.0.1:0", "--emulator",
             "--confirm-url", "--audit-log", str(tmp_path / "audit.jsonl"), *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=clean_env(tmp_path),
        )
        self.url = None
        deadline = time.time() + 30
        while time.time() < deadline and self.url is None:
            match = re.search(r"MCP endpoint (http://\S+/mcp)", self.proc.stderr.readline() or "")
            self.url = match.group(1) if match else None
        assert self.url, "the server did not report its endpoint"
        # Keep draining stderr so the server never blocks on a full pipe.
        threading.Thread(target=self.proc.stderr.read, daemon=True).start()
        self.emulator = None

    def call(self, name, arguments):
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                "params": {"name": name, "arguments": arguments, "_meta": META}}
        request = urllib.request.Request(self.url, data=json.dumps(body).encode(), method="POST")
        for key, value in {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
                           "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call",
                           "Mcp-Name": name}.items():
            request.add_header(key, value)
        with urllib.request.urlopen(request, timeout=30) as response:
            result = json.loads(response.read())["result"]
        return result["structuredContent"]

    def page_for(self, name, arguments):
        """Plans a change and returns its one-time link; learns where the emulator is."""
        pending = self.call(name, arguments)
        assert pending["status"] == "awaiting_human", pending
        return pending["confirm_url"]

    def requests_for(self, action):
        """The emulator's request log for one action (its address is in every plan's preview)."""
        with urllib.request.urlopen(f"{self.emulator}/_emulator/requests?action={action}", timeout=30) as r:
            return json.loads(r.read())["requests"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def server(skillgate_bin, tmp_path):
    running = PageServer(skillgate_bin, tmp_path)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("Chromium is missing: run scripts/install-test-deps (apt-get install chromium chromium-driver)")
    options = Options()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,900", "--disable-extensions", "--no-first-run"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def console_problems(driver):
    return [entry for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]


def screenshot(driver, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, max(900, height + 40))
    path = ARTIFACTS / name
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 900)
    print(f"screenshot: {path}")
    return path


def phrase_on(driver):
    return driver.find_element(By.CSS_SELECTOR, ".phrase code").text


def status_of(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """The other site's static server, without a log line per request."""

    def log_message(self, *args):
        pass


# ------------------------------------------------------------------------------ contrast

def _channel(value):
    value /= 255
    return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4


def luminance(rgb):
    r, g, b = (_channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b):
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def parse_colour(text):
    parts = [float(p) for p in re.findall(r"[\d.]+", text)]
    return parts[:3], (parts[3] if len(parts) > 3 else 1.0)


COLOURS_JS = """
const out = [];
for (const selector of arguments[0]) {
  for (const el of document.querySelectorAll(selector)) {
    let back = null, node = el;
    while (node && node.nodeType === 1) {
      const bg = getComputedStyle(node).backgroundColor;
      if (!/rgba\\(.*,\\s*0\\)$/.test(bg) && bg !== 'transparent') { back = bg; break; }
      node = node.parentElement;
    }
    out.push([selector, el.textContent.trim().slice(0, 40), getComputedStyle(el).color, back || 'rgb(255, 255, 255)']);
  }
}
return out;
"""

MAIN_COLOURS = ["main p", "h1", "h2", ".meta", ".eyebrow", "thead th", "tbody th", "td .line", "label", ".help",
                "code", ".badge", ".notice h2", ".tag", ".warnings strong", "button", "footer p"]


# --------------------------------------------------------------------------------- tests

def test_the_page_reads_as_the_last_look_and_the_phrase_executes_once(server, browser):
    link = server.page_for("pai_quota_scale", {
        "quota_id": TEAM_A, "min": {"NodeSpecs": [{"NodeSpec": "ecs.gn7i-c8g1.2xlarge", "Count": 1}]}})
    browser.get(link)
    assert console_problems(browser) == []
    html = browser.find_element(By.TAG_NAME, "html")
    assert html.get_attribute("lang") == "en"

    # The summary as plain text, the marks, the emulator badge.
    heading = browser.find_element(By.TAG_NAME, "h1").text
    assert heading == f"Scale quota {TEAM_A}", heading
    assert "`" not in browser.find_element(By.TAG_NAME, "main").text
    badges = [b.text.lower() for b in browser.find_elements(By.CSS_SELECTOR, ".badge")]
    assert {"emulator", "destructive", "forced"} <= set(badges), badges
    notices = browser.find_element(By.TAG_NAME, "main").text
    assert "Destructive change" in notices and "Forced change" in notices
    assert "running workloads may be preempted" in notices

    # The change as a field / current / target table, not JSON.
    headers = [th.text.lower() for th in browser.find_elements(By.CSS_SELECTOR, "table.diff thead th")]
    assert headers == ["field", "current", "target"], headers
    row = browser.find_element(By.CSS_SELECTOR, "table.diff tbody tr")
    cells = [row.find_element(By.TAG_NAME, "th").text] + [td.text for td in row.find_elements(By.TAG_NAME, "td")]
    assert cells == ["min", "ecs.gn7i-c8g1.2xlarge × 3", "ecs.gn7i-c8g1.2xlarge × 1"], cells

    # The warnings and the exact request.
    warnings = browser.find_element(By.CSS_SELECTOR, "ul.warnings").text
    assert "usage within target" in warnings and "alice-notebook" in warnings
    request_line = " ".join(browser.find_element(By.CSS_SELECTOR, ".request-line").text.split())
    assert request_line == f"PUT https://pai.cn-hangzhou.aliyuncs.com/api/v1/quotas/{TEAM_A}/action/scale"
    body = json.loads(browser.find_element(By.CSS_SELECTOR, "main pre").text)
    assert body == {"Min": {"NodeSpecs": [{"Type": "ecs.gn7i-c8g1.2xlarge", "Count": 1}]}}
    sent_to = re.search(r"Sent to (http://127\.0\.0\.1:\d+)", browser.find_element(By.TAG_NAME, "main").text)
    server.emulator = sent_to.group(1)

    # Accessibility: every input labelled, contrast of the main colours at least 4.5:1.
    inputs = browser.execute_script(
        "return Array.from(document.querySelectorAll('input, select, textarea'))"
        ".map(i => [i.id, i.labels ? i.labels.length : 0, i.getAttribute('aria-label')]);")
    assert inputs and all(labels > 0 or aria for _, labels, aria in inputs), inputs
    measured = browser.execute_script(COLOURS_JS, MAIN_COLOURS)
    assert len(measured) > 20, measured
    low = []
    for selector, text, fore, back in measured:
        (fg, alpha), (bg, _) = parse_colour(fore), parse_colour(back)
        assert alpha == 1.0, f"{selector} {text!r} has translucent text {fore}"
        ratio = contrast(fg, bg)
        if ratio < 4.5:
            low.append((selector, text, fore, back, round(ratio, 2)))
    assert low == [], low
    shot = screenshot(browser, "confirm-page.png")
    assert shot.stat().st_size > 10_000

    # The keyboard alone: Tab to the field, type the phrase, Enter.
    assert server.requests_for("ScaleQuota") == [], "nothing is sent before the confirmation"
    phrase = phrase_on(browser)
    assert phrase == f"CONFIRM-FORCE {TEAM_A}"
    keyboard = ActionChains(browser)
    for _ in range(40):
        if browser.switch_to.active_element.get_attribute("id") == "phrase-input":
            break
        keyboard.send_keys(Keys.TAB).perform()
    assert browser.switch_to.active_element.get_attribute("id") == "phrase-input", "Tab never reached the field"
    keyboard.send_keys(phrase).send_keys(Keys.ENTER).perform()
    assert heading_after_submit(browser, "Done") == "Done"
    assert console_problems(browser) == []
    screenshot(browser, "confirm-page-done.png")
    sent = server.requests_for("ScaleQuota")
    assert len(sent) == 1, sent

    # A second visit is refused: no form, 410, and a second answer changes nothing.
    browser.get(link)
    assert browser.find_element(By.TAG_NAME, "h1").text == "This link was already used"
    assert "What happened: Done" in browser.find_element(By.TAG_NAME, "main").text
    assert browser.find_elements(By.ID, "phrase-input") == []
    # The only console line is the browser's note of the page's own 410.
    problems = console_problems(browser)
    assert all("410" in entry["message"] for entry in problems), problems
    assert status_of(link) == 410
    assert len(server.requests_for("ScaleQuota")) == 1


def test_a_wrong_phrase_refuses_and_changes_nothing(server, browser):
    link = server.page_for("pai_quota_update", {"quota_id": ROOT_QUOTA, "description": "typed wrong"})
    browser.get(link)
    assert console_problems(browser) == []
    row = browser.find_element(By.CSS_SELECTOR, "table.diff tbody tr")
    assert row.find_element(By.TAG_NAME, "th").text == "description"
    server.emulator = re.search(r"Sent to (http://127\.0\.0\.1:\d+)",
                                browser.find_element(By.TAG_NAME, "main").text).group(1)
    field = browser.find_element(By.ID, "phrase-input")
    field.send_keys(f"CONFIRM {ROOT_QUOTA.upper()}" + Keys.ENTER)
    assert heading_after_submit(browser, "Not done") == "Not done"
    assert "confirmation mismatch" in browser.find_element(By.TAG_NAME, "main").text
    assert server.requests_for("UpdateQuota") == []
    assert server.call("pai_quota_get", {"quota_id": ROOT_QUOTA})["description"] != "typed wrong"


def test_an_expired_link_is_refused(skillgate_bin, tmp_path, browser):
    short = PageServer(skillgate_bin, tmp_path, "--plan-ttl", "1s")
    try:
        link = short.page_for("pai_quota_update", {"quota_id": ROOT_QUOTA, "description": "too late"})
        time.sleep(2.2)
        browser.get(link)
        assert browser.find_element(By.TAG_NAME, "h1").text == "This confirmation link is not valid"
        assert browser.find_elements(By.ID, "phrase-input") == []
        browser.get_log("browser")  # the 404 of the page itself is expected here
        assert status_of(link) == 404
    finally:
        short.stop()


def test_a_form_posted_from_another_origin_is_refused(server, browser, tmp_path):
    link = server.page_for("pai_quota_update", {"quota_id": ROOT_QUOTA, "description": "cross-site"})
    browser.get(link)
    phrase = phrase_on(browser)
    server.emulator = re.search(r"Sent to (http://127\.0\.0\.1:\d+)",
                                browser.find_element(By.TAG_NAME, "main").text).group(1)
    # Another site (another port is another origin) with a form aimed at the page.
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(
        f'<!doctype html><html lang="en"><body><form method="post" action="{link}">'
        f'<input type="hidden" name="phrase" value="{phrase}"><input type="hidden" name="action" value="confirm">'
        '<button id="go" type="submit">go</button></form></body></html>')
    handler = functools.partial(QuietHandler, directory=str(site))
    other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        browser.get(f"http://127.0.0.1:{other.server_address[1]}/index.html")
        browser.find_element(By.ID, "go").click()
        deadline = time.time() + 10
        while "Origin" not in browser.page_source and time.time() < deadline:
            time.sleep(0.1)
        assert "Origin header is not allowed" in browser.page_source
        browser.get_log("browser")  # the 403 and the other site's favicon are that site's
    finally:
        other.shutdown()
    assert server.requests_for("UpdateQuota") == []
    # The page itself is untouched: it still offers the form to the human it was meant for.
    browser.get(link)
    assert browser.find_elements(By.ID, "phrase-input") != []
