"""``guichet run`` as a real process against the fake Bot API: URL built from GUICHET_TELEGRAM_API_URL, a reply,
a clean stop on SIGTERM, and no secret in its debug logs."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

from tests.e2e.conftest import ROOT, STAFF_CHAT


async def test_guichet_run_polling_process(fake, sqlite_url, tmp_path):
    env = dict(os.environ)
    env.update({
        "GUICHET_TELEGRAM_TOKEN": fake.token,
        "GUICHET_TELEGRAM_API_URL": fake.url,
        "GUICHET_DATABASE_URL": sqlite_url,
        "GUICHET_STAFF_CHAT_ID": str(STAFF_CHAT),
        "GUICHET_STAFF_USER_IDS": "111,112",
        "GUICHET_WEBHOOK_SECRET": "unused-secret-value_42",
        "GUICHET_LOG_LEVEL": "DEBUG",
    })
    env.pop("GUICHET_WEBHOOK_URL", None)
    log_path = tmp_path / "bot.log"
    with open(log_path, "wb") as log_file:
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=ROOT, env=env, stdout=log_file,
                                stderr=subprocess.STDOUT)
        try:
            await fake.wait_for(lambda: fake.commands, timeout=60, what="the bot started (setMyCommands)")
            fake.push_text(701, None, "/start")
            await fake.wait_for_message(701, "bienvenue", timeout=30)
            proc.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(proc.wait, 30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    logs = log_path.read_text(errors="replace")
    assert code == 0, logs[-3000:]
    assert fake.unauthorized_calls == 0
    assert fake.token not in logs and fake.token.split(":")[1] not in logs
    assert "unused-secret-value_42" not in logs
    assert "getUpdates" not in logs  # PTB's debug logs (URLs, texts) are capped at INFO


async def test_guichet_run_without_token_exits_2(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUICHET_")}
    env["GUICHET_DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.db'}"
    proc = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "bot.cli", "run"], cwd=ROOT, env=env,
                                   capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "GUICHET_TELEGRAM_TOKEN" in proc.stderr


async def test_guichet_run_webhook_process(fake, sqlite_url, tmp_path):
    import httpx

    from tests.e2e.test_reliability import _free_port

    port = _free_port()
    secret = "Process-Webhook_secret_123"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUICHET_")}
    env.update({
        "GUICHET_TELEGRAM_TOKEN": fake.token,
        "GUICHET_TELEGRAM_API_URL": fake.url,
        "GUICHET_DATABASE_URL": sqlite_url,
        "GUICHET_WEBHOOK_URL": f"http://127.0.0.1:{port}/hook",
        "GUICHET_WEBHOOK_SECRET": secret,
        "GUICHET_WEBHOOK_LISTEN": "127.0.0.1",
        "GUICHET_WEBHOOK_PORT": str(port),
        "GUICHET_WEBHOOK_PATH": "hook",
        "GUICHET_LOG_LEVEL": "DEBUG",
    })
    log_path = tmp_path / "bot.log"
    with open(log_path, "wb") as log_file:
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=ROOT, env=env, stdout=log_file,
                                stderr=subprocess.STDOUT)
        try:
            await fake.wait_for(lambda: fake.webhook["url"], timeout=60, what="setWebhook")
            assert fake.webhook["url"] == f"http://127.0.0.1:{port}/hook"
            assert fake.webhook["secret_token"] == secret
            update = fake.build_text_update(702, None, "/start")
            async with httpx.AsyncClient() as client:
                for _ in range(100):  # the listener may open just after setWebhook
                    try:
                        r = await client.post(f"http://127.0.0.1:{port}/hook", json=update)
                        break
                    except httpx.ConnectError:
                        await asyncio.sleep(0.1)  # retry pacing while the port opens, not an assertion
                assert r.status_code == 403
                r = await client.post(f"http://127.0.0.1:{port}/hook", json=update,
                                      headers={"X-Telegram-Bot-Api-Secret-Token": secret})
                assert r.status_code == 200
            await fake.wait_for_message(702, "bienvenue", timeout=30)
            proc.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(proc.wait, 30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    logs = log_path.read_text(errors="replace")
    assert code == 0, logs[-3000:]
    assert secret not in logs and fake.token not in logs


async def test_webhook_mode_requires_a_secret(tmp_path, fake):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUICHET_")}
    env.update({"GUICHET_TELEGRAM_TOKEN": fake.token, "GUICHET_WEBHOOK_URL": "https://example.org/hook",
                "GUICHET_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    proc = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "bot.cli", "run"], cwd=ROOT, env=env,
                                   capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "GUICHET_WEBHOOK_SECRET" in proc.stderr
    assert fake.token not in proc.stderr + proc.stdout
