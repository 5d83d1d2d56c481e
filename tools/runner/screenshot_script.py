"""Take the README screenshots of a running demo server with headless Chromium.

Run by the venv's Python (requests and websocket-client come with it):
    python screenshot_script.py <base url> <output dir>
Talks to Chromium through the DevTools protocol: log in, open a page, wait
for the web client to settle, capture PNG.
"""

import base64
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import websocket

WIDTH, HEIGHT = 1440, 900


def login(base):
    session = requests.Session()
    page = session.get(f"{base}/web/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    session.post(
        f"{base}/web/login",
        data={"login": "admin", "password": "admin", "csrf_token": token, "redirect": "/odoo"},
        timeout=60,
    )
    return session


def call_kw(session, base, model, method, args, **kwargs):
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "params": {"model": model, "method": method, "args": args, "kwargs": kwargs},
    }
    return session.post(f"{base}/web/dataset/call_kw", json=payload, timeout=60).json()["result"]


class Browser:
    def __init__(self, profile):
        port = 9222 + int(time.time()) % 1000
        self.proc = subprocess.Popen(
            [
                "chromium",
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={profile}",
                f"--window-size={WIDTH},{HEIGHT}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _attempt in range(100):
            try:
                targets = requests.get(f"http://127.0.0.1:{port}/json", timeout=2).json()
                page = next(t for t in targets if t["type"] == "page")
                break
            except (requests.RequestException, StopIteration, ValueError):
                time.sleep(0.2)
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60, suppress_origin=True)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return result.get("result", {}).get("value")

    def wait_for(self, selector, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.evaluate(f"!!document.querySelector({json.dumps(selector)})"):
                time.sleep(1.5)  # let the last renders and fonts settle
                return
            time.sleep(0.3)
        raise RuntimeError(f"{selector} did not appear")

    def open(self, url, selector):
        self.call("Page.navigate", url=url)
        self.wait_for(selector)

    def click(self, selector):
        self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")

    def capture(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        Path(path).write_bytes(base64.b64decode(data))
        print(f"screenshot: {path}")

    def close(self):
        self.ws.close()
        self.proc.terminate()
        self.proc.wait(10)


def main(base, out):
    out = Path(out)
    session = login(base)
    session_id = session.cookies["session_id"]
    # The latest overdue invoice that is not at the last level yet, and the wizard's action.
    invoice_id = call_kw(
        session,
        base,
        "account.move",
        "search",
        [
            [
                ("move_type", "=", "out_invoice"),
                ("payment_state", "=", "not_paid"),
                ("invoice_date_due", "<", time.strftime("%Y-%m-%d")),
            ]
        ],
        order="invoice_date_due desc",
        limit=1,
    )[0]
    wizard_action = call_kw(
        session, base, "ir.model.data", "check_object_reference", ["account_dunning", "action_account_dunning_send"]
    )[1]
    policy_id = call_kw(session, base, "account.dunning.policy", "search", [[("is_default", "=", True)]], limit=1)[0]
    # The pay-online page of a reminder the demo's customers answered.
    answered = call_kw(
        session, base, "account.dunning.answer", "search_read", [[]], fields=["reminder_id"], order="id", limit=1
    )
    pay_url = call_kw(session, base, "account.dunning.reminder", "read", [[answered[0]["reminder_id"][0]], ["pay_url"]])
    experiment_id = call_kw(
        session, base, "account.dunning.experiment", "search", [[("state", "=", "promoted")]], limit=1
    )[0]
    with tempfile.TemporaryDirectory(prefix="dunning-chromium-") as profile:
        browser = Browser(profile)
        try:
            browser.call("Page.enable")
            browser.call(
                "Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False
            )
            host = base.split("//", 1)[1].split(":")[0]
            browser.call("Network.enable")
            browser.call("Network.setCookie", name="session_id", value=session_id, domain=host, path="/")
            browser.open(
                f"{base}/odoo/action-account_dunning.action_account_dunning_partner_status", ".o_kanban_record"
            )
            browser.capture(out / "cockpit.png")
            browser.open(f"{base}/odoo/action-account_dunning.action_account_dunning_analysis", ".o_pivot")
            browser.capture(out / "analysis.png")
            browser.open(f"{base}/odoo/action-account.action_move_out_invoice_type/{invoice_id}", ".o_form_view")
            browser.click(f"button[name='{wizard_action}']")
            browser.wait_for(".modal .o_dunning_preview")
            browser.capture(out / "send_reminder_wizard.png")
            # The company's own wording of a level, with its preview.
            browser.open(f"{base}/odoo/action-account_dunning.action_account_dunning_policy/{policy_id}", ".o_notebook")
            browser.click(".o_notebook a.nav-link[name='wording']")
            browser.wait_for("div[name='wording_ids'] .o_data_row td")
            browser.click("div[name='wording_ids'] .o_data_row td")
            browser.wait_for(".modal div[name='preview'] table")
            browser.capture(out / "wording.png")
            # What the customer sees behind the letter's address, an answer unfolded.
            pay_path = "/pay/" + pay_url[0]["pay_url"].split("/pay/", 1)[1]
            browser.open(base + pay_path, "details[data-kind='paid'] summary")
            browser.click("details[data-kind='paid'] summary")
            browser.capture(out / "customer_answers.png")
            # A letter experiment over, its winner promoted, with its numbers.
            browser.call("Network.setCookie", name="session_id", value=session_id, domain=host, path="/")
            browser.open(
                f"{base}/odoo/action-account_dunning.action_account_dunning_experiment/{experiment_id}",
                "div[name='result_ids'] .o_data_row",
            )
            browser.capture(out / "letter_experiment.png")
            browser.open(f"{base}/odoo/action-account_dunning.action_account_dunning_dso", ".o_graph_renderer canvas")
            browser.capture(out / "dso.png")
        finally:
            browser.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
