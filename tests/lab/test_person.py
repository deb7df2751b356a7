"""A person uses the lab as `make demo` tells them: `provcloud lab call` as an agency, and
`provcloud lab open` with a real browser — Debian's Chromium, driven through its own WebDriver —
logging in to the document system as its administrator."""

import json
import os
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ROOT, run_provcloud, start_provcloud
from lab.conftest import SETUP_LOGS, Lab
from provcloud.commands.lab_use import how_to_use
from provcloud.controller_state import ControllerPaths, state_dir
from provcloud.docsystem_client import docsystem_state

pytestmark = pytest.mark.lab

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PORT = 18443
SCREENSHOT = SETUP_LOGS / "docsystem-after-login.png"
"""Kept after the run (the test's output a person can look at)."""


def test_make_demo_tells_the_person_these_commands(demo_lab: Lab) -> None:
    """The commands `provcloud demo` ends with are the ones these tests run."""
    assert [command for command, _ in how_to_use(demo_lab.province)] == [
        "provcloud lab call demo vp-ubnd /dmdc/agencies",
        "provcloud lab open demo docsystem",
    ]


def test_lab_call_answers_as_the_agency(demo_lab: Lab) -> None:
    answer = run_provcloud("lab", "call", "demo", "vp-ubnd", "/dmdc/agencies", "--write-out", "\n%{http_code}")
    assert answer.returncode == 0, answer.stderr
    body, status = answer.stdout.rsplit("\n", 1)
    assert status == "200", answer.stdout[-500:]
    assert {agency["slug"] for agency in json.loads(body)["agencies"]} >= {"vp-ubnd", "xa-son-thuy"}
    assert "as vp-ubnd from 198.18.4.11" in answer.stderr, "the person is told who called and how"


def test_lab_call_is_refused_where_the_agency_is_refused(demo_lab: Lab) -> None:
    """xa-son-thuy does not consume the document system: called as it, the node refuses (106)."""
    answer = run_provcloud("lab", "call", "demo", "xa-son-thuy", "/docsystem/api/v4/cabinets/")
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout)["code"] == 106, answer.stdout


def test_lab_call_names_a_wrong_agency(demo_lab: Lab) -> None:
    answer = run_provcloud("lab", "call", "demo", "so-khong-co", "/dmdc/agencies")
    assert answer.returncode == 1
    assert "'so-khong-co' is not an agency of demo" in answer.stderr
    assert "Traceback" not in answer.stderr


@pytest.fixture
def opened(demo_lab: Lab) -> Iterator[str]:
    """`provcloud lab open demo docsystem`, running until the test ends; its printed text."""
    log = SETUP_LOGS / "lab-open.log"
    SETUP_LOGS.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as output:
        process = start_provcloud(
            "lab", "open", "demo", "docsystem", "--port", str(PORT), stdout=output, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while "Ctrl-C stops" not in log.read_text() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert process.poll() is None, f"lab open exited: {log.read_text()}"
        yield log.read_text()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
    assert "forward stopped" in log.read_text(), "SIGTERM stops the forward cleanly"


def test_lab_open_serves_the_document_system_s_own_certificate(opened: str) -> None:
    record = docsystem_state(state_dir("demo"))
    name = record.host
    assert f"https://{name}:{PORT}/" in opened
    assert f"Log in as {record.admin_username}, password {record.admin_password_file.read_text().strip()}" in opened
    context = ssl.create_default_context(cafile=str(ControllerPaths(state_dir("demo")).pki / "ca.crt"))
    with (
        socket.create_connection(("127.0.0.1", PORT), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=name) as tls,
    ):
        tls.sendall(f"GET /authentication/login/ HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n".encode())
        first = tls.recv(4096).decode(errors="replace")
    assert first.startswith("HTTP/1.1 200"), first[:300]


@pytest.mark.skipif(not CHROMEDRIVER.exists(), reason="chromium-driver is not installed: `make system-packages`")
def test_a_person_logs_in_to_the_document_system_in_a_browser(opened: str) -> None:
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium fetch a driver: Debian's is here
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    record = docsystem_state(state_dir("demo"))
    name = record.host
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    # As the printed text says: the name leads to the forward; the provincial CA is not in this
    # throwaway profile, so its warning is accepted (the certificate itself is checked above).
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
                 f"--host-resolver-rules=MAP {name} 127.0.0.1", "--ignore-certificate-errors"):  # fmt: skip
        options.add_argument(flag)
    browser = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        browser.get(f"https://{name}:{PORT}/")
        wait = WebDriverWait(browser, 60)
        wait.until(expected_conditions.presence_of_element_located((By.NAME, "username")))
        assert "Automatic credentials" not in browser.page_source, "the login page must not show credentials"
        browser.find_element(By.NAME, "username").send_keys(record.admin_username)
        browser.find_element(By.NAME, "password").send_keys(record.admin_password_file.read_text().strip())
        browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        # Logged in: Mayan's single-page interface opens its home view, the user's dashboard.
        wait.until(lambda driver: "/authentication/login" not in driver.current_url)
        wait.until(lambda driver: driver.current_url.endswith("/#/home/") and "User dashboard" in driver.page_source)
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        assert browser.save_screenshot(str(SCREENSHOT)), "no screenshot"
        assert SCREENSHOT.stat().st_size > 10_000
        print(f"screenshot after the login: {SCREENSHOT.relative_to(ROOT)}")
    finally:
        browser.quit()


def test_lab_open_refuses_a_port_in_use(demo_lab: Lab) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        answer = run_provcloud("lab", "open", "demo", "docsystem", "--port", str(port), timeout=60)
    assert answer.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in answer.stderr and "choose another --port" in answer.stderr
