"""Parties: clients, suppliers or both, with their group tags, legal entities (the legal
persons a party trades through, each valid for a period) and contacts.

Every function takes the operation's session, checks the acting user's permission
(``party.read`` / ``party.write``) and refuses a mistake with an error naming the field::

    from ordercraft.sdk import parties

    party = parties.get_party(session, "Robotics School No. 5")     # by name or id
    parties.update_party(session, party.id, add_tags=["school"], phone="+44 20 7946 0100")
    parties.add_contact(session, party.id, name="Olivia Grant", email="olivia@school.example")
    page = parties.list_parties(session, kind="client", tags=["school"], limit=25)
    [parties.party_dict(p) for p in page.items]                     # JSON-safe values

A party's name is unique regardless of case, and so is a non-empty tax id.
``PARTY_FIELDS`` are the fields a caller may set (``create_party(session, name,
**values)``); ``clean_party_values`` validates such values without saving them.
"""

from ordercraft.core.services.parties import (
                                              CONTACT_FIELDS,
                                              LEGAL_ENTITY_FIELDS,
                                              PARTY_FIELDS,
                                              add_contact,
                                              add_legal_entity,
                                              clean_party_values,
                                              contact_dict,
                                              create_party,
                                              get_contact,
                                              get_legal_entity,
                                              get_party,
                                              legal_entity_dict,
                                              list_contacts,
                                              list_legal_entities,
                                              list_parties,
                                              manager_ids,
                                              party_dict,
                                              update_contact,
                                              update_legal_entity,
                                              update_party,
)

__all__ = ["CONTACT_FIELDS", "LEGAL_ENTITY_FIELDS", "PARTY_FIELDS", "add_contact",
           "add_legal_entity", "clean_party_values", "contact_dict", "create_party",
           "get_contact", "get_legal_entity", "get_party", "legal_entity_dict", "list_contacts",
           "list_legal_entities", "list_parties", "manager_ids", "party_dict", "update_contact",
           "update_legal_entity", "update_party"]
