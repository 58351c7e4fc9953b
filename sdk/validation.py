"""Turning input (a CLI option, a form field, a JSON value, a spreadsheet cell) into a
typed value, or a :class:`~ordercraft.sdk.errors.ValidationError` that names the field
and quotes the value — the same checks the core's own fields get::

    from ordercraft.sdk import validation

    note = validation.text(raw, field="note", max_length=500, multiline=True)
    qty = validation.decimal(raw, field="qty", places=3)
    due = validation.day(raw, field="due_date")                 # a date, or None
    at = validation.moment(raw, field="at")                     # naive UTC, or None
    kind = validation.choice(raw, field="kind", choices=("good", "service"))

Each message starts with ``"<field>: "`` (``"qty: 'abc' is not a number"``), so one
message serves the CLI, the JSON API and the spreadsheet import. :func:`invalid` makes
such an error for a check of your own. :class:`Mistakes` gathers the mistakes of several
fields so that all are reported at once; :class:`FieldRule` states what a form field
accepts, for both its check and its input's attributes (``maxlength``, ``step``...;
:func:`input_attributes` gives them for a form's rules).
"""

from ordercraft.core.services.fields import (
                                             FieldRule,
                                             Mistakes,
                                             check_all,
                                             choice,
                                             code,
                                             day,
                                             decimal,
                                             email,
                                             flag,
                                             input_attributes,
                                             invalid,
                                             moment,
                                             phone,
                                             text,
                                             whole_number,
                                             word,
                                             words,
)

__all__ = ["FieldRule", "Mistakes", "check_all", "choice", "code", "day", "decimal", "email", "flag",
           "input_attributes", "invalid", "moment", "phone", "text", "whole_number", "word",
           "words"]
