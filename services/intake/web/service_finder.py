"""Picking the service from the words a caller uses ("the bin wasn't emptied" → Missed garbage pickup)."""
import difflib

from services.intake.knowledge.search import terms


def find_services(catalog, words, limit=8):
    """Services best matching `words` over names, keywords, groups and descriptions; all when `words` is empty."""
    asked = terms(words or "")
    if not asked:
        return list(catalog.services)
    scored = [(score, index, service) for index, service in enumerate(catalog.services)
              if (score := _score(service, asked)) > 0]
    return [service for _, _, service in sorted(scored, key=lambda s: (-s[0], s[1]))][:limit]


def _score(service, asked):
    fields = ((3.0, service.service_name), (2.5, " ".join(service.keywords)), (1.0, service.group or ""),
              (1.0, service.description))
    total = 0.0
    for weight, text in fields:
        words = terms(text)
        for word in asked:
            total += weight * max((_likeness(word, w) for w in words), default=0)
    return total


def _likeness(asked, word):
    """1 for the same word or word form, less for a near spelling, 0 for an unrelated word."""
    if asked == word or (len(asked) >= 4 and (word.startswith(asked) or asked.startswith(word) and len(word) >= 4)):
        return 1.0
    ratio = difflib.SequenceMatcher(None, asked, word).ratio()
    return ratio if ratio >= 0.8 else 0.0
