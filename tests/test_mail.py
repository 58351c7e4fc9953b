"""The outbox: a message is queued in the business transaction and sent by the worker over
SMTP, to a real server the test starts (aiosmtpd); retried with backoff after a refusal,
failed after the site's limit, sent once however many workers race for it."""

from __future__ import annotations

import os
import threading
import types
from datetime import timedelta

import pytest
from sqlalchemy import select

from ordercraft.core.db import utcnow
from ordercraft.core.errors import ValidationError
from ordercraft.core.mail.models import OutboxMessage
from ordercraft.sdk import PluginInfo, hookimpl
from ordercraft.sdk.mail import Attachment, MailContent, queue_mail, send_due

POSTGRES = os.environ.get("ORDERCRAFT_TEST_DATABASE_URL", "").startswith("postgres")
HELLO = MailContent("Order SO-00012 is confirmed", "Dear Olivia,\n\nyour order is confirmed.",
                    "<p>Dear Olivia,</p><p>your order is <b>confirmed</b>.</p>")


def queue(site, to="olivia@future-engineers.example", content=HELLO, **values):
    with site.session() as session:
        return queue_mail(session, to=to, content=content, **values).id


def outbox(site, message_id):
    with site.session() as session:
        return session.get(OutboxMessage, message_id)


@pytest.fixture
def mail_site(make_site, smtp_server):
    site = make_site(plugins=[])
    smtp_server.configure(site)
    site.smtp = smtp_server
    return site


def test_a_queued_message_is_sent_with_its_attachments_intact(mail_site):
    site = mail_site
    pdf = b"%PDF-1.7\n" + os.urandom(150_000) + b"\n%%EOF"
    csv = b"sku;qty\nROBOT-STD;10\nKIT-CONSTRUCT;5\n"
    message_id = queue(site, to=["Olivia Grant <o.grant@future-engineers.example>"],
                       cc="purchasing@future-engineers.example", about=("order", 12),
                       attachments=[Attachment("offer-SO-00012.pdf", "application/pdf", pdf),
                                    Attachment("../lines.csv", "text/csv", csv)])
    assert outbox(site, message_id).state == "queued"
    assert site.smtp.messages == []  # nothing leaves before the worker runs

    assert send_due(site.platform) == [message_id]
    [mail] = site.smtp.messages
    assert mail.recipients == ["o.grant@future-engineers.example",
                               "purchasing@future-engineers.example"]
    assert mail.sender == "ordercraft@workshop.example"
    assert mail.subject == "Order SO-00012 is confirmed"
    assert mail.message["To"] == "Olivia Grant <o.grant@future-engineers.example>"
    assert mail.message["Cc"] == "purchasing@future-engineers.example"
    assert mail.message["Auto-Submitted"] == "auto-generated"
    assert "your order is confirmed." in mail.text
    assert "<b>confirmed</b>" in mail.html
    assert mail.attachments == [("offer-SO-00012.pdf", "application/pdf", pdf),
                                ("lines.csv", "text/csv", csv)]
    row = outbox(site, message_id)
    assert (row.state, row.attempts, row.next_attempt_at) == ("sent", 1, None)
    assert row.sent_at is not None and row.internet_message_id == mail.message["Message-ID"]
    assert send_due(site.platform) == []  # sent once


def test_a_rolled_back_operation_sends_nothing(mail_site):
    site = mail_site
    with pytest.raises(ValidationError), site.session() as session:
        queue_mail(session, to="olivia@future-engineers.example", content=HELLO)
        raise ValidationError("qty: the operation is refused after the mail was queued",
                              field="qty")
    with site.session() as session:
        assert session.scalars(select(OutboxMessage)).all() == []
    assert send_due(site.platform) == []
    assert site.smtp.messages == []


def test_a_refused_message_is_retried_with_backoff(mail_site):
    site = mail_site
    site.smtp.refuse_next(1, "451 4.3.0 Mailbox busy, try later")
    message_id = queue(site)
    now = utcnow()

    assert send_due(site.platform, now) == []
    row = outbox(site, message_id)
    assert (row.state, row.attempts) == ("queued", 1)
    assert row.last_error == "451 4.3.0 Mailbox busy, try later"
    assert row.next_attempt_at == now + timedelta(minutes=1)
    assert send_due(site.platform, now + timedelta(seconds=59)) == []  # not due yet

    assert send_due(site.platform, now + timedelta(minutes=1)) == [message_id]
    assert len(site.smtp.messages) == 1
    row = outbox(site, message_id)
    assert (row.state, row.attempts) == ("sent", 2)


def test_a_message_fails_after_the_attempt_limit_and_can_be_retried(mail_site):
    site = mail_site
    site.smtp.configure(site, max_attempts=3)
    site.smtp.refuse_next(3)
    message_id = queue(site)
    now = utcnow()
    for minutes, state in ((0, "queued"), (1, "queued"), (3, "failed")):
        send_due(site.platform, now + timedelta(minutes=minutes))
        assert outbox(site, message_id).state == state
    row = outbox(site, message_id)
    assert (row.attempts, row.next_attempt_at) == (3, None)
    assert send_due(site.platform, now + timedelta(days=1)) == []  # failed stays failed

    failed = site.cli("mail list --state failed --json").json()
    assert [m["id"] for m in failed["messages"]] == [message_id]
    assert failed["messages"][0]["last_error"].startswith("451")
    retried = site.cli(f"mail retry {message_id} --json")
    assert retried.exit_code == 0, retried.output
    assert retried.json()["message"]["state"] == "queued"
    assert retried.json()["message"]["attempts"] == 0
    assert send_due(site.platform) == [message_id]
    assert len(site.smtp.messages) == 1

    again = site.cli(f"mail retry {message_id} --json")
    assert again.exit_code == 2
    assert again.json()["error"]["code"] == "message_not_failed"


def test_a_permanent_refusal_fails_at_once(mail_site):
    site = mail_site
    site.smtp.refuse_recipient("nobody@future-engineers.example")
    message_id = queue(site, to="nobody@future-engineers.example")
    assert send_due(site.platform) == []
    row = outbox(site, message_id)
    assert (row.state, row.attempts) == ("failed", 1)
    assert "nobody@future-engineers.example (550 5.1.1 No such user)" in row.last_error


def test_a_message_waits_while_the_server_is_down_or_not_configured(make_site, smtp_server):
    site = make_site(plugins=[])
    message_id = queue(site)
    assert send_due(site.platform) == []  # no server configured: nothing is claimed
    assert outbox(site, message_id).attempts == 0

    smtp_server.configure(site)
    port = smtp_server.port
    smtp_server.stop()
    assert send_due(site.platform) == []
    row = outbox(site, message_id)
    assert (row.state, row.attempts) == ("queued", 1)
    assert row.last_error.startswith(f"cannot send through 127.0.0.1:{port}: ")


def test_two_senders_racing_send_each_message_once(mail_site):
    site = mail_site
    ids = [queue(site, to=f"parent{n}@future-engineers.example") for n in range(30)]
    start = threading.Barrier(2)
    results = [None, None]

    def sender(index):
        start.wait()
        results[index] = send_due(site.platform)

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results[0] + results[1]) == ids  # every message sent by one worker
    received = [mail.recipients[0] for mail in site.smtp.messages]
    assert sorted(received) == sorted(f"parent{n}@future-engineers.example" for n in range(30))
    with site.session() as session:
        rows = session.scalars(select(OutboxMessage)).all()
        assert {(row.state, row.attempts) for row in rows} == {("sent", 1)}


@pytest.mark.skipif(not POSTGRES, reason="row locks with SKIP LOCKED are PostgreSQL's; "
                    "SQLite serialises writers (the racing test above covers both)")
def test_postgresql_workers_claim_disjoint_messages(mail_site):
    from ordercraft.core.mail.sender import claim_due
    from ordercraft.core.mail.settings import read_settings

    site = mail_site
    ids = [queue(site) for _ in range(5)]
    now = utcnow()
    with site.session() as first:
        settings = read_settings(first)
        taken_first = [m.id for m in claim_due(first, settings, now, limit=3)]
        # The first worker's transaction is still open, its rows locked.
        with site.session() as second:
            taken_second = [m.id for m in claim_due(second, settings, now, limit=3)]
    assert taken_first == ids[:3] and taken_second == ids[3:]


def test_a_dead_workers_claim_expires_and_its_late_result_is_ignored(mail_site):
    from ordercraft.core.mail.sender import SENDING_LEASE, Outcome, claim_due, deliver, record
    from ordercraft.core.mail.settings import read_settings

    site = mail_site
    message_id = queue(site)
    now = utcnow()
    with site.session() as session:
        settings = read_settings(session)
        [stale] = claim_due(session, settings, now)  # a worker that dies before sending
    assert send_due(site.platform, now + SENDING_LEASE - timedelta(seconds=1)) == []
    assert send_due(site.platform, now + SENDING_LEASE + timedelta(seconds=1)) == [message_id]
    assert outbox(site, message_id).attempts == 2
    # The dead worker comes back: its claim is gone, its result changes nothing.
    [late] = deliver(settings, [stale])
    assert late == Outcome(True)
    with site.session() as session:
        assert record(session, stale, late, now, settings.max_attempts) is None
    # A resent copy carries the same Message-ID, so mail programs show one message.
    assert len({mail.message["Message-ID"] for mail in site.smtp.messages}) == 1


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_with_a_login_whose_password_comes_from_the_environment(
        make_site, make_smtp_server, monkeypatch, security):
    site = make_site(plugins=[])
    server = make_smtp_server(security=security, login=("robot", "s3cret-pass"))
    server.configure(site)
    monkeypatch.setenv("ORDERCRAFT_SMTP_PASSWORD", "wrong")
    message_id = queue(site)
    assert send_due(site.platform) == []
    assert "535" in outbox(site, message_id).last_error  # refused login: tried again later

    monkeypatch.setenv("ORDERCRAFT_SMTP_PASSWORD", "s3cret-pass")
    assert send_due(site.platform, utcnow() + timedelta(minutes=1)) == [message_id]
    assert [mail.subject for mail in server.messages] == [HELLO.subject]
    with site.session() as session:
        from ordercraft.core.models import SiteSetting

        stored = " ".join(s.value for s in session.scalars(select(SiteSetting)))
    assert "s3cret-pass" not in stored


def test_the_servers_certificate_is_verified(make_site, make_smtp_server):
    site = make_site(plugins=[])
    server = make_smtp_server(security="starttls")
    server.configure(site, ca_file="")  # the system's authorities do not know it
    message_id = queue(site)
    assert send_due(site.platform) == []
    assert "CERTIFICATE_VERIFY_FAILED" in outbox(site, message_id).last_error
    assert server.messages == []


def test_a_message_is_checked_when_it_is_queued(make_site):
    site = make_site(plugins=[])
    cases = [
        ({"to": "not-an-address"}, "to", "'not-an-address' is not an e-mail address"),
        ({"to": []}, "to", "at least one recipient"),
        ({"cc": ["ok@example.com", "x@"]}, "cc", "'x@' is not an e-mail address"),
        ({"content": MailContent("Two\nlines", "body")}, "subject", "must be on one line"),
        ({"content": MailContent("Subject", "  ")}, "text", "must not be empty"),
        ({"attachments": [Attachment("", "application/pdf", b"x")]},
         "attachments.0.filename", "must not be empty"),
        ({"attachments": [Attachment("a.pdf", "pdf", b"x")]}, "attachments.0.content_type",
         "'pdf' is not a content type"),
    ]
    for values, field, words in cases:
        arguments = {"to": "olivia@future-engineers.example", "content": HELLO, **values}
        with pytest.raises(ValidationError) as caught, site.session() as session:
            queue_mail(session, **arguments)
        assert caught.value.field == field and words in caught.value.message, values


def test_a_batch_of_big_attachments_is_cut_short(mail_site, monkeypatch):
    from ordercraft.core.mail import sender
    from ordercraft.core.mail.settings import read_settings

    site = mail_site
    monkeypatch.setattr(sender, "BATCH_ATTACHMENT_BYTES", 250_000)
    files = [Attachment(f"drawing-{n}.pdf", "application/pdf", os.urandom(100_000))
             for n in range(4)]
    ids = [queue(site, attachments=[file]) for file in files]
    with site.session() as session:
        claimed = sender.claim_due(session, read_settings(session), utcnow())
        assert [message.id for message in claimed] == ids[:2]  # 200,000 bytes; 300,000 > limit
        session.rollback()  # not claimed after all
    assert sorted(send_due(site.platform)) == ids  # the rest in the next batches
    assert [mail.attachments[0][2] for mail in site.smtp.messages] == [f.content for f in files]


DSN = """\
From: MAILER-DAEMON@mx.future-engineers.example
To: ordercraft@workshop.example
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.future-engineers.example

Final-Recipient: rfc822; Gone@Future-Engineers.example
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 mailbox unknown

Final-Recipient: rfc822; olivia@future-engineers.example
Action: delivered
Status: 2.0.0

--B
Content-Type: text/rfc822-headers

Message-ID: {message_id}
Subject: Hello

--B--
"""


def test_hook_mail_bounced(make_site, smtp_server):
    """A 5xx at RCPT or DATA, and a bounce report, reach the plugins as bounces."""
    from ordercraft.sdk.mail import parse_bounce_report, report_bounce

    heard: list[tuple] = []

    def mail_bounced(addresses, reason, message_id, source, about):
        heard.append((addresses, reason.split(" ")[0] if reason else "", message_id, source,
                      about))

    module = types.ModuleType("bounce_watcher")
    module.plugin = PluginInfo(name="bounce_watcher", version="1.0")
    module.mail_bounced = hookimpl(mail_bounced)
    site = make_site(plugins=[], extra_plugins=[module])
    smtp_server.configure(site)
    smtp_server.refuse_recipient("gone@future-engineers.example")
    refused = queue(site, to="gone@future-engineers.example", about=("task", 7))
    partly = queue(site, to=["olivia@future-engineers.example", "gone@future-engineers.example"])
    send_due(site.platform)
    assert outbox(site, refused).state == "failed" and outbox(site, partly).state == "sent"
    assert heard == [(["gone@future-engineers.example"], "every", refused, "core", "task:7"),
                     (["gone@future-engineers.example"], "refused:", partly, "core", None)]
    smtp_server.refuse_next(1, "554 5.7.1 Message rejected")
    rejected = queue(site)
    send_due(site.platform)
    assert heard[-1] == (["olivia@future-engineers.example"], "554", rejected, "core", None)
    # A bounce report names the message this site sent by its Message-ID.
    report = parse_bounce_report(DSN.format(
        message_id=outbox(site, partly).internet_message_id).encode())
    assert report.addresses == ("gone@future-engineers.example",)
    assert "5.1.1" in report.reason
    with site.session() as session:
        assert report_bounce(session, report.addresses, report.reason,
                             original_message_id=report.original_message_id) == partly
    assert heard[-1][2:] == (partly, "core", None)
    with pytest.raises(ValidationError, match="not a bounce report") as refused_report:
        parse_bounce_report(b"Subject: hello\n\nnot a report\n")
    assert refused_report.value.field == "file"


def test_a_plugin_failing_on_a_bounce_does_not_lose_the_result(make_site, smtp_server):
    def mail_bounced(addresses):
        raise RuntimeError("the bounce table is gone")

    module = types.ModuleType("broken_bounces")
    module.plugin = PluginInfo(name="broken_bounces", version="1.0")
    module.mail_bounced = hookimpl(mail_bounced)
    site = make_site(plugins=[], extra_plugins=[module])
    smtp_server.configure(site)
    smtp_server.refuse_recipient("gone@future-engineers.example")
    refused = queue(site, to="gone@future-engineers.example")
    send_due(site.platform)
    assert outbox(site, refused).state == "failed"
