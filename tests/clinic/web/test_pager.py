"""The previous / next links of a paged list (templates/_pager.html)."""

from __future__ import annotations

from types import SimpleNamespace

from hemispasm.clinic.web.pages import templates

WORKLIST = (
    '{% set pager_url = "/worklist?due=" ~ due ~ "&q=" ~ (q | urlencode) ~ "&" %}'
    '{% include "_pager.html" %}'
)


def _render(page: int, pages: int) -> str:
    template = templates.env.from_string(WORKLIST)
    return template.render(result=SimpleNamespace(page=page), pages=pages, due="overdue", q="a b&c")


def test_it_links_both_neighbours_keeping_the_tab_and_the_search():
    html = _render(2, 3)
    assert 'rel="prev" href="/worklist?due=overdue&amp;q=a%20b%26c&amp;page=1"' in html
    assert 'rel="next" href="/worklist?due=overdue&amp;q=a%20b%26c&amp;page=3"' in html
    assert "Page 2 of 3" in html


def test_it_offers_no_link_past_either_end():
    assert 'rel="prev"' not in _render(1, 3)
    assert 'rel="next"' not in _render(3, 3)


def test_a_single_page_has_no_pager():
    assert "pager" not in _render(1, 1)
