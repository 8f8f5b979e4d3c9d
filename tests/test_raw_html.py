"""No stored text reaches the browser as HTML: a static check of every page, the
entry and the package for ``unsafe_allow_html`` and ``st.html``-like calls."""

from __future__ import annotations

import ast
from pathlib import Path

from sqr_tracker.config import PROJECT_ROOT

# Calls that hand their text to the browser as HTML: st.html, a container's
# .html, components.html (st.components.v1.html).
HTML_CALLS = {"html"}


def sources() -> list[Path]:
    root = PROJECT_ROOT
    pages = sorted((root / "pages").glob("*.py"))
    return [root / "app.py", *pages, *sorted((root / "sqr_tracker").glob("*.py"))]


def literal(node: ast.expr) -> bool:
    """Whether a value is built from literals only: a constant, an f-string or a
    sum of them whose every part is a literal."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.JoinedStr):
        return all(isinstance(part, ast.Constant) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return literal(node.left) and literal(node.right)
    return False


def unsafe_calls(source: str, name: str) -> list[str]:
    """'file:line call' for each call that could send stored text as HTML."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else None
        flags = [k for k in node.keywords if k.arg == "unsafe_allow_html"]
        as_html = called in HTML_CALLS or any(
            not (isinstance(k.value, ast.Constant) and k.value.value is False)
            for k in flags
        )
        if not as_html:
            continue
        values = [*node.args, *(k.value for k in node.keywords if k not in flags)]
        flag_given = all(isinstance(k.value, ast.Constant) for k in flags)
        if not (flag_given and all(literal(value) for value in values)):
            found.append(f"{name}:{node.lineno} {ast.unparse(func)}")
    return found


def test_no_page_entry_or_package_module_sends_stored_text_as_html():
    files = sources()
    assert PROJECT_ROOT / "app.py" in files
    assert PROJECT_ROOT / "pages" / "workspace.py" in files
    assert PROJECT_ROOT / "sqr_tracker" / "views.py" in files
    found = [
        call
        for path in files
        for call in unsafe_calls(
            path.read_text(encoding="utf-8"), path.relative_to(PROJECT_ROOT).as_posix()
        )
    ]
    assert found == []


def test_the_check_finds_html_built_from_stored_text_and_allows_literals():
    source = "\n".join(
        [
            "st.markdown(name, unsafe_allow_html=True)",
            'st.markdown("<hr>", unsafe_allow_html=True)',
            "st.markdown(name, unsafe_allow_html=False)",
            'st.html(f"<p>{note}</p>")',
            'st.html("<p>Fixed</p>")',
            'st.sidebar.html("<b>" + title + "</b>")',
            'st.sidebar.html("<b>" + "Fixed" + "</b>")',
            'components.html("<p>" f"{x}")',
            "st.components.v1.html(body, height=200)",
            'st.caption(f"{who}", unsafe_allow_html=flag)',
            'st.write("<i>Fixed</i>", unsafe_allow_html=flag)',
            "st.markdown(plain(name))",
            "html.escape(name)",
        ]
    )
    assert unsafe_calls(source, "x.py") == [
        "x.py:1 st.markdown",
        "x.py:4 st.html",
        "x.py:6 st.sidebar.html",
        "x.py:8 components.html",
        "x.py:9 st.components.v1.html",
        "x.py:10 st.caption",
        "x.py:11 st.write",
    ]
