"""What service declares to the site: permissions, the role ``service`` and its grants."""

from __future__ import annotations

from typing import Any


def permissions(registry: Any) -> None:
    registry.permission("complaint.read", "Read complaints",
                        "See complaints, their attachments, warranty parts and reports.")
    registry.permission("complaint.write", "Handle complaints",
                        "Register complaints, attach files, move them through their "
                        "workflow, issue warranty parts.")
    registry.permission("serial.read", "Read serial numbers",
                        "See serial-numbered units and who owns them.")
    registry.permission("serial.write", "Register serial numbers",
                        "Track items by serial number, register and ship units.")
    registry.permission("article.read", "Read the knowledge base", "Search and read articles.")
    registry.permission("article.write", "Write the knowledge base",
                        "Write and change knowledge-base articles.")
    registry.role("service", "Handles complaints and service requests within their SLA.")
    registry.grant("service", "complaint.read", "complaint.write", "serial.read",
                   "serial.write", "article.read", "article.write", "task.read",
                   "task.write", "party.read", "item.read", "order.read", "stock.read", "stock.post")
    registry.grant("manager", "complaint.read", "complaint.write", "serial.read",
                   "article.read")
    registry.grant("storekeeper", "serial.read", "serial.write")
