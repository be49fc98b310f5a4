"""Webhook mode that answers Telegram only once an update has been handled, so several workers keep each chat's order.

Telegram delivers a chat's updates one at a time: it sends the next update of a chat only after our HTTP answer to
the previous one (updates of different chats are sent concurrently, up to ``max_connections``). PTB's stock webhook
handler answers 200 as soon as the update is queued, before it is handled; with two workers behind a load balancer,
update n+1 of a chat could then reach worker B while worker A is still handling update n, and overtake it.

Here the answer waits until our handler is done with the update (state committed in the database, replies sent).
So, whichever worker gets it, update n+1 of a chat is only sent by Telegram once update n is fully handled: the
order holds across workers without any reordering on our side. The per-chat advisory lock taken by the store
(``UnitOfWork.get_conversation``) still serialises anything that would arrive at once (a retry of an update whose
answer was lost), and ``mark_update_handled`` makes such a retry a no-op. A worker killed mid-update never answered:
Telegram sends the update again (to any worker), so nothing is lost either.
"""

from __future__ import annotations

import asyncio
import json
import logging
from http import HTTPStatus
from typing import Any

import tornado.web
from telegram import Update
from telegram.ext._utils.webhookhandler import TelegramHandler, WebhookServer

from bot.channels.telegram.lifecycle import Channel, run_until_signal

log = logging.getLogger(__name__)

#: Telegram waits about 60 s for a webhook answer, then sends the update again; answer before that.
ACK_TIMEOUT = 50.0


class AckAfterHandled(TelegramHandler):
    """PTB's webhook handler (content type and secret token checks, parsing), answering once the update is handled.

    If handling takes longer than :data:`ACK_TIMEOUT`, the answer is 503: Telegram sends the update again later (a
    no-op once it is handled), and the chat's next update still waits.
    """

    def initialize(self, bot: Any, update_queue: asyncio.Queue, secret_token: str, channel: Any = None) -> None:
        super().initialize(bot, update_queue, secret_token)
        self.channel = channel

    async def post(self) -> None:
        """PTB's checks (content type, secret token: 403/400), then our own parsing: a body that is not UTF-8 JSON
        of an update gets 400 (PTB's handler answers 500 for malformed JSON and logs the body in full); nothing of
        the body is logged. Then the answer waits until the update is handled."""
        self._validate_post()
        try:
            data = json.loads(self.request.body.decode("utf-8"))
            update = Update.de_json(data, self.bot) if isinstance(data, dict) else None
        except Exception as exc:  # noqa: BLE001 - bad input never crashes, never reaches a log
            update = None
            log.warning("webhook body refused (%s)", type(exc).__name__)
        if update is None:
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST, reason="Update could not be processed")
        self.set_status(HTTPStatus.OK)
        await self.update_queue.put(update)
        if self.channel is None:
            return
        try:
            await self.channel.wait_handled(update.update_id, ACK_TIMEOUT)
        except asyncio.TimeoutError:
            log.warning("update %s not handled within %.0f s: answering 503", update.update_id, ACK_TIMEOUT)
            self.set_status(HTTPStatus.SERVICE_UNAVAILABLE)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """A short plain answer, never a traceback nor the body."""
        self.finish(HTTPStatus(status_code).phrase if status_code in HTTPStatus._value2member_map_ else "error")

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        """Tornado would log the request and the traceback (with the exception's message): type only."""
        if isinstance(value, tornado.web.HTTPError):
            return
        log.warning("webhook handler error (%s)", getattr(typ, "__name__", "error"))


class WebhookApp(tornado.web.Application):
    def __init__(self, webhook_path: str, bot: Any, update_queue: asyncio.Queue, secret_token: str | None,
                 channel: Any) -> None:
        shared = {"bot": bot, "update_queue": update_queue, "secret_token": secret_token, "channel": channel}
        super().__init__([(rf"{webhook_path}/?", AckAfterHandled, shared)])

    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """No access log: paths and client addresses are not needed, and the path may be guessable."""


async def start(channel: Channel, listen: str, port: int, url_path: str, webhook_url: str,
                secret_token: str | None, max_connections: int = 40) -> WebhookServer:
    """Listen on ``listen:port/url_path`` first, then register ``webhook_url`` with Telegram (each worker registers
    the same public URL: idempotent)."""
    application = channel.application
    path = "/" + url_path.strip("/")
    app = WebhookApp(path, application.bot, application.update_queue, secret_token, channel)
    server = WebhookServer(listen, port, app, None)
    await server.serve_forever()
    await application.bot.set_webhook(
        url=webhook_url, allowed_updates=Update.ALL_TYPES, max_connections=max_connections,
        secret_token=secret_token, drop_pending_updates=False,
    )
    return server


def run_forever(channel: Channel, listen: str, port: int, url_path: str, webhook_url: str,
                secret_token: str | None, loop: asyncio.AbstractEventLoop) -> None:
    """``guichet run`` in webhook mode: serve until SIGINT/SIGTERM, then stop cleanly (updates in hand finish)."""
    run_until_signal(channel, loop, lambda: channel.start_webhook(listen, port, url_path, webhook_url, secret_token))

