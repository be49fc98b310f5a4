"""The e-mail channel (issue 20): the guichet reads its mailbox over IMAP and answers through the outbox and SMTP.

``parse.py`` reads one raw mail (never raises), ``imap.py`` the IMAP client (IMAPClient in a thread), ``channel.py``
the processing loop and the answer's composition, the attachments store is bot/store/attachments.py (every channel).
"""

#: The engine's channel name for e-mail conversations (also the export's ``"channel"``).
CHANNEL = "email"
