"""The fake Bot API itself: Bot API shapes, offsets, errors, out-of-process control."""

from __future__ import annotations

import httpx

from tests.fakebotapi import FakeBotApi


async def test_bot_api_shapes_offsets_and_errors(fake: FakeBotApi):
    api = f"{fake.base_url}{fake.token}"
    async with httpx.AsyncClient() as c:
        assert (await c.get(f"{fake.base_url}wrong:token/getMe")).status_code == 401
        me = (await c.post(f"{api}/getMe")).json()
        assert me["ok"] and me["result"]["is_bot"] is True
        fake.push_text(5, None, "salut")
        fake.push_text(5, None, "/start")
        got = (await c.post(f"{api}/getUpdates", data={"offset": "0", "timeout": "0"})).json()["result"]
        assert [u["message"]["text"] for u in got] == ["salut", "/start"]
        assert got[1]["message"]["entities"][0]["type"] == "bot_command"
        again = (await c.post(f"{api}/getUpdates", json={"offset": got[0]["update_id"] + 1})).json()["result"]
        assert [u["update_id"] for u in again] == [got[1]["update_id"]]  # confirmed ones are gone
        r = (await c.post(f"{api}/sendMessage", data={"chat_id": "5", "text": "x" * 4097})).json()
        assert r["ok"] is False and r["error_code"] == 400
        r = await c.post(f"{api}/sendMessage", data={
            "chat_id": "5", "text": "bonjour",
            "reply_markup": '{"inline_keyboard": [[{"text": "A", "callback_data": "' + "é" * 33 + '"}]]}'})
        assert r.status_code == 400  # callback_data over 64 bytes
        sent = (await c.post(f"{api}/sendMessage", data={"chat_id": "5", "text": "bonjour"})).json()["result"]
        assert sent["chat"]["type"] == "private" and sent["from"]["is_bot"] and sent["text"] == "bonjour"
        r = await c.post(f"{api}/editMessageText", data={"chat_id": "5", "message_id": sent["message_id"],
                                                          "text": "bonjour"})
        assert r.status_code == 400 and "not modified" in r.json()["description"]
        fake.fail_next("sendMessage", 1, "429", retry_after=3)
        r = await c.post(f"{api}/sendMessage", data={"chat_id": "5", "text": "y"})
        assert r.status_code == 429 and r.json()["parameters"]["retry_after"] == 3
        doc = await c.post(f"{api}/sendDocument", data={"chat_id": "-100", "caption": "c"},
                           files={"document": ("a.csv", b"\xef\xbb\xbfa;b\n", "text/csv")})
        assert doc.json()["result"]["document"]["file_name"] == "a.csv"
        assert fake.messages_to(-100)[0].document["content"] == b"\xef\xbb\xbfa;b\n"


async def test_control_endpoints(fake: FakeBotApi):
    async with httpx.AsyncClient(base_url=fake.url) as c:
        r = await c.post("/_control/text", json={"user": 9, "text": "hello"})
        assert r.json()["result"]["message"]["text"] == "hello"
        await c.post(f"/bot{fake.token}/sendMessage", data={"chat_id": "9", "text": "réponse"})
        msgs = (await c.get("/_control/wait", params={"chat_id": 9, "count": 1, "timeout": 5})).json()["result"]
        assert [m["text"] for m in msgs] == ["réponse"]
        assert (await c.post("/_control/text", json={"text": "no user"})).status_code == 400
