"""`./portal run` itself: starts on free ports, writes run.json, serves the portal and the mailbox, stops cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if (
                marker.encode() in (entry / "environ").read_bytes()
                or marker.encode() in (entry / "cmdline").read_bytes()
            ):
                status = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if status != "Z":
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_run_command_starts_everything_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    data = tmp_path / "portal-data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    process = subprocess.Popen(
        [str(ROOT / "portal"), "run", "--port", "0", "--data-dir", str(data)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        facts_file = data / "run.json"
        deadline = time.monotonic() + 120
        while not facts_file.exists():
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline, "run.json never appeared"
            time.sleep(0.3)
        facts = json.loads(facts_file.read_text())
        port = facts["http_port"]
        assert facts["portal_url"] == f"http://acme.localhost:{port}/"
        assert facts["api_key"] and facts["sso_key"]

        home = httpx.get(f"http://127.0.0.1:{port}/", headers={"Host": f"acme.localhost:{port}"})
        assert home.status_code == 200 and "Acme Inc" in home.text
        assert facts["sign_up_url"].startswith(f"http://acme.localhost:{port}/pages/")
        sign_up = httpx.get(facts["sign_up_url"].replace(f"acme.localhost:{port}", f"127.0.0.1:{port}"),
                            headers={"Host": f"acme.localhost:{port}"})  # fmt: skip
        assert sign_up.status_code == 200 and "Subscribe" in sign_up.text

        invoices = httpx.get(f"http://127.0.0.1:{port}/api/invoices", auth=(facts["api_key"], ""))
        assert invoices.status_code == 200 and len(invoices.json()) >= 3
        plans = httpx.get(f"http://127.0.0.1:{port}/api/plans", auth=(facts["api_key"], "")).json()
        assert {p["interval"] for p in plans} >= {"month", "year"}
        subscriptions = httpx.get(f"http://127.0.0.1:{port}/api/subscriptions", auth=(facts["api_key"], "")).json()
        assert len(subscriptions) >= 3 and any(s["addons"] for s in subscriptions)

        # The demo's comment thread: the customer's comments flag the emailed invoice (through the broker).
        deadline = time.monotonic() + 60
        while True:
            flagged = httpx.get(f"http://127.0.0.1:{port}/api/invoices", params={"filter[needs_attention]": "1"},
                                auth=(facts["api_key"], "")).json()  # fmt: skip
            if flagged:
                break
            assert time.monotonic() < deadline, "the demo invoice was never flagged"
            time.sleep(0.3)
        notes = httpx.get(f"http://127.0.0.1:{port}/api/invoices/{flagged[0]['id']}/notes", auth=(facts["api_key"], ""))
        assert [n["user"]["type"] for n in notes.json()] == ["customer", "business", "customer"]

        # The demo estimate asks a deposit the customer can pay by card once approved (acme takes cards locally).
        key = (facts["api_key"], "")
        [demo_estimate] = httpx.get(f"http://127.0.0.1:{port}/api/estimates", params={"filter[number]": "EST-0001"},
                                    auth=key).json()  # fmt: skip
        assert (demo_estimate["deposit"], demo_estimate["deposit_paid"]) == (1500, False)
        cards = httpx.get(f"http://127.0.0.1:{port}/api/payment_settings", auth=key).json()
        assert cards["stripe_connected"] and "card" in cards["accepted_methods"]

        # The run's generated admin token works the bootstrap CLI; without it the auth service refuses.
        auth_addr = f"127.0.0.1:{facts['grpc_ports']['auth']}"
        cli = [
            sys.executable,
            "-m",
            "services.auth.bootstrap",
            "--auth-addr",
            auth_addr,
            "issue-key",
            "--username",
            "acme",
        ]
        bare_env = {k: v for k, v in env.items() if k != "PORTAL_ADMIN_TOKEN"}
        issued = subprocess.run(cli, cwd=ROOT, env={**bare_env, "PORTAL_ADMIN_TOKEN": facts["admin_token"]},
                                capture_output=True, text=True, timeout=60)  # fmt: skip
        assert issued.returncode == 0, issued.stderr
        assert json.loads(issued.stdout)["business"]["username"] == "acme"
        forged = subprocess.run(cli, cwd=ROOT, env={**bare_env, "PORTAL_ADMIN_TOKEN": "guess-" + "x" * 40},
                                capture_output=True, text=True, timeout=60)  # fmt: skip
        assert forged.returncode == 1 and "refused the admin credential" in forged.stderr
        assert (data / "run.json").stat().st_mode & 0o077 == 0

        mailbox = facts["mailbox_url"]
        assert httpx.get(mailbox + "/").status_code == 200
        deadline = time.monotonic() + 30
        while not httpx.get(mailbox + "/api/messages").json():
            assert time.monotonic() < deadline, "the demo invoice email never reached the mailbox"
            time.sleep(0.5)
        while not any(
            m["subject"] == "Estimate EST-0001 from Acme Inc" for m in httpx.get(mailbox + "/api/messages").json()
        ):
            assert time.monotonic() < deadline, "the demo estimate email never reached the mailbox"
            time.sleep(0.5)
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert "acme.localhost" in output
    deadline = time.monotonic() + 10
    while processes_with(str(data)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_with(str(data)) == [], "processes were left behind"
    assert not (data / "run.json").exists()
