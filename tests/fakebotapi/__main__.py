"""Run the fake Bot API server on its own: ``python -m tests.fakebotapi [--port 8081] [--token T]``.

Then run the bot against it (``GUICHET_TELEGRAM_API_URL=http://127.0.0.1:8081 GUICHET_TELEGRAM_TOKEN=T guichet run``)
and drive it over HTTP, e.g. from a benchmark in another process:

    POST /_control/text      {"user": 42, "text": "/start"}            (also "chat", "reply_to")
    POST /_control/callback  {"user": 42, "message_id": 3, "data": "m:file"}
    POST /_control/contact   {"user": 42, "phone": "+33612345678"}
    GET  /_control/messages?chat_id=42&after=0
    GET  /_control/wait?chat_id=42&after=3&count=1&timeout=10          (long-polls until the bot sent them)
"""

from __future__ import annotations

import argparse
import signal
import threading

from tests.fakebotapi.server import DEFAULT_TOKEN, FakeBotApi


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with FakeBotApi(token=args.token, host=args.host, port=args.port) as fake:
        print(f"fake Bot API on {fake.url} (token {args.token})", flush=True)
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
