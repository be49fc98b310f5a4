"""``guichet run``: the Telegram bot (polling by default, webhook when ``GUICHET_WEBHOOK_URL`` is set).

Everything is built through :meth:`bot.app.App.start` (the composition root). No PTB persistence: the state of every
conversation is in our database. Background work (outbox sender, reminders, digest) runs as asyncio tasks started at
``post_init`` and stopped at shutdown.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from collections import OrderedDict
from typing import Any

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    ContextTypes,
    Defaults,
    TypeHandler,
)

from bot.channels.telegram.adapter import ChatLocks, LastReplies, MayorHandler, send_replies
from bot.channels.telegram.direct import surely
from bot.channels.telegram.lifecycle import run_until_signal
from bot.config import Settings, load_settings
from bot.texts import telegram as T

log = logging.getLogger(__name__)

_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
#: After updates, the outbox sender is woken once per this many seconds at most (a staff notification waits that
#: much longer at worst; under load, one "anything due?" read serves many updates instead of one read each).
OUTBOX_WAKE_DELAY = 0.05


# --- logging: nothing secret ever reaches a log -----------------------------------------------------------------------
# The redaction itself lives in bot/logsafe.py (one record factory for our loggers and the libraries').
def protect_logs(*secrets: str | None) -> None:
    """Register secrets to redact from every log record (idempotent); cap third-party loggers that would log
    secrets or personal data at debug level (bot/logsafe.py: the one set-up of every process)."""
    from bot import logsafe

    logsafe.install(*secrets)
    logsafe.cap_libraries()


def redact(text: str) -> str:
    from bot import logsafe

    return logsafe.redact(text)


# --- update processing: per chat in order, chats concurrently ----------------------------------------------------------
class ChatOrderedProcessor(BaseUpdateProcessor):
    """PTB's concurrent update processing, with one chat's updates run one at a time, in arrival order.

    The chat's lock is taken *before* a concurrency slot, so a chat that floods the bot waits on its own lock and holds
    at most one slot: the other chats are not held up. PTB creates one task per update in arrival order and each task
    reaches the (FIFO) lock without awaiting first, which keeps the order.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self.locks = ChatLocks()

    async def process_update(self, update: object, coroutine: Any) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            async with self._semaphore:
                await coroutine
            return
        async with self.locks.hold(str(chat.id)):
            async with self._semaphore:
                await coroutine

    async def do_process_update(self, update: object, coroutine: Any) -> None:
        await coroutine

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


# --- the channel ------------------------------------------------------------------------------------------------------
class TelegramChannel:
    """The PTB application plus our background tasks, around one :class:`bot.app.App`."""

    def __init__(
        self,
        guichet: Any,
        *,
        rate_limiter: bool = True,
        outbox_interval: float = 1.0,
        jobs_interval: float = 60.0,
        concurrency: int = 64,
        run_jobs: bool = True,
        sqlite_engine_calls: int = 2,
    ) -> None:
        from bot.channels.telegram.jobs import Jobs
        from bot.channels.telegram.outbox import OutboxSender
        from bot.channels.telegram.staff import StaffHandler

        self.guichet = guichet
        self.settings: Settings = guichet.settings
        token = self.settings.telegram_token.get_secret_value() if self.settings.telegram_token else ""
        if not token:
            raise ValueError("GUICHET_TELEGRAM_TOKEN is not set")
        self._token = token
        secret = self.settings.webhook_secret.get_secret_value() if self.settings.webhook_secret else None
        protect_logs(token, secret)
        api = self.settings.telegram_api_url.rstrip("/")
        builder = (
            ApplicationBuilder()
            .token(token)
            .base_url(f"{api}/bot")
            .base_file_url(f"{api}/file/bot")
            .concurrent_updates(ChatOrderedProcessor(concurrency))
            .persistence(None)
            # No link preview, ever: a URL typed by a mayor is neither fetched nor shown as a card to staff.
            .defaults(Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True)))
            .post_init(self._post_init)
            .post_shutdown(self._post_shutdown)
            .connection_pool_size(max(8, concurrency // 2))
            .pool_timeout(10.0)
        )
        if rate_limiter:
            builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
        self.application: Application = builder.build()
        self.locks = ChatLocks()
        self.last = LastReplies()
        sqlite = getattr(guichet.store, "dialect", "") == "sqlite"
        self.mayor = MayorHandler(guichet.engine, self.locks, self.last,
                                  max_engine_calls=sqlite_engine_calls if sqlite else None,
                                  deliver=self._deliver_replies, settle=self.settle_update,
                                  max_file_bytes=int(getattr(self.settings, "attachment_max_bytes", 10_000_000)))
        self.staff = StaffHandler(guichet, self.locks)
        self.outbox = OutboxSender(self.application.bot, guichet.store, self.settings, interval=outbox_interval)
        self.jobs = (
            Jobs(guichet.store, self.settings, interval=jobs_interval, on_queued=self.outbox.wake) if run_jobs else None
        )
        self._tasks: list[asyncio.Task] = []
        self._handled: OrderedDict[int, None] = OrderedDict()
        self._recorded_ids: OrderedDict[int, None] = OrderedDict()
        self._waiters: dict[int, list[asyncio.Future]] = {}
        self._wake_scheduled = False
        self._to_settle: set[int] = set()
        self._settling: asyncio.Task | None = None
        self._webhook: Any = None
        self._poller: Any = None
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)

    # -- dispatch ----------------------------------------------------------------------------------------------------
    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.debug("update %s in hand", update.update_id)  # ids only, never content
        recorded = False
        try:
            recorded = await self._dispatch(update, context)
        finally:
            if not recorded:
                # Whatever happened (ignored, refused, answered "réessayez", failed), this update is done with: it
                # must never be handled later (no replay of a stale message after a restart).
                self.settle_update(update.update_id)
            await self._mark_handled(update.update_id)

    # -- delivery and settling (issue 14) --------------------------------------------------------------------------
    async def _deliver_replies(self, replies: Any) -> None:
        """The replies of a turn, queued by the engine: sent right away when they were written claimed for us (no
        earlier message of the chat waiting), else the sender is woken and sends them after the earlier ones."""
        rows = list(getattr(replies, "outbox", ()) or ())
        if rows and getattr(replies, "claimed", False):
            try:
                await self.outbox.deliver_rows(rows, batch_marks=True)
            except Exception as exc:  # noqa: BLE001 - the rows stay in the outbox: the sender retries them
                log.warning("direct delivery of %d reply(ies) failed (%s): left to the sender", len(rows),
                            type(exc).__name__)
                self.outbox.wake()
        elif rows:
            self.outbox.wake()

    def settle_update(self, update_id: int) -> None:
        """Record (now, or as soon as the database answers) that ``update_id`` is settled: never handled later."""
        self._to_settle.add(int(update_id))
        if self._settling is None or self._settling.done():
            self._settling = asyncio.get_running_loop().create_task(self._flush_settled(), name="guichet-settle")

    async def _flush_settled(self, attempts: int | None = None) -> bool:
        """Write the pending settlements, retrying with backoff while the database is away (``attempts`` bounds
        the tries; None: until the channel stops). True when nothing is left to write."""
        delay, tries = 0.5, 0
        while self._to_settle:
            batch = sorted(self._to_settle)
            try:
                await self.guichet.store.settle_updates(f"tg:{u}" for u in batch)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - database away: try again
                tries += 1
                if attempts is not None and tries >= attempts:
                    return False
                log.info("could not settle %d update(s) yet (%s)", len(batch), type(exc).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            self._to_settle.difference_update(batch)
        return True

    async def _mark_handled(self, update_id: int) -> None:
        self._handled[update_id] = None
        while len(self._handled) > 10_000:
            self._handled.popitem(last=False)
        for future in self._waiters.pop(update_id, ()):
            if not future.done():
                future.set_result(None)

    async def wait_handled(self, update_id: int, timeout: float | None = 10.0) -> None:
        """Wait until the update ``update_id`` went through our handler (the webhook's answer, tests, benchmarks).
        One future per waiter: a handled update wakes only its own waiters."""
        if update_id in self._handled:
            return
        future = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(update_id, []).append(future)
        try:
            await asyncio.wait_for(future, timeout)
        finally:
            waiting = self._waiters.get(update_id)
            if waiting is not None and future in waiting:
                waiting.remove(future)
                if not waiting:
                    del self._waiters[update_id]

    async def _dispatch(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
        """Hand the update to its handler; True when the engine recorded it (handled mark in the database)."""
        chat = update.effective_chat
        if chat is None:
            return False
        staff_chat = self.settings.staff_chat_id
        if chat.type == "private":
            if self.staff.is_staff_command(update):
                await self.staff.refuse_command(update, context.bot, where="private")
                return False
            recorded = await self.mayor.handle(update, context.bot)
            if recorded:
                self._recorded(update.update_id)
            self._wake_outbox()
            return recorded
        elif staff_chat is not None and chat.id == staff_chat:
            await self.staff.handle(update, context.bot)
            self._wake_outbox()
        else:
            await self.staff.foreign_group(update, context.bot)
        return False

    def _recorded(self, update_id: int) -> None:
        self._recorded_ids[update_id] = None
        while len(self._recorded_ids) > 10_000:
            self._recorded_ids.popitem(last=False)

    def _wake_outbox(self) -> None:
        """Wake the outbox sender shortly after an update, once for all the updates handled meanwhile: each wake
        costs a database read ("anything due?"), which most updates don't need (bench/bench_e2e.py)."""
        if self._wake_scheduled:
            return
        self._wake_scheduled = True

        def fire() -> None:
            self._wake_scheduled = False
            self.outbox.wake()

        asyncio.get_running_loop().call_later(OUTBOX_WAKE_DELAY, fire)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        err = context.error
        update_id = getattr(update, "update_id", None)
        chat = getattr(update, "effective_chat", None)
        # The type and, at debug level, the frames: never the exception's message (it may quote what a person typed).
        from bot.logsafe import safe_traceback

        log.error(
            "error while handling update %s (chat %s): %s%s",
            update_id,
            getattr(chat, "id", None),
            type(err).__name__,
            "\n" + safe_traceback(err) if err is not None and log.isEnabledFor(logging.DEBUG) else "",
        )
        if not isinstance(update, Update) or chat is None or chat.type != "private":
            return
        if update.update_id in self._recorded_ids:
            # The update was recorded and its replies are in the outbox: they will arrive; saying that something
            # failed would be wrong (a filed request would look lost, and people would file it again).
            return
        try:
            if update.callback_query is not None:
                try:
                    await update.callback_query.answer()
                except Exception:  # noqa: BLE001
                    pass
            # Nothing was recorded for this update (the engine's unit never committed): say exactly that, then
            # the question in hand again (best effort, sent directly: the database may be what failed).
            again = self.last.get(str(chat.id))
            if again:
                await surely(context.bot.send_message, chat.id, T.ERROR_NOTHING_SAVED_AGAIN)
                await send_replies(context.bot, chat.id, again[-1:])
            else:
                await surely(context.bot.send_message, chat.id, T.ERROR_NOTHING_SAVED)
        except Exception as exc:  # noqa: BLE001 - the apology itself failed: log and give up
            log.warning("could not send the apology for update %s: %s", update_id, type(exc).__name__)

    # -- lifecycle ---------------------------------------------------------------------------------------------------
    async def _post_init(self, application: Application) -> None:
        await application.bot.set_my_commands([BotCommand(name, desc) for name, desc in T.COMMANDS])
        self.start_background()

    async def _post_shutdown(self, application: Application) -> None:
        await self.stop_background()

    def start_background(self) -> None:
        if self._tasks:
            return
        self._tasks.append(asyncio.create_task(self.outbox.run(), name="guichet-outbox"))
        if self.jobs is not None:
            self._tasks.append(asyncio.create_task(self.jobs.run(), name="guichet-jobs"))

    async def stop_background(self) -> None:
        self.outbox.stop()
        if self.jobs is not None:
            self.jobs.stop()
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            try:
                await asyncio.wait_for(task, timeout=15)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                task.cancel()
            except Exception as exc:  # noqa: BLE001
                log.warning("background task ended with %s", type(exc).__name__)

    async def start_polling(self, poll_timeout: int = 10) -> None:
        """Start in the current event loop (tests, benchmarks): initialize, post_init, start, poll."""
        await self.application.initialize()
        await self._post_init(self.application)
        await self.application.start()
        from bot.channels.telegram.polling import SafePoller

        self._poller = SafePoller(self, poll_timeout)
        await self._poller.start()

    async def start_webhook(self, listen: str, port: int, url_path: str, webhook_url: str,
                            secret_token: str | None) -> None:
        """Webhook mode answering Telegram once each update is handled (see :mod:`.webhook`: keeps each chat's
        order across several workers)."""
        from bot.channels.telegram import webhook

        await self.application.initialize()
        await self._post_init(self.application)
        await self.application.start()
        self._webhook = await webhook.start(self, listen, port, url_path, webhook_url, secret_token)

    async def stop(self) -> None:
        """Stop polling/webhook, let handlers in hand finish, stop the background tasks."""
        log.info("stop requested: finishing the updates in hand")
        server, self._webhook = self._webhook, None
        if server is not None:
            server._http_server.stop()  # no new connection; requests in hand get their answer below
        poller, self._poller = self._poller, None
        if poller is not None:
            await poller.stop()
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()
        if server is not None:
            await server.shutdown()
        await self.stop_background()
        if self._settling is not None and not self._settling.done():
            self._settling.cancel()
        if self._to_settle:
            try:
                await asyncio.wait_for(self._flush_settled(attempts=3), timeout=10)
            except (asyncio.TimeoutError, Exception):  # noqa: BLE001 - left: the overtaken rule covers the rest
                log.warning("%d settled update(s) could not be recorded before stopping", len(self._to_settle))
        await self.application.shutdown()


def webhook_parts(settings: Settings) -> tuple[str, str]:
    """(local URL path, public URL). The bot listens on ``/<webhook_path>``; the public URL is registered as is."""
    url = (settings.webhook_url or "").strip()
    return settings.webhook_path.strip("/"), url


def run_telegram() -> int:
    """Entry point of ``guichet run``. Returns the process exit code."""
    settings = load_settings()
    from bot import logsafe

    logsafe.setup_logging(settings)  # issue 25: the one logging set-up (redaction at every level, libraries capped)
    token = settings.telegram_token.get_secret_value() if settings.telegram_token else ""
    if not token.strip():
        print(
            "error: GUICHET_TELEGRAM_TOKEN is not set. Create a bot with @BotFather, then run:\n"
            "  GUICHET_TELEGRAM_TOKEN=<token> guichet run",
            file=sys.stderr,
        )
        return 2
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    protect_logs(token, secret)
    if settings.webhook_url:
        if not secret or not _SECRET_RE.match(secret):
            print(
                "error: webhook mode needs GUICHET_WEBHOOK_SECRET (1-256 characters: letters, digits, _ and -).",
                file=sys.stderr,
            )
            return 2
    if settings.staff_chat_id is None:
        log.warning("GUICHET_STAFF_CHAT_ID is not set: staff notifications will wait in the outbox")

    from bot.app import App

    async def _start() -> Any:
        return await App.start(settings)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        guichet = loop.run_until_complete(_start())
    except Exception as exc:  # noqa: BLE001 - report and exit, without secrets
        print(f"error: could not start: {redact(str(exc))}", file=sys.stderr)
        return 1
    channel = TelegramChannel(guichet)
    try:
        if settings.webhook_url:
            path, url = webhook_parts(settings)
            log.info("starting in webhook mode on %s:%s/%s", settings.webhook_listen, settings.webhook_port, path)
            from bot.channels.telegram import webhook

            webhook.run_forever(channel, settings.webhook_listen, settings.webhook_port, path, url, secret, loop)
        else:
            log.info("starting in polling mode")
            run_until_signal(channel, loop, channel.start_polling)
    finally:
        loop.run_until_complete(guichet.close())
        loop.close()
    return 0
