"""Staff edit the knowledge base: list and search every article, add one, change one."""
from datetime import datetime

from werkzeug.datastructures import MultiDict

from services.intake.knowledge import articles
from services.intake.knowledge.search import search

_FIELDS = ("id", "question", "answer", "department", "keywords", "valid_from", "valid_until",
           "question_es", "answer_es", "keywords_es")


def article_list(page):
    query = page.args.get("q", "").strip()
    with page.uow() as uow:
        if query:
            rows = search(uow.session, query, datetime.now(page.jurisdiction.timezone).date(), limit=50).articles
        else:
            rows = articles.all_articles(uow.session)
    return page.render("console/knowledge_list.html", q=query, articles=rows, saved=page.args.get("saved"))


def edit_form(page, slug=None):
    values = MultiDict()
    if slug:
        with page.uow() as uow:
            article = articles.by_slug(uow.session, slug)
        if article is None:
            return page.render("error.html", status=404, message=f"There is no article {slug}.")
        values = MultiDict(_values(article))
    return page.render("console/knowledge_edit.html", slug=slug, values=values, errors={})


def save(page, slug=None):
    form = MultiDict(page.form)
    try:
        draft = articles.check_article({name: form.get(name, "") for name in _FIELDS})
        with page.uow() as uow:
            if slug and articles.by_slug(uow.session, slug) is None:
                return page.render("error.html", status=404, message=f"There is no article {slug}.")
            saved = articles.save(uow.session, draft, page.staff.username, slug=slug).slug
    except articles.ArticleError as exc:
        return page.render("console/knowledge_edit.html", status=400, slug=slug, values=form, errors=exc.problems)
    return page.redirect(f"/console/knowledge?saved={saved}")


def _values(article):
    return {"id": article.slug, "question": article.question, "answer": article.answer,
            "department": article.department or "", "keywords": article.keywords or "",
            "valid_from": article.valid_from.isoformat() if article.valid_from else "",
            "valid_until": article.valid_until.isoformat() if article.valid_until else "",
            "question_es": article.question_es or "", "answer_es": article.answer_es or "",
            "keywords_es": article.keywords_es or ""}
