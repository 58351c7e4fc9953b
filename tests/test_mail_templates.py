"""Mail templates (shipped, overridden per site), PDF print forms as attachments, and the
``ordercraft mail`` commands: settings, list, show, test."""

from __future__ import annotations

from pathlib import Path

import pytest

import sales_kit as kit  # noqa: E402
from ordercraft.core.errors import NotFound, ValidationError
from ordercraft.core.printing import set_site_templates_dir
from ordercraft.sdk.mail import (
    MailContent,
    print_form_attachment,
    queue_mail,
    render_mail,
    send_due,
)


def write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_a_plugins_template_renders_and_a_site_overrides_it(make_site, tmp_path):
    site = make_site(plugins=[])
    shipped = tmp_path / "plugin"
    write(shipped, "kits/ready.subject.txt", "Kit {{ kit }}\n  is ready\n")
    write(shipped, "kits/ready.txt", "Kit {{ kit }} & co. is ready: {{ site_url }}/kits")
    write(shipped, "kits/ready.html", '{% extends "mail/base.html" %}{% block content %}'
                                      "<p>Kit {{ kit }} is ready</p>{% endblock %}")
    site.cli("mail settings --site-url https://crm.workshop.example/")
    with site.session() as session:
        content = render_mail(session, "kits/ready", {"kit": "<K-1>"}, folder=shipped)
    assert content.subject == "Kit <K-1> is ready"  # one line
    assert content.text == "Kit <K-1> & co. is ready: https://crm.workshop.example/kits\n"
    assert "<p>Kit &lt;K-1&gt; is ready</p>" in content.html  # HTML is escaped, text is not
    assert "Ordercraft" in content.html  # the shared layout

    own = tmp_path / "site-templates"
    write(own, "kits/ready.txt", "Our own words about {{ kit }}.")
    with site.session() as session:
        set_site_templates_dir(session, str(own))
    with site.session() as session:
        content = render_mail(session, "kits/ready", {"kit": "K-1"}, folder=shipped)
    assert content.text == "Our own words about K-1.\n"
    assert content.subject == "Kit K-1 is ready"  # the files the site leaves alone stay


def test_template_problems_name_the_file(make_site, tmp_path):
    site = make_site(plugins=[])
    write(tmp_path, "kits/broken.subject.txt", "Kit {{ kit ")
    write(tmp_path, "kits/lacking.subject.txt", "Kit")
    write(tmp_path, "kits/undefined.subject.txt", "Kit {{ nothing.here }}")
    with site.session() as session:
        with pytest.raises(NotFound, match=r"needs the file kits/missing.subject.txt"):
            render_mail(session, "kits/missing", folder=tmp_path)
        with pytest.raises(NotFound, match=r"needs the file kits/lacking.txt"):
            render_mail(session, "kits/lacking", folder=tmp_path)
        with pytest.raises(ValidationError) as broken:
            render_mail(session, "kits/broken", folder=tmp_path)
        assert str(tmp_path / "kits/broken.subject.txt") in broken.value.message
        assert "(line 1)" in broken.value.message
        with pytest.raises(ValidationError, match="'nothing' is undefined"):
            render_mail(session, "kits/undefined", folder=tmp_path)
        with pytest.raises(ValidationError, match="is not a template name"):
            render_mail(session, "../etc/passwd", folder=tmp_path)


def test_an_orders_invoice_goes_out_as_a_pdf_attachment(make_site, smtp_server):
    site = kit.build(make_site)
    order_id = kit.order(site, "ROBOT-STD:2", "KIT:1")
    smtp_server.configure(site)
    invoice = print_form_attachment(site.platform, "order", "invoice", order_id)
    assert invoice.content_type == "application/pdf" and invoice.content.startswith(b"%PDF")
    with site.session() as session:
        from ordercraft.plugins.sales.orders import get_order

        order = get_order(session, order_id)
        number = order.number
        queue_mail(session, to="purchasing@future-engineers.example", about=order,
                   content=MailContent(f"Invoice for {order.number}", "Please find it attached."),
                   attachments=[invoice], source="sales")
    send_due(site.platform)
    [mail] = smtp_server.messages
    assert mail.attachments == [(f"invoice-{number}.pdf", "application/pdf", invoice.content)]
    listed = site.cli(f"mail list --about order:{order_id} --json").json()["messages"]
    assert [(m["about"], m["source"]) for m in listed] == [(f"order:{order_id}", "sales")]
    assert site.cli(f"mail list --about order:{order_id + 1} --json").json()["total"] == 0
    refused = site.cli("mail list --about order --json")
    assert refused.exit_code == 2 and refused.json()["error"]["field"] == "document"


def test_mail_commands(make_site, smtp_server, monkeypatch):
    site = make_site(plugins=[])
    shown = site.cli("mail settings --json").json()["settings"]
    assert shown["ready"] is False and shown["password_from"] == "ORDERCRAFT_SMTP_PASSWORD"

    changed = site.cli(f"mail settings --host 127.0.0.1 --port {smtp_server.port} "
                       "--from robot@workshop.example --max-attempts 3 --json")
    assert changed.exit_code == 0, changed.output
    assert changed.json()["settings"] | {"password_set": None} == {
        "host": "127.0.0.1", "port": smtp_server.port, "security": "none", "user": "",
        "ca_file": "", "sender": "robot@workshop.example", "max_attempts": 3, "site_url": "",
        "ready": True, "password_set": None, "password_from": "ORDERCRAFT_SMTP_PASSWORD"}
    for arguments, field in (("--port 70000", "port"), ("--from robot", "from"),
                             ("--site-url ftp://x", "site_url"),
                             ("--ca-file /no/such/file", "ca_file")):
        refused = site.cli(f"mail settings {arguments} --json")
        assert refused.exit_code == 2 and refused.json()["error"]["field"] == field, arguments

    for number in range(3):
        assert site.cli(f"mail test --to parent{number}@example.com --json").exit_code == 0
    page = site.cli("mail list --limit 2 --json").json()
    assert (page["total"], len(page["messages"])) == (3, 2)
    assert page["messages"][0]["to"] == ["parent2@example.com"]  # newest first
    assert site.cli("mail list --state sent --json").json()["total"] == 0
    text = site.cli("mail list --limit 2").output
    assert "1-2 of 3 (next: --offset 2)" in text and "parent1@example.com" in text

    assert site.cli("worker --once --json").json()["jobs"]["send-mail"] == [1, 2, 3]
    assert [mail.subject for mail in smtp_server.messages] == ["Test message from Ordercraft"] * 3
    assert 'sent by the site with "ordercraft mail test"' in smtp_server.messages[0].text

    message = site.cli("mail show 1 --json").json()["message"]
    assert message["state"] == "sent" and message["attempts"] == 1
    assert message["message_id"] == smtp_server.messages[0].message["Message-ID"]
    assert site.cli("mail show 99 --json").json()["error"]["code"] == "not_found"

    with site.session() as session:
        from ordercraft.core.services.users import create_user

        create_user(session, "maria", roles=["manager"])
    forbidden = site.cli("mail list --user maria --json")
    assert forbidden.exit_code == 2 and forbidden.json()["error"]["code"] == "forbidden"
    assert site.cli("mail settings --host x --user maria --json").exit_code == 2
