"""Routing's part of retention (shared/retention.py): a resident's "not fixed" survey comment, and the staff
note about following it up, are blanked once the comment is older than the cutoff and the request closed.
The comment always comes after the closing, so its age bounds the closing's; the decision record stays."""
from sqlalchemy import or_, select

from services.routing.models import RoutedRequest


def erase_batch(session, cutoff, limit, now=None):
    rows = session.execute(select(RoutedRequest).where(
        RoutedRequest.open.is_(False), RoutedRequest.not_fixed_at < cutoff,
        or_(RoutedRequest.not_fixed_comment.isnot(None), RoutedRequest.follow_up_note.isnot(None)))
        .limit(limit)).scalars().all()
    for row in rows:
        row.not_fixed_comment = row.follow_up_note = None
    return {"survey_comments": len(rows)}
