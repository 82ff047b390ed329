"""No link, image or HTML from a shared link or from what a student types, wherever Streamlit renders Markdown.

Each page is opened with hostile values in every one of its URL keys; the text of every element that renders
Markdown (markdown, captions, headings, alerts, metric label/value/delta, ``st.table`` cells, widget labels and
help, radio options, expander labels) is parsed with markdown-it-py. Streamlit's remark-gfm also links bare
``www.``/``http(s)://``/e-mail text found after escapes are resolved, so the parsed text is searched for those
patterns too. ``escape_markdown`` and ``code_span`` get round-trip properties of their own.
"""
from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token
from streamlit.testing.v1 import AppTest

from playground.markdown import WORD_JOINER, code_span, escape_markdown
from playground.parsing import MAX_CLASS_NAME_CHARS
from playground.urlstate import ParamSpec, finite_float, parse_params
from tests.app_pages import PAGE_FILES, open_page

URL_KEYS = {"overview": [], "softmax": ["logits", "T", "shift", "target", "classes"],
            "training": ["lr", "epochs", "seed", "norm", "l2"], "digits": ["model", "T"]}
HOSTILE = {
    "link": "[Log in](https://ev.il)",
    "image": "![](https://ev.il/p.png)",
    "backtick break-out": "1`[x](https://ev.il)`",
    "blank-line break-out": "`\n\n[x](https://ev.il)",
    "html": "<img src=https://ev.il/p>",
    "autolink": "<https://ev.il>",
    "bare url": "https://ev.il",
    "bare www": "www.ev.il",
    "bare e-mail": "x@ev.il",
}

# markdown-it-py's linkify rule needs linkify-it-py, which is optional: without it the pattern search in
# ``injections`` still finds what GFM would autolink.
if importlib.util.find_spec("linkify_it") is not None:
    MD = MarkdownIt("commonmark", {"linkify": True}).enable(["table", "strikethrough", "linkify"])
else:
    MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
# What Streamlit's remark-gfm turns into links inside plain text (mdast-util-gfm-autolink-literal's patterns).
GFM_AUTOLINK = re.compile(r"(?i)(https?://|www\.)|[-.\w+]+@[-\w]+(?:\.[-\w]+)+")
MARKDOWN_BODIES = {"markdown", "caption", "title", "header", "subheader", "error", "warning", "info", "success",
                   "toast"}


def _tokens(tokens: list[Token]) -> Iterator[Token]:
    """Every token, children included."""
    for token in tokens:
        yield token
        yield from _tokens(token.children or [])


def injections(source: str) -> list[str]:
    """What in this Markdown would render as a link, an image or HTML (empty when it is safe)."""
    found = []
    for token in _tokens(MD.parse(source)):
        if token.type in {"link_open", "image", "html_inline", "html_block"}:
            found.append(f"{token.type}: {token.content or token.attrs}")
        elif token.type == "text" and GFM_AUTOLINK.search(token.content):
            found.append(f"autolink in text: {token.content!r}")
    return found


def _table_texts(frame: pd.DataFrame) -> Iterator[str]:
    """Column names, index and every cell of a table, as text."""
    yield from (str(c) for c in frame.columns)
    yield from (str(i) for i in frame.index)
    for column in frame.columns:
        yield from (str(v) for v in frame[column])


def markdown_sources(at: AppTest) -> list[tuple[str, str]]:
    """(element type, text) for every piece of text on the page that Streamlit renders as Markdown."""
    sources: list[tuple[str, str]] = []

    def visit(node) -> None:
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        fields = proto.DESCRIPTOR.fields_by_name if proto is not None and hasattr(proto, "DESCRIPTOR") else {}
        if kind in MARKDOWN_BODIES:
            sources.append((kind, node.value))
        elif kind == "metric":
            sources.extend((kind, text) for text in (node.label, node.value, proto.delta))
        elif kind == "table":
            sources.extend((kind, text) for text in _table_texts(node.value))
        elif kind == "radio":
            sources.extend((kind, str(option)) for option in node.options)
        if kind not in MARKDOWN_BODIES and kind != "metric":
            label = getattr(node, "label", None) if kind != "table" else None
            if isinstance(label, str):
                sources.append((f"{kind} label", label))
        if "help" in fields and proto.help:
            sources.append((f"{kind} help", proto.help))
        for child in getattr(node, "children", {}).values():
            visit(child)

    visit(at._tree)
    return sources


def hostile_query(page: str, payload: str) -> dict[str, str]:
    """The payload in every URL key of the page (mixed into a list for logits, as one of three class names,
    last: the default logits 1, 2, 3 make it the argmax, so it reaches the metric and the prose too)."""
    query = {key: payload for key in URL_KEYS[page]}
    if page == "softmax":
        query["logits"] = f"3,{payload},1"
        query["classes"] = f"a,b,{payload}"
    if page == "overview":
        query = {"logits": payload, "classes": payload}
    return query


def assert_no_injection(at: AppTest) -> list[tuple[str, str]]:
    """No exception, and no link, image, HTML or autolinkable text in any Markdown on the page."""
    assert not at.exception, [e.value for e in at.exception]
    sources = markdown_sources(at)
    assert ("title", at.title[0].value) in sources  # the collector reaches the page's elements
    found = [(kind, text, problem) for kind, text in sources for problem in injections(text)]
    assert not found, found
    return sources


@pytest.mark.parametrize("payload", list(HOSTILE.values()), ids=list(HOSTILE))
@pytest.mark.parametrize("page", list(PAGE_FILES))
def test_hostile_url_values_render_no_link_image_or_html(page: str, payload: str):
    """Every URL key of the page holds the payload; each ignored value is shown whole in a code span."""
    query = hostile_query(page, payload)
    at = open_page(page, query)
    sources = assert_no_injection(at)
    shown = {token.content for kind, text in sources if kind == "warning"
             for token in _tokens(MD.parse(text)) if token.type == "code_inline"}
    accepted = {"classes"} if len(payload) <= MAX_CLASS_NAME_CHARS and "," not in payload else set()
    for key in sorted(set(URL_KEYS[page]) - accepted):  # the overview page reads no URL key
        assert f"{key}={query[key].replace(chr(10), ' ')}" in shown, (key, shown)
    if page == "softmax" and accepted:
        name = escape_markdown(payload)
        assert ("metric", name) in sources  # the hostile class name is the argmax, and on the page (escaped)
        assert any(kind == "table" and text == name for kind, text in sources)


@pytest.mark.parametrize("payload", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_logits_typed_in_the_explorer_render_no_link_image_or_html(payload: str):
    """What a student types in the logits box is as hostile as a URL: its error message stays plain text."""
    at = open_page("softmax", {})
    at.text_area(key="softmax_logits_text").input(f"3,{payload},1").run()
    assert_no_injection(at)
    assert len(at.error) == 1 and "is not a number" in at.error[0].value


# --- the helpers on their own ----------------------------------------------------------------------------

def _expected(text: str) -> str:
    """What a CommonMark renderer makes of ``text`` kept on one line: NUL becomes U+FFFD."""
    return re.sub(r"\r\n|\r|\n", " ", text).replace("\0", "\ufffd")


def _inline_text(source: str) -> tuple[str, set[str]]:
    """The rendered text of one paragraph and the kinds of inline token it holds."""
    (inline,) = [t for t in MD.parse(source) if t.type == "inline"]
    return "".join(child.content for child in inline.children), {child.type for child in inline.children}


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_escaped_text_renders_as_exactly_its_characters(text: str):
    """Round trip: markdown-it shows the escaped text as the original characters (word joiners aside), as plain
    text only, and nothing in it matches GFM's bare-URL autolinks."""
    rendered, kinds = _inline_text(f"x{escape_markdown(text)}y")
    assert rendered.replace(WORD_JOINER, "") == f"x{_expected(text)}y".replace(WORD_JOINER, "")
    assert kinds <= {"text"}, kinds
    assert not GFM_AUTOLINK.search(rendered)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_code_span_shows_exactly_the_text_as_one_code_span(text: str):
    """However many backticks, spaces or line breaks the text holds, it is one code span showing just that text."""
    (inline,) = [t for t in MD.parse(f"x {code_span(text)} y") if t.type == "inline"]
    codes = [child.content for child in inline.children if child.type == "code_inline"]
    assert codes == [_expected(text) or " "]
    assert {child.type for child in inline.children} == {"text", "code_inline"}


@pytest.mark.parametrize("payload", list(HOSTILE.values()), ids=list(HOSTILE))
def test_escaped_hostile_values_are_inert(payload: str):
    """Each hostile value, escaped, parses to no link, image, HTML or autolinkable text; unescaped it does."""
    assert injections(payload) or injections(f"`a={payload}`")  # really hostile, bare or in a naive code span
    assert not injections(escape_markdown(payload))
    assert not injections(f"Shown as {code_span(payload)}.")


@pytest.mark.parametrize("payload", list(HOSTILE.values()), ids=list(HOSTILE))
def test_url_warning_quotes_the_value_in_a_code_span_and_escapes_the_reason(payload: str):
    """``parse_params``: the ignored value is one code span showing it, the parser's reason cannot inject."""

    def echo(text: str) -> float:
        raise ValueError(f"{text!s} is bad")

    _, warnings = parse_params({"a": payload, "b": payload},
                               [ParamSpec("a", 1.0, echo), ParamSpec("b", 0.5, finite_float(0, 1))])
    assert len(warnings) == 2
    for key, warning in zip("ab", warnings):
        assert not injections(warning), warning
        codes = [t.content for t in _tokens(MD.parse(warning)) if t.type == "code_inline"]
        assert codes == [f"{key}={_expected(payload)}"]
