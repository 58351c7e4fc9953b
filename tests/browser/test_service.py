"""A service engineer in a real browser: registers a complaint about a robot's serial
number, attaches a photo (a refused type is named), accepts it within its SLA, links the
knowledge-base article that solved it and resolves it."""

from __future__ import annotations

import re

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_complaint_page(page, live_server, login, screenshot):
    login(page, "admin")
    page.click("nav >> text=Complaints")
    page.wait_for_url(re.compile(r".*/service/complaints$"))
    assert "CMP-00001" in page.inner_text("table.list")  # the demo's complaints
    page.fill("input[name='client']", "Future Engineers Robotics School")
    page.select_option("select[name='priority']", "urgent")
    page.fill("input[name='serial']", "RB-00003")
    page.fill("textarea[name='description']", "The robot does not start after charging")
    page.click("button:has-text('Register')")
    page.wait_for_url(re.compile(r".*/service/complaints/\d+$"))
    assert "RB-00003" in page.inner_text("[data-section='complaint']")
    assert "warranty" in page.inner_text("[data-section='complaint']")
    assert "Response" in page.inner_text("[data-section='sla']")

    page.set_input_files("input[name='file']", files=[
        {"name": "tool.exe", "mimeType": "application/octet-stream", "buffer": b"MZ"}])
    page.click("button:has-text('Attach')")
    assert "'tool.exe' is of a refused type" in page.inner_text("[role='alert']")
    page.set_input_files("input[name='file']", files=[
        {"name": "photo.png", "mimeType": "image/png", "buffer": PNG}])
    page.click("button:has-text('Attach')")
    assert "photo.png" in page.inner_text("[data-section='attachments']")

    page.click(".wf-actions button:has-text('Accept')")
    page.wait_for_load_state()
    assert "Accepted" in page.inner_text(".page-head")
    page.fill("[data-section='knowledge'] input[name='q']", "charging")
    page.click("[data-section='knowledge'] button:has-text('Search')")
    assert "Robot does not start after charging" in page.inner_text(".kb-results")
    page.click(".kb-results button:has-text('This solved it')")
    assert "Solved by" in page.inner_text("[data-section='knowledge']")
    page.click(".wf-actions button:has-text('Resolve')")
    page.wait_for_load_state()
    assert "Resolved" in page.inner_text(".page-head")
    assert page.inner_text("[data-section='sla'] tbody tr:nth-child(2) td:nth-child(3)")
    screenshot(page, "service-01-complaint")
