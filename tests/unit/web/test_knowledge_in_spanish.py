"""Knowledge articles in Spanish: every sample article has its Spanish, loaded from knowledge.yaml, edited by
supervisors, found by a Spanish-speaking caller's words, and shown to the call-taker beside the English."""
import re
from datetime import date

import pytest
import yaml
from sqlalchemy import create_engine, text

from services.intake.knowledge import articles
from services.intake.knowledge.search import search
from services.intake.knowledge.search_index import ensure_search_index
from services.intake.knowledge.translations import in_language
from services.intake.web.console_pages import answer_versions
from tests.unit.web.conftest import ON_A_SUMMER_DAY, SAMPLE
from tests.unit.web.harness import web_client

SUPERVISOR = ("lee", "lee-supervisor-311!")


def found(uow_factory, query, today=ON_A_SUMMER_DAY):
    with uow_factory() as uow:
        result = search(uow.session, query, today)
        return [a.slug for a in result.articles], result.corrected


def write_articles(tmp_path, entries):
    path = tmp_path / "knowledge.yaml"
    path.write_text(yaml.safe_dump({"articles": entries}, allow_unicode=True), encoding="utf-8")
    return path


ZOO = {"id": "kb-zoo", "question": "When does the zoo open?", "answer": "Daily 9 to 5 (sample).",
       "keywords": ["zoo", "animals"]}


# -- the sample file ----------------------------------------------------------------------------
def test_every_sample_article_is_in_spanish():
    drafts = articles.load_articles_file(SAMPLE / "knowledge.yaml")
    assert len(drafts) > 40
    missing = [d.slug for d in drafts if not (d.question_es and d.answer_es and d.keywords_es)]
    assert missing == [], "give these articles their `translations: {es: {question, answer, keywords}}`"
    untranslated = [d.slug for d in drafts if d.question_es == d.question or d.answer_es == d.answer]
    assert untranslated == []
    assert all(d.question_es.startswith("¿") or "¿" in d.question_es for d in drafts)


# -- loading ------------------------------------------------------------------------------------
def test_the_translations_block_is_loaded(tmp_path):
    path = write_articles(tmp_path, [{**ZOO, "translations": {"es": {
        "question": "¿Cuándo abre el zoológico?", "answer": "Todos los días de 9 a 5 (ejemplo).",
        "keywords": ["zoológico", "animales"]}}}, {**ZOO, "id": "kb-zoo-2"}])
    spanish, english_only = articles.load_articles_file(path)
    assert (spanish.question_es, spanish.answer_es, spanish.keywords_es) == (
        "¿Cuándo abre el zoológico?", "Todos los días de 9 a 5 (ejemplo).", "zoológico, animales")
    assert (english_only.question_es, english_only.answer_es, english_only.keywords_es) == (None, None, None)


@pytest.mark.parametrize("translations, where, says", [
    ({"fr": {"question": "Quand ?", "answer": "Toujours."}}, "translations.fr", "not a language intake offers"),
    ({"es": {"question": "¿Cuándo?", "answer": "Siempre.", "department": "ZOO"}}, "translations.es.department",
     "not translatable"),
    ({"es": {"question": "¿Cuándo?", "answer": "  "}}, "translations.es.answer", "empty"),
    ({"es": {"answer": "Siempre."}}, "question_es", "required with a Spanish answer"),
    ({"es": {"question": "¿Cuándo?"}}, "answer_es", "required with a Spanish question"),
    ({"es": {"question": "¿" + "x" * 300 + "?", "answer": "Siempre."}}, "question_es", "at most 300 characters"),
    ({"es": "¿Cuándo?"}, "translations.es", "a map of question, answer and keywords"),
    (["es"], "translations", "a map from a language code"),
])
def test_a_bad_translation_in_the_file_is_named(tmp_path, translations, where, says):
    path = write_articles(tmp_path, [ZOO, {**ZOO, "id": "kb-zoo-2", "translations": translations}])
    with pytest.raises(articles.ArticleError) as caught:
        articles.load_articles_file(path)
    message = str(caught.value)
    assert "articles[1]" in message and where in message and says in message, message


def test_seeding_stores_the_spanish(intake_db):
    with intake_db() as uow:
        article = articles.by_slug(uow.session, "kb-trash-day")
        assert article.question_es == "¿Qué día recogen mi basura?"
        assert "una vez por semana" in article.answer_es and "basura" in article.keywords_es
        assert in_language(article, "es") == (article.question_es, article.answer_es)
        assert in_language(article, "en") == (article.question, article.answer)


# -- editing ------------------------------------------------------------------------------------
@pytest.mark.parametrize("spanish, field, says", [
    ({"answer_es": "Todos los días."}, "question_es", "required with a Spanish answer"),
    ({"keywords_es": "zoológico"}, "question_es", "required with a Spanish answer or keywords"),
    ({"question_es": "¿Cuándo abre?"}, "answer_es", "required with a Spanish question"),
    ({"question_es": "¿" + "x" * 299 + "?", "answer_es": "Sí."}, "question_es", "at most 300 characters"),
    ({"question_es": "¿Cuándo?", "answer_es": "x" * 20_001}, "answer_es", "at most 20000 characters"),
    ({"question_es": "¿Cuándo?", "answer_es": "Sí.", "keywords_es": "x" * 2_001}, "keywords_es",
     "at most 2000 characters"),
])
def test_a_bad_spanish_text_names_its_field(spanish, field, says):
    with pytest.raises(articles.ArticleError) as caught:
        articles.check_article({**ZOO, **spanish})
    assert says in caught.value.problems[field]


def test_spanish_is_optional():
    draft = articles.check_article({**ZOO, "question_es": "  ", "answer_es": "", "keywords_es": ""})
    assert (draft.question_es, draft.answer_es, draft.keywords_es) == (None, None, None)


@pytest.fixture
def web(tmp_path):
    return web_client(tmp_path)


def page_text(response):
    return response.get_data(as_text=True)


def test_a_supervisor_edits_the_spanish(web):
    client, uow = web
    client.sign_in(*SUPERVISOR)
    form = page_text(client.get("/console/knowledge/kb-trash-day"))
    assert 'name="question_es"' in form and "¿Qué día recogen mi basura?" in form
    fields = {"id": "kb-trash-day", "question": "What day is my trash picked up?", "answer": "Once a week.",
              "question_es": "¿Qué día pasa el camión de la basura?", "answer_es": "Una vez por semana.",
              "keywords_es": "camión, basura"}
    response = client.form_post("/console/knowledge/kb-trash-day", "/console/knowledge/kb-trash-day", fields)
    assert response.status_code == 303, page_text(response)
    with uow() as unit:
        article = articles.by_slug(unit.session, "kb-trash-day")
        assert (article.question_es, article.answer_es, article.keywords_es) == (
            "¿Qué día pasa el camión de la basura?", "Una vez por semana.", "camión, basura")
    listed = page_text(client.get("/console/knowledge?q=cami%C3%B3n"))
    assert '<span class="hint" lang="es">¿Qué día pasa el camión de la basura?</span>' in listed
    response = client.form_post("/console/knowledge/kb-trash-day", "/console/knowledge/kb-trash-day",
                                {**fields, "question_es": "", "answer_es": "", "keywords_es": ""})
    assert response.status_code == 303
    with uow() as unit:
        assert articles.by_slug(unit.session, "kb-trash-day").question_es is None


def test_a_spanish_answer_without_its_question_is_refused_keeping_what_was_typed(web):
    client, uow = web
    client.sign_in(*SUPERVISOR)
    response = client.form_post("/console/knowledge/new", "/console/knowledge/new", {
        "id": "kb-zoo", "question": "When does the zoo open?", "answer": "Daily.",
        "answer_es": "Todos los días de 9 a 5."})
    page = page_text(response)
    assert response.status_code == 400
    assert 'id="question_es-error"' in page and "required with a Spanish answer" in page
    assert "Todos los días de 9 a 5.</textarea>" in page
    response = client.form_post("/console/knowledge/new", "/console/knowledge/new", {
        "id": "kb-zoo", "question": "When does the zoo open?", "answer": "Daily.",
        "question_es": "¿" + "z" * 320 + "?", "answer_es": "Todos los días."})
    assert response.status_code == 400 and "at most 300 characters" in page_text(response)
    with uow() as unit:
        assert articles.by_slug(unit.session, "kb-zoo") is None


# -- searching in Spanish -----------------------------------------------------------------------
@pytest.mark.parametrize("query, expected", [
    ("¿Qué día recogen la basura?", "kb-trash-day"),
    ("multa de estacionamiento", "kb-parking-ticket-pay"),
    ("quiero tirar un colchón viejo", "kb-bulk-pickup"),
    ("horario de la biblioteca", "kb-library-hours"),
    ("se llevaron mi carro con la grua", "kb-towed-car"),
    ("factura del agua muy alta", "kb-water-bill-high"),
    ("¿Qué es Boomsday?", "kb-boomsday"),
])
def test_spanish_words_find_the_article(intake_db, query, expected):
    slugs, _ = found(intake_db, query)
    assert slugs and slugs[0] == expected, slugs


def test_spanish_typos_are_corrected(intake_db):
    slugs, corrected = found(intake_db, "horario biblioteka")
    assert slugs[0] == "kb-library-hours" and corrected == "horario biblioteca"


def test_spanish_added_by_staff_is_searchable_at_once(intake_db):
    assert found(intake_db, "zoológico")[0] == []
    with intake_db() as uow:
        articles.save(uow.session, articles.check_article({
            **ZOO, "question_es": "¿Cuándo abre el zoológico?", "answer_es": "Todos los días."}), "lee")
    assert found(intake_db, "zoologico")[0] == ["kb-zoo"]


def test_an_english_only_index_is_replaced_by_one_with_the_spanish(tmp_path):
    """A database whose FTS table predates the Spanish columns gets the new one at start-up."""
    from shared.persistence.migrations import upgrade
    url = f"sqlite:///{tmp_path}/old.sqlite"
    upgrade("intake", url)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "CREATE VIRTUAL TABLE knowledge_fts USING fts5(question, keywords, answer, "
            "content='knowledge_articles', content_rowid='id')"))
        connection.execute(text(
            "CREATE TRIGGER knowledge_fts_insert AFTER INSERT ON knowledge_articles BEGIN "
            "INSERT INTO knowledge_fts(rowid, question, keywords, answer) "
            "VALUES (new.id, new.question, new.keywords, new.answer); END"))
    with engine.begin() as connection:
        ensure_search_index(connection)
        connection.execute(text(
            "INSERT INTO knowledge_articles (slug, question, answer, keywords, question_es, answer_es, sample, "
            "updated_at) VALUES ('kb-zoo', 'Zoo?', 'Daily.', '', '¿Zoológico?', 'Todos los días.', 0, "
            "'2026-01-01')"))
        columns = [row[1] for row in connection.execute(text("PRAGMA table_info(knowledge_fts)"))]
        hits = connection.execute(text("SELECT rowid FROM knowledge_fts WHERE knowledge_fts MATCH 'todos'")).all()
    engine.dispose()
    assert columns == ["question", "keywords", "answer", "question_es", "keywords_es", "answer_es"]
    assert len(hits) == 1


# -- the call-taker's page ------------------------------------------------------------------------
def answers_on(page):
    """(language, question) of each text shown, in page order, for the first answer."""
    first = page.split('<li class="answer">')[1].split("</li>")[0]
    return re.findall(r'data-lang="(\w+)">.*?<h[34]>([^<]+)</h[34]>', first, re.S)


def test_the_call_taker_reads_the_answer_in_both_languages(web):
    client, _ = web
    client.sign_in()
    page = page_text(client.get("/console?q=recogen+la+basura"))
    assert answers_on(page) == [("en", "What day is my trash picked up?"), ("es", "¿Qué día recogen mi basura?")]
    assert 'lang="es"' in page and "Saque los contenedores a la acera" in page


def test_a_console_in_spanish_shows_the_spanish_first(web):
    client, _ = web
    client.sign_in()
    client.get("/language/es?next=/console")
    page = page_text(client.get("/console?q=trash+day"))
    assert answers_on(page) == [("es", "¿Qué día recogen mi basura?"), ("en", "What day is my trash picked up?")]
    assert "En español" in page


def test_an_article_without_spanish_shows_only_english():
    class Article:
        question, answer, question_es, answer_es = "Zoo?", "Daily.", None, None
    assert answer_versions(Article(), "es") == [{"lang": "en", "question": "Zoo?", "answer": "Daily."}]
    Article.question_es, Article.answer_es = "¿Zoo?", "Diario."
    assert [v["lang"] for v in answer_versions(Article(), "es")] == ["es", "en"]
    assert [v["lang"] for v in answer_versions(Article(), "en")] == ["en", "es"]


def test_seasonal_spanish_articles_keep_their_dates(intake_db):
    assert "kb-christmas-trees" in found(intake_db, "árbol de navidad", today=date(2027, 1, 5))[0]
    assert "kb-christmas-trees" not in found(intake_db, "árbol de navidad", today=date(2026, 8, 1))[0]
