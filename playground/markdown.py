"""Show untrusted text (URL values, what a student types) inside the Markdown that Streamlit renders.

``st.markdown``, captions, alerts, metric labels/values/deltas and ``st.table`` cells all render
GitHub-flavoured Markdown, so a value such as ``[Log in](https://ev.il)`` or ``![](https://ev.il/p.png)``
would become a live link or a remote image. Every user value goes through ``escape_markdown`` (in prose) or
``code_span`` (shown as code) before it is put into such text.

Backslash escapes alone do not stop GFM's bare-URL autolinks: Streamlit's remark-gfm links ``www.``,
``http(s)://`` and ``name@host.tld`` found in the parsed text, after escapes are resolved. So a WORD JOINER
(U+2060, invisible, no line break) is put after ``www`` and ``http`` and before ``@``, which those patterns
cannot match across.
"""
from __future__ import annotations

import re

WORD_JOINER = "\u2060"
# ASCII punctuation that means something to CommonMark, GFM (tables, strikethrough, footnotes, autolinks) or
# Streamlit's extras (``$`` maths, ``:red[...]`` directives, ``:emoji:`` and ``:material/icon:`` shortcodes).
# CommonMark lets a backslash stand before any ASCII punctuation, so each escape renders as the bare character.
MARKDOWN_SPECIAL = frozenset("\\`*_{}[]()<>#+-.!|~$&:=^")
_AUTOLINK_START = re.compile(r"(www|http)", re.IGNORECASE)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BACKTICK_RUN = re.compile(r"`+")


def _inline(text: object) -> str:
    """``text`` as one line: a line break could start a heading, a list or a new paragraph."""
    return _LINE_BREAK.sub(" ", str(text))


def _break_autolinks(text: str) -> str:
    """Put a word joiner where GFM's bare-URL and e-mail autolinks would match, so they cannot."""
    return _AUTOLINK_START.sub(lambda m: m.group(0) + WORD_JOINER, text).replace("@", WORD_JOINER + "@")


def escape_markdown(text: object) -> str:
    """``text`` as Markdown that renders exactly its characters (line breaks become spaces, and word joiners
    keep bare URLs from being linked): no link, image, HTML, emphasis, maths or block can come from it."""
    escaped = _break_autolinks(_inline(text))
    return "".join("\\" + char if char in MARKDOWN_SPECIAL else char for char in escaped)


def code_span(text: object) -> str:
    """``text`` as one inline code span whose fence is longer than any backtick run inside, so it cannot close
    early (line breaks become spaces: a blank line or a heading would end the paragraph mid-span)."""
    content = _inline(text)
    fence = "`" * (1 + max((len(run) for run in _BACKTICK_RUN.findall(content)), default=0))
    if not content.strip(" "):
        content = content or " "  # spaces only are kept as they are; an empty span would be two bare backticks
    elif content[0] == "`" or content[-1] == "`" or (content[0] == " " and content[-1] == " "):
        content = f" {content} "  # a backtick must not touch the fence; CommonMark strips one space from each side
    return f"{fence}{content}{fence}"
