"""The demo site: the robot workshop of DESIGN.md.

A robotics school orders standard robots, construction kits and custom robots; the
workshop buys processors and mainboards from its suppliers, keeps finished goods in
MAIN and components in PARTS, and four colleagues do the work.

The core's part is a list of named seeders (``CORE_SEEDERS``); plugins add theirs
through the ``demo_data`` hook. Each seeder and each plugin runs once per site: the
names already seeded are kept in the site setting ``demo_seeded``, so running the
demo again adds only what is new (a seeder added to the list, a plugin enabled since)
and never duplicates data.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from ordercraft.core.errors import Conflict
from ordercraft.core.seeding import STORY_CLIENT

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ordercraft.core.platform import Platform

SEEDED_SETTING = "demo_seeded"

#: Demo passwords are ``<user>-demo`` (the admin's can be set by ORDERCRAFT_ADMIN_PASSWORD).
PASSWORD_SUFFIX = "-demo"
ADMIN_PASSWORD = "admin" + PASSWORD_SUFFIX

#: (user name, role, full name, e-mail)
USERS = [
    ("manager", "manager", "Maria Kowalski", "maria.kowalski@workshop.example"),
    ("engineer", "engineer", "Ivan Petrov", "ivan.petrov@workshop.example"),
    ("economist", "economist", "Elena Novak", "elena.novak@workshop.example"),
    ("storekeeper", "storekeeper", "Samuel Okafor", "samuel.okafor@workshop.example"),
]

WAREHOUSES = [
    ("MAIN", "Main warehouse", "Finished robots and kits. 14 Foundry Lane, building 2"),
    ("PARTS", "Parts store", "Components for production. 14 Foundry Lane, building 1"),
]

#: (sku, name, kind, unit, unit precision, valuation, list price, description)
ITEMS = [
    ("ROBOT-STD", "Standard robot", "assembly", "pc", 0, "fifo", "1450.00",
     "Classroom robot: A4 processor, mainboard M, medium case, two motors, sensors."),
    ("KIT-CONSTRUCT", "Construction kit", "good", "pc", 0, "fifo", "320.00",
     "Build-it-yourself kit for lessons: 240 parts, motors, sensors, manual."),
    ("ROBOT-CUSTOM", "Custom robot", "assembly", "pc", 0, "fifo", "0.00",
     "Built to the customer's size and spec; priced with the robot calculator."),
    ("CPU-A4", "Processor A4, 4 cores", "component", "pc", 0, "fifo", "85.00", ""),
    ("CPU-A8", "Processor A8, 8 cores", "component", "pc", 0, "fifo", "140.00", ""),
    ("MB-S", "Mainboard S, 4 ports", "component", "pc", 0, "fifo", "60.00", ""),
    ("MB-M", "Mainboard M, 8 ports", "component", "pc", 0, "fifo", "95.00", ""),
    ("MB-L", "Mainboard L, 16 ports", "component", "pc", 0, "fifo", "130.00", ""),
    ("CASE-S", "Robot case, small", "component", "pc", 0, "fifo", "45.00", ""),
    ("CASE-M", "Robot case, medium", "component", "pc", 0, "fifo", "60.00", ""),
    ("CASE-L", "Robot case, large", "component", "pc", 0, "fifo", "80.00", ""),
    ("PAINT-BLUE", "Paint, blue", "component", "l", 3, "average", "18.50", "Enamel for cases."),
    ("PAINT-RED", "Paint, red", "component", "l", 3, "average", "18.50", "Enamel for cases."),
    ("PAINT-BLACK", "Paint, black", "component", "l", 3, "average", "16.00", ""),
    ("PAINT-WHITE", "Paint, white", "component", "l", 3, "average", "16.00", ""),
    ("HINGE-25", "Hinge 25 mm", "component", "pc", 0, "average", "0.80", ""),
    ("SCREW-M3", "Screw M3x8", "component", "pc", 0, "average", "0.05", ""),
    ("SERVO-MG", "Servo motor MG996R", "component", "pc", 0, "fifo", "12.00", ""),
    ("MOTOR-DC6", "DC gear motor 6 V", "component", "pc", 0, "fifo", "9.50", ""),
    ("BATT-7V4", "Li-ion battery pack 7.4 V", "component", "pc", 0, "fifo", "22.00", ""),
    ("SENSOR-US", "Ultrasonic distance sensor", "component", "pc", 0, "fifo", "4.20", ""),
    ("SENSOR-IR", "Infrared line sensor", "component", "pc", 0, "fifo", "2.10", ""),
    ("WHEEL-65", "Wheel 65 mm", "component", "pc", 0, "fifo", "3.00", ""),
    ("CABLE-SET", "Cable set", "component", "pc", 0, "fifo", "5.50", ""),
    ("SW-INSTALL", "Robot software installation", "service", "pc", 0, "fifo", "40.00",
     "Firmware, lesson software and a test run."),
    ("ASSEMBLY-HOUR", "Assembly work", "service", "h", 1, "average", "35.00", "Per hour."),
]

#: The robotics school of the story, with its legal entities (one re-registered) and contacts.
ROBOT_SCHOOL = {
    "name": STORY_CLIENT,
    "kind": "client", "tags": ["school", "robotics", "key-account"], "source": "exhibition",
    "phone": "+44 20 7946 0011", "email": "office@future-engineers.example",
    "address": "8 Meadow Road, Cambridge",
    "notes": "Met at the EdTech exhibition. Orders for the new robotics classroom: "
             "10 standard robots, 5 construction kits and 4 custom robots.",
    "legal_entities": [
        {"name": "Future Engineers Education Ltd", "tax_id": "7701000101",
         "registration_no": "RC-0101", "address": "8 Meadow Road, Cambridge",
         "valid_from": date(2019, 9, 1), "valid_to": date(2023, 8, 31)},
        {"name": "Future Engineers Academy Trust", "tax_id": "7701000102",
         "registration_no": "RC-0102", "address": "8 Meadow Road, Cambridge",
         "valid_from": date(2023, 9, 1)},
    ],
    "contacts": [
        {"name": "Olivia Grant", "position": "Head of STEM", "phone": "+44 20 7946 0012",
         "email": "o.grant@future-engineers.example",
         "channels": [{"kind": "telegram", "value": "@olivia_grant"}]},
        {"name": "Daniel Reyes", "position": "Purchasing", "phone": "+44 20 7946 0013",
         "email": "purchasing@future-engineers.example"},
    ],
}

#: Other clients: (name, tags, source, city, contact name, contact position)
CLIENTS = [
    ("Bright Minds STEM Academy", "school", "seminar", "Oxford", "Hannah Lee", "Director"),
    ("Northfield Technical College", "college", "web", "Leeds", "Mark Thompson", "Lab manager"),
    ("Riverside Secondary School No. 12", "school", "ad", "Bristol", "Grace Miller",
     "Physics teacher"),
    ("CodeCamp Kids Club", "club", "referral", "London", "Tom Baker", "Founder"),
    ("Polytechnic University, Mechatronics", "university", "exhibition", "Manchester",
     "Prof. Alan Moore", "Head of department"),
    ("MakerSpace Foundry", "makerspace", "web", "Sheffield", "Priya Shah", "Community lead"),
    ("Little Inventors Centre", "club", "referral", "York", "Emma Wilson", "Owner"),
    ("Greenwood Lyceum", "school", "seminar", "Bath", "Robert Clarke", "Deputy head"),
    ("Atlas Automation Ltd", "corporate, integrator", "exhibition", "Coventry",
     "James Carter", "Engineering manager"),
    ("Hillside Children's Technopark", "technopark", "exhibition", "Nottingham",
     "Sophie Turner", "Programme director"),
    ("City Youth Creativity Centre", "government", "seminar", "Birmingham", "Laura Bennett",
     "Head of clubs"),
    ("RoboLeague Tournaments", "events", "referral", "Reading", "Chris Evans", "Organiser"),
    ("EduTech Distribution", "dealer", "exhibition", "Milton Keynes", "Nina Patel",
     "Buyer"),
    ("Science Museum Learning Lab", "museum", "ad", "London", "George Hall",
     "Learning officer"),
    ("Summit Prep School", "school", "web", "Brighton", "Alice Young", "Bursar"),
    ("Orbit Space Education", "club", "ad", "Leicester", "Ryan Scott", "Director"),
    ("Westbrook Engineering Institute", "university", "seminar", "Southampton",
     "Dr. Fiona Reid", "Research fellow"),
    ("Sunrise Primary School", "school", "ad", "Norwich", "Kate Morgan", "Head teacher"),
    ("TechnoStart Franchise", "dealer", "exhibition", "Glasgow", "Ewan Murray",
     "Franchise manager"),
    ("Meridian Manufacturing", "corporate", "referral", "Derby", "Paul Wright",
     "Training manager"),
    ("Harbour Point Public Library", "library", "web", "Plymouth", "Megan Price",
     "Events coordinator"),
    ("Nova Robotics Club", "club", "web", "Cardiff", "Owen Davies", "Coach"),
    ("Lakeside Gymnasium No. 3", "school", "seminar", "Exeter", "Helen Ward",
     "Informatics teacher"),
    ("Regional Teacher Training Institute", "government", "seminar", "Newcastle",
     "Martin Hughes", "Methodologist"),
    ("ProMech Service Centre", "corporate", "referral", "Stoke", "Dean Foster",
     "Service manager"),
    ("BlueSky Summer Camps", "camp", "ad", "Bournemouth", "Zoe Adams", "Camp director"),
    ("Clever Kids Learning Centre", "club", "web", "Swindon", "Lucy Campbell", "Manager"),
    ("Eastgate Vocational School", "college", "exhibition", "Hull", "Neil Robinson",
     "Workshop master"),
    ("Pioneer Home-school Cooperative", "school", "referral", "Canterbury",
     "Rachel Green", "Coordinator"),
    ("Vector Research Lab", "corporate, research", "exhibition", "Cambridge",
     "Dr. Simon Lee", "Principal investigator"),
    ("Oakridge International School", "school, key-account", "web", "Guildford",
     "Isabel Martin", "Head of procurement"),
    ("AgroTech Innovations", "corporate", "ad", "Lincoln", "Victor King", "CTO"),
    ("Stellar Learning Hub", "club", "ad", "Portsmouth", "Amy Collins", "Owner"),
    ("Granite Robotics Olympiad", "events", "referral", "Aberdeen", "Fraser Ross",
     "Chair of jury"),
    ("Redwood Junior Academy", "school", "seminar", "Chester", "Beth Lewis",
     "Computing lead"),
    ("Spark Education Franchise", "dealer", "web", "Edinburgh", "Callum Reid",
     "Regional partner"),
    ("Maple Valley School District", "government, school", "seminar", "Worcester",
     "Patricia Long", "Procurement officer"),
    ("Kingsbridge Grammar School", "school", "exhibition", "Kingsbridge", "Oliver Hunt",
     "Head of science"),
    ("Open Doors Inclusive School", "school", "referral", "Lancaster", "Janet Fox",
     "SEN coordinator"),
    ("Ironbridge Heritage Workshops", "museum", "web", "Telford", "Harry Webb",
     "Education lead"),
]

#: Suppliers: (name, kind, tags, contact, position, notes)
SUPPLIERS = [
    ("Siliconix Components", "supplier", "processors", "Wei Zhang", "Key account manager",
     "Processors A4 and A8; 2-3 weeks lead time."),
    ("ChipCore Electronics", "supplier", "processors", "Anna Berg", "Sales engineer",
     "Second source for processors; small lots from stock."),
    ("BoardWorks Ltd", "supplier", "mainboards", "Mike Doyle", "Sales manager",
     "Mainboards S, M and L."),
    ("Circuitry Plus", "supplier", "mainboards", "Sara Lindqvist", "Account manager",
     "Mainboards, cable sets."),
    ("MetalForm Cases", "supplier", "cases", "Pedro Alvarez", "Production planner",
     "Robot cases, custom sizes on request."),
    ("ColorCoat Paints", "supplier", "paint", "Irene Cole", "Sales", "Enamels in 1 l tins."),
    ("Fastener Depot", "supplier", "hardware", "Ben Archer", "Counter sales",
     "Hinges, screws, small hardware."),
    ("ServoMotion Drives", "supplier", "motors", "Kenji Sato", "Distributor",
     "Servo and DC gear motors."),
    ("TechnoKit Distribution", "both", "dealer, batteries", "Linda Frost", "Purchasing",
     "Buys our construction kits; sells us battery packs and sensors."),
]


@dataclass(frozen=True)
class Seeder:
    """One named part of the core's demo data."""

    name: str
    seed: Callable[[Session], None]


@dataclass
class DemoResult:
    created: bool
    seeded: list[str] = field(default_factory=list)
    #: user name -> demo password (the passwords set when the site was created)
    users: dict[str, str] = field(default_factory=dict)
    admin_password_from_environment: bool = False


def _tax_id(number: int) -> str:
    return f"77{number:08d}"


def _phone(number: int) -> str:
    # The UK's range reserved for drama: never a real subscriber.
    return f"+44 20 7946 {number % 1000:04d}"


def _slug(name: str) -> str:
    kept = "".join(c.lower() if c.isalnum() else "-" for c in name)
    return "-".join(part for part in kept.split("-") if part)[:40]


def _company(name: str) -> str:
    """The registered name of a party: "Atlas Automation Ltd" stays, others get "Ltd"."""
    return name if name.endswith(("Ltd", "Trust")) else f"{name} Ltd"


def seed_users(session: Session) -> None:
    from ordercraft.core.services.users import create_user

    for name, role, full_name, email in USERS:
        create_user(session, name, roles=[role], password=name + PASSWORD_SUFFIX,
                    full_name=full_name, email=email, manager="admin")


def seed_warehouses(session: Session) -> None:
    from ordercraft.core.services.warehouses import create_warehouse

    for code, name, address in WAREHOUSES:
        create_warehouse(session, code, name=name, address=address)


def seed_items(session: Session) -> None:
    from ordercraft.core.services.items import create_item

    for sku, name, kind, unit, precision, valuation, price, description in ITEMS:
        create_item(session, sku, name=name, kind=kind, unit=unit, unit_precision=precision,
                    valuation=valuation, price=Decimal(price), description=description)


def seed_calculator_parts(session: Session) -> None:
    """The parts and operations the example calculators read that the workshop's own item
    list lacks (door and shelf materials, sheet metal, laser cutting, software hours)."""
    from sqlalchemy import select

    from ordercraft.core.calc.catalog import example_items
    from ordercraft.core.models import Item
    from ordercraft.core.services.items import create_item

    existing = set(session.scalars(select(Item.sku)))
    for row in example_items():
        if row["sku"] in existing:
            continue
        kind = row["kind"]
        create_item(session, row["sku"], name=row["name"], kind=kind, unit=row["unit"],
                    unit_precision=0 if row["unit"] == "pc" else 3,
                    valuation="average" if kind == "service" or row["unit"] != "pc" else "fifo",
                    price=row["price"], attributes=row["attributes"])


def _add_party(session: Session, spec: dict) -> None:
    from ordercraft.core.services import parties

    values = {k: v for k, v in spec.items() if k not in ("legal_entities", "contacts")}
    party = parties.create_party(session, **values)
    for entity in spec.get("legal_entities", ()):
        parties.add_legal_entity(session, party.id, **entity)
    for contact in spec.get("contacts", ()):
        parties.add_contact(session, party.id, **contact)


def seed_parties(session: Session) -> None:
    _add_party(session, {**ROBOT_SCHOOL, "manager": "manager"})
    for index, (name, tags, source, city, contact, position) in enumerate(CLIENTS, start=10):
        slug = _slug(name)
        _add_party(session, {
            "name": name, "kind": "client", "tags": tags, "source": source,
            "tax_id": _tax_id(index * 10), "phone": _phone(index * 10),
            "email": f"info@{slug}.example", "address": f"{10 + index % 40} High Street, {city}",
            "manager": "manager",
            "legal_entities": [{"name": _company(name), "tax_id": _tax_id(index * 10),
                                "registration_no": f"RC-{index * 10:04d}",
                                "address": f"{10 + index % 40} High Street, {city}"}],
            "contacts": [{"name": contact, "position": position, "phone": _phone(index * 10 + 1),
                          "email": f"{_slug(contact.split()[-1])}@{slug}.example"}],
        })
    for index, (name, kind, tags, contact, position, notes) in enumerate(SUPPLIERS, start=500):
        slug = _slug(name)
        _add_party(session, {
            "name": name, "kind": kind, "tags": tags, "tax_id": _tax_id(index * 10),
            "phone": _phone(index), "email": f"sales@{slug}.example", "notes": notes,
            "source": "exhibition" if kind == "both" else "",
            "legal_entities": [{"name": _company(name), "tax_id": _tax_id(index * 10),
                                "registration_no": f"RC-{index:04d}"}],
            "contacts": [{"name": contact, "position": position, "phone": _phone(index + 300),
                          "email": f"{_slug(contact.split()[-1])}@{slug}.example"}],
        })


#: Where the demo sends its mail: a local SMTP server that shows what it gets (README:
#: ``python -m aiosmtpd -n -l localhost:1025``); nothing leaves the machine.
DEMO_MAIL = {"host": "localhost", "port": 1025, "security": "none",
             "sender": "robots@workshop.example", "site_url": "http://127.0.0.1:8000"}
ADMIN_EMAIL = "owner@workshop.example"


def seed_mail(session: Session) -> None:
    """The demo's SMTP settings, and an address for the admin (the colleagues' manager,
    who gets the escalations)."""
    from ordercraft.core.mail.settings import read_settings, update_settings
    from ordercraft.core.services.users import get_user

    if not read_settings(session).host:
        update_settings(session, **DEMO_MAIL)
    admin = get_user(session, "admin")
    if not admin.email:
        admin.email = ADMIN_EMAIL


def seed_workflow(session: Session) -> None:
    from ordercraft.core.workflow.demo import seed_workflow as seed

    seed(session)


#: Opening stock, received a month before today: (warehouse, sku, qty, unit cost). Enough
#: for part of the school's order; processors and mainboards fall short (DESIGN.md).
OPENING_STOCK = [
    ("MAIN", "ROBOT-STD", "6", "980.00"), ("MAIN", "KIT-CONSTRUCT", "12", "210.00"),
    ("PARTS", "CPU-A4", "8", "62.00"), ("PARTS", "CPU-A8", "2", "108.00"),
    ("PARTS", "MB-S", "10", "44.00"), ("PARTS", "MB-M", "6", "71.00"),
    ("PARTS", "MB-L", "2", "97.00"), ("PARTS", "CASE-S", "10", "31.00"),
    ("PARTS", "CASE-M", "12", "42.00"), ("PARTS", "CASE-L", "6", "57.00"),
    ("PARTS", "PAINT-BLUE", "12.5", "11.20"), ("PARTS", "PAINT-RED", "8", "11.20"),
    ("PARTS", "PAINT-BLACK", "15", "9.80"), ("PARTS", "PAINT-WHITE", "10.25", "9.80"),
    ("PARTS", "HINGE-25", "200", "0.42"), ("PARTS", "SCREW-M3", "2000", "0.018"),
    ("PARTS", "SERVO-MG", "40", "7.80"), ("PARTS", "MOTOR-DC6", "60", "5.10"),
    ("PARTS", "BATT-7V4", "24", "14.50"), ("PARTS", "SENSOR-US", "50", "2.35"),
    ("PARTS", "SENSOR-IR", "80", "1.05"), ("PARTS", "WHEEL-65", "120", "1.60"),
    ("PARTS", "CABLE-SET", "40", "2.90"),
]


def seed_stock(session: Session) -> None:
    """Opening stock, a later delivery of processors at another price (two FIFO layers),
    and motors issued to production."""
    from datetime import timedelta

    from sqlalchemy import select

    from ordercraft.core.stock import api as stock
    from ordercraft.core.stock.models import StockDocument

    if session.scalar(select(StockDocument.id).where(StockDocument.ref == "OPENING-MAIN")):
        return  # posted already (references are unique): nothing to add
    today = date.today()
    for warehouse in ("MAIN", "PARTS"):
        stock.post(session, "receipt", [
            {"item": sku, "warehouse": place, "qty": qty, "unit_cost": cost}
            for place, sku, qty, cost in OPENING_STOCK if place == warehouse],
            date=today - timedelta(days=30), ref=f"OPENING-{warehouse}",
            note="Opening stock")
    stock.receive(session, "CPU-A4", "PARTS", 4, "65.00", date=today - timedelta(days=10),
                  ref="PO-2041")
    stock.issue(session, "MOTOR-DC6", "PARTS", 8, date=today - timedelta(days=5),
                note="Drive units for the demonstration robots")


#: The core's demo data, in order. A later part of the core (stock receipts, ...) adds its
#: seeder at the end; it runs once on every demo site, including existing ones.
CORE_SEEDERS: list[Seeder] = [
    Seeder("users", seed_users),
    Seeder("warehouses", seed_warehouses),
    Seeder("items", seed_items),
    Seeder("calculator-parts", seed_calculator_parts),
    Seeder("parties", seed_parties),
    Seeder("mail", seed_mail),
    Seeder("workflow", seed_workflow),
    Seeder("stock", seed_stock),
]


def _read_seeded(session: Session) -> tuple[object, list[str]] | None:
    from ordercraft.core.models import SiteSetting

    setting = session.get(SiteSetting, SEEDED_SETTING, with_for_update=True)
    if setting is None:
        return None
    return setting, list(json.loads(setting.value or "[]"))


def seed_demo(platform: Platform, admin_password: str | None = None) -> DemoResult:
    """Create the demo site if there is none, then seed what it does not have yet.

    Refuses a site that ``ordercraft demo`` did not create: demo data never lands in a
    real site's database.
    """
    from ordercraft.core.models import SiteSetting
    from ordercraft.core.site import initialise_site

    from_environment = admin_password is None and bool(os.environ.get("ORDERCRAFT_ADMIN_PASSWORD"))
    password = admin_password or os.environ.get("ORDERCRAFT_ADMIN_PASSWORD") or ADMIN_PASSWORD
    created = initialise_site(platform, password).created
    if created:
        with platform.session() as session:
            session.add(SiteSetting(key=SEEDED_SETTING, value="[]"))
    platform.start()
    result = DemoResult(created=created, admin_password_from_environment=from_environment)
    with platform.session() as session:
        state = _read_seeded(session)
        if state is None:
            from ordercraft.core.cli.common import display_url

            raise Conflict(f"the site at {display_url(platform.database_url)} was not created by "
                           "'ordercraft demo'; demo data goes only into a demo site (choose "
                           "another database with --db)", code="not_a_demo_site")
        setting, done = state
        for seeder in CORE_SEEDERS:
            key = f"core:{seeder.name}"
            if key not in done:
                seeder.seed(session)
                done.append(key)
                result.seeded.append(key)
        pending = [p.name for p in platform.enabled_plugins
                   if "demo_data" in p.hooks and f"plugin:{p.name}" not in done]
        if pending:
            platform.hooks.demo_data(session, platform, plugins=pending)
            for name in pending:
                done.append(f"plugin:{name}")
                result.seeded.append(f"plugin:{name}")
        setting.value = json.dumps(done)
    result.users = {"admin": password}
    for name, *_rest in USERS:
        result.users[name] = name + PASSWORD_SUFFIX
    return result
