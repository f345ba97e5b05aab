"""Knowledge search on both databases: ranking, word forms, typos, seasonal dates, staff edits."""
from datetime import date

import pytest

from services.intake.knowledge import articles, contacts
from services.intake.knowledge.search import search, terms
from tests.unit.web.conftest import ON_A_SUMMER_DAY, SAMPLE, outbox_events


def slugs(uow_factory, query, today=ON_A_SUMMER_DAY):
    with uow_factory() as uow:
        result = search(uow.session, query, today)
        return [a.slug for a in result.articles], result.corrected


@pytest.mark.parametrize("query, expected", [
    ("what are the library hours", "kb-library-hours"),
    ("How do I pay my water bill?", "kb-water-bill-pay"),
    ("pick up my old couch", "kb-bulk-pickup"),
    ("what is boomsday", "kb-boomsday"),
    ("parking ticket", "kb-parking-ticket-pay"),
    ("what goes in the recycling cart", "kb-recycling-what"),
])
def test_the_best_answer_comes_first(intake_db, query, expected):
    found, _ = slugs(intake_db, query)
    assert found and found[0] == expected, found


def test_word_forms_match(intake_db):
    found, corrected = slugs(intake_db, "libraries opening")
    assert found[0] == "kb-library-hours" and corrected is None


def test_typos_are_corrected_and_said_so(intake_db):
    found, corrected = slugs(intake_db, "libary hours")
    assert found[0] == "kb-library-hours"
    assert corrected == "library hours"
    found, _ = slugs(intake_db, "boomsdya fireworks")
    assert found[0] == "kb-boomsday"


def test_seasonal_articles_only_in_season(intake_db):
    assert "kb-boomsday" in slugs(intake_db, "boomsday", today=date(2026, 9, 1))[0]
    assert "kb-boomsday" not in slugs(intake_db, "boomsday", today=date(2026, 12, 1))[0]
    assert "kb-christmas-trees" in slugs(intake_db, "christmas tree", today=date(2027, 1, 5))[0]


def test_nothing_to_search_finds_nothing(intake_db):
    assert slugs(intake_db, "   ") == ([], None)
    assert slugs(intake_db, "what is the")[0] == []
    assert slugs(intake_db, "\"quoted\" OR (weird) * : syntax -- ;")[0] is not None


def test_a_staff_edit_is_searchable_at_once(intake_db):
    with intake_db() as uow:
        draft = articles.check_article({"id": "kb-zoo", "question": "When does the zoo open?",
                                        "answer": "Daily 9 to 5 (sample).", "keywords": "zoo, animals, panda"})
        articles.save(uow.session, draft, "supervisor")
    assert slugs(intake_db, "panda")[0] == ["kb-zoo"]
    with intake_db() as uow:
        draft = articles.check_article({"id": "kb-zoo", "question": "When does the aquarium open?",
                                        "answer": "Daily.", "keywords": "fish"})
        articles.save(uow.session, draft, "supervisor", slug="kb-zoo")
    assert slugs(intake_db, "panda")[0] == []
    assert slugs(intake_db, "aquarium")[0] == ["kb-zoo"]


def test_seeding_keeps_staff_edits(intake_db):
    with intake_db() as uow:
        article = articles.by_slug(uow.session, "kb-library-hours")
        article.answer = "Edited by staff."
    with intake_db() as uow:
        added = articles.seed(uow.session, articles.load_articles_file(SAMPLE / "knowledge.yaml"), sample=True)
        assert added == 0
        assert articles.by_slug(uow.session, "kb-library-hours").answer == "Edited by staff."


def test_a_bad_article_names_every_bad_field():
    with pytest.raises(articles.ArticleError) as caught:
        articles.check_article({"id": "bad id!", "question": "", "answer": "x", "valid_from": "2026-13-01"})
    assert set(caught.value.problems) == {"id", "question", "valid_from"}


def test_the_sample_knowledge_base_is_valid_and_big_enough():
    drafts = articles.load_articles_file(SAMPLE / "knowledge.yaml")
    assert len(drafts) >= 40
    assert any(d.valid_until for d in drafts)


def test_answering_logs_an_information_contact(intake_db):
    with intake_db() as uow:
        article = articles.by_slug(uow.session, "kb-library-hours")
        contact = contacts.log_answer(uow, article.question, article, "phone", "ana")
    assert contact.contact_id == "info-0000001"
    logged = [e for e in outbox_events(intake_db) if e["event_type"] == "InformationRequestLogged"]
    assert logged[0]["data"] == {**logged[0]["data"], "contact_id": "info-0000001", "article_id": "kb-library-hours",
                                 "department": "LIBRARY", "channel": "phone", "call_taker": "ana"}


def test_terms_fold_accents_and_drop_stop_words():
    assert terms("¿Dónde está la BIBLIOTECA?") == ["donde", "esta", "biblioteca"] or \
        terms("¿Dónde está la BIBLIOTECA?") == ["esta", "biblioteca"]
