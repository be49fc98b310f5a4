"""Guichet: the conversational one-stop shop for local elected officials."""
