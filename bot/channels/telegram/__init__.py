"""Telegram channel (python-telegram-bot 22): mayors' private chats, the staff group, the outbox sender, jobs."""
