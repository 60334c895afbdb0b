"""Chinese line breaking for printed documents (避头尾): no line starts with a closing mark.

The PDF library breaks Chinese text at any character, so a notice's 督办事由 could print a line
that starts with 「，」 or 「。」, which no official document does. :func:`kinsoku` takes the lines
as broken and hangs such marks at the end of the line before (悬挂标点: they stand a little into
the margin), and moves an opening bracket that ended a line to the start of the next.
"""
from __future__ import annotations

__all__ = ["NO_START", "NO_END", "kinsoku"]

#: marks that never start a line (closing punctuation, Chinese and Latin)
NO_START = frozenset("，。、；：？！）》」』】〕〉”’…—·%‰,.;:?!)]}")
#: marks that never end a line (opening brackets and quotes)
NO_END = frozenset("（《「『【〔〈“‘([{")


def kinsoku(lines: list[str]) -> list[str]:
    """``lines`` as a line breaker broke them, with no line starting with a :data:`NO_START`
    mark and none ending with a :data:`NO_END` one; empty lines (paragraph breaks) are kept,
    and the text read line after line is unchanged."""
    out: list[str] = []
    for line in lines:
        if not line:
            out.append("")  # a paragraph break: the next paragraph may start with anything
            continue
        if out and out[-1]:  # the line before, in the same paragraph
            while line and line[0] in NO_START:
                out[-1] += line[0]
                line = line[1:]
            while line and len(out[-1]) > 1 and out[-1][-1] in NO_END:
                line = out[-1][-1] + line
                out[-1] = out[-1][:-1]
        if line:  # a line whose every mark hung on the line before is gone
            out.append(line)
    return out
