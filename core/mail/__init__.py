"""Outgoing mail: the outbox, its sender, mail templates and the site's SMTP settings.

A message is a row of the outbox (``mail_outbox``, attachments in ``mail_attachments``),
written with :func:`~ordercraft.core.mail.outbox.queue_mail` inside the transaction of
the business change that causes it: a rolled-back operation leaves no message behind,
and a committed one cannot lose its message. ``ordercraft worker`` (the scheduler's
``send-mail`` job, :func:`~ordercraft.core.mail.sender.send_due`) sends what is due over
SMTP and records each result; a refused or failed attempt is retried with exponential
backoff until the site's attempt limit, then the message is marked failed.

States: ``queued`` (waiting for its next attempt) -> ``sending`` (claimed by a worker)
-> ``sent`` | ``queued`` again (a temporary failure: 4xx, connection, TLS, login) |
``failed`` (a permanent refusal, 5xx, or the attempts are used up). ``ordercraft mail
retry ID`` queues a failed message again.

Modules: ``models`` (the tables), ``outbox`` (queue, list, show, retry), ``settings``
(host, port, security, user, from-address; the password comes from the environment),
``templates`` (Jinja mail templates, overridable per site), ``attachments`` (files and
PDF print forms), ``sender`` (claim, send, record). Plugins use them through
:mod:`ordercraft.sdk.mail`. Guide: docs/mail.md.
"""
