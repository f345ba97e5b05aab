"""A request's timeline in the visitor's language.

The public record keeps each note as the English sentence services/intake/public_record.py wrote.
The sentences it writes are known, so the track page reads them back into a message and its
values and shows that message translated; any other text (a department's own note, a sentence
the public record has started writing since) is shown as it was written.
"""
import re

from shared.i18n import N_

# (the English sentence as public_record.py writes it, the message to show instead); first match wins
_SENTENCES = (
    (re.compile(r"Received; we will route it to the right department\."),
     N_("Received; we will route it to the right department.")),
    (re.compile(r"Routed to (?P<department>.+) \(by hand\)\."), N_("Routed to %(department)s (by hand).")),
    (re.compile(r"Routed to (?P<department>.+)\."), N_("Routed to %(department)s.")),
    (re.compile(r"Already reported as request (?P<number>\S+); you will hear its news\."),
     N_("Already reported as request %(number)s; you will hear its news.")),
    (re.compile(r"Waiting for a 311 agent: (?P<reason>.*)", re.S), N_("Waiting for a 311 agent: %(reason)s")),
    (re.compile(r"Work order created; waiting for a crew\."), N_("Work order created; waiting for a crew.")),
    (re.compile(r"Crew assigned\."), N_("Crew assigned.")),
    (re.compile(r"Work in progress\."), N_("Work in progress.")),
    (re.compile(r"Work on hold\."), N_("Work on hold.")),
    (re.compile(r"Reopened\."), N_("Reopened.")),
    (re.compile(r"Work order cancelled\."), N_("Work order cancelled.")),
    (re.compile(r"Status updated by the department\."), N_("Status updated by the department.")),
    (re.compile(r"Closed with request (?P<number>\S+): (?P<resolution>.*)", re.S),
     N_("Closed with request %(number)s: %(resolution)s")),
    (re.compile(r"Closed: (?P<resolution>.*)", re.S), N_("Closed: %(resolution)s")),
)


def note_text(sentence, gettext):
    """The note `sentence` in the visitor's language (`gettext` fills %(name)s values), else as written."""
    for pattern, message in _SENTENCES:
        match = pattern.fullmatch(sentence or "")
        if match:
            return gettext(message, **match.groupdict())
    return sentence


def translated_notes(notes, gettext):
    """The record's notes, each with its description in the visitor's language."""
    return [{**note, "description": note_text(note["description"], gettext)} for note in notes]
