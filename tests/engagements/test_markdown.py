import pytest
from django.template import Context, Template

from engagements.templatetags.markdown_tags import render_markdown


def render(text: str) -> str:
    return Template("{% load markdown_tags %}{{ text|markdown }}").render(Context({"text": text}))


def test_it_renders_emphasis_lists_and_links():
    html = render(
        "Agreed on *lithium* and **copper**:\n\n- one\n- two\n\n[IDB](https://www.iadb.org)"
    )
    assert "<em>lithium</em>" in html and "<strong>copper</strong>" in html
    assert "<ul>" in html and "<li>one</li>" in html
    assert '<a href="https://www.iadb.org" rel="noopener noreferrer nofollow">IDB</a>' in html


def test_it_renders_tables_code_and_quotes():
    html = render("| Mineral | t |\n|---|---|\n| Lithium | 5 |\n\n> quoted\n\n`code`")
    assert "<table>" in html and "<td>Lithium</td>" in html
    assert "<blockquote>" in html and "<code>code</code>" in html


def test_top_level_headings_are_demoted_to_h3():
    html = render("# Outcome\n\n## Next\n\n#### Detail")
    assert "<h1" not in html and "<h2" not in html
    assert html.count("<h3>") == 2 and "<h4>Detail</h4>" in html


def test_script_tags_are_removed_with_their_content():
    html = render("Before <script>alert('x')</script> after")
    assert "<script" not in html and "alert" not in html
    assert "Before" in html and "after" in html


def test_javascript_links_lose_their_href():
    for link in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "jav&#x09;ascript:alert(1)"):
        html = render(f'[click]({link}) and <a href="{link}">raw</a>')
        assert "href" not in html, html
        assert "click" in html


def test_img_with_onerror_is_dropped():
    html = render('<img src="x" onerror="alert(1)"> text')
    assert "<img" not in html and "onerror" not in html and "text" in html


def test_event_and_style_attributes_are_stripped():
    html = render('<p onclick="steal()" style="color:red" class="x">para</p>')
    assert "onclick" not in html and "style" not in html and "class" not in html
    assert "<p>para</p>" in html


def test_data_urls_are_not_kept():
    html = render(
        "[d](data:text/html;base64,PHNjcmlwdD4=) ![i](data:image/png;base64,AAAA) "
        '<a href="data:text/html,hi">raw</a>'
    )
    assert "data:" not in html and "<img" not in html


def test_relative_and_other_scheme_links_are_not_kept_but_mailto_is():
    html = render("[a](/admin/) [b](ftp://x.org/f) [c](mailto:desk@example.org)")
    assert 'href="/admin/"' not in html and "ftp:" not in html
    assert 'href="mailto:desk@example.org"' in html


def test_iframes_forms_and_svg_are_removed():
    html = render(
        '<iframe src="https://x.org"></iframe><form action="/x"><input></form>'
        '<svg onload="x()"></svg>ok'
    )
    for tag in ("<iframe", "<form", "<input", "<svg", "onload"):
        assert tag not in html
    assert "ok" in html


@pytest.mark.parametrize("empty", ["", None])
def test_empty_text_renders_nothing(empty):
    assert render_markdown(empty) == ""


def test_output_is_marked_safe_and_not_escaped_twice():
    html = render("a & b < c")
    assert "a &amp; b &lt; c" in html
    assert "&amp;amp;" not in html
