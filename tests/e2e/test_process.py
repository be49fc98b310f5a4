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
