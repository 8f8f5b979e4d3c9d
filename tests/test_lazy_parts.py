"""Tabs and expanders built on demand (``views.lazy_tabs``, ``views.lazy_expander``),
through AppTest: built once opened, then kept for the same subject, and
started afresh for another subject or a new visit."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _page() -> None:
    import streamlit as st

    from sqr_tracker import views

    if st.session_state.get("elsewhere"):  # another page: nothing of this one
        st.markdown(f"tabs remembered: {'t' in st.session_state}")
    else:
        names = ["A", "B", "C"]
        subject = st.session_state.get("subject", 1)
        tabs = views.lazy_tabs(names, "t", subject)
        for name, (tab, shown) in zip(names, tabs, strict=True):
            if shown:
                with tab:
                    st.markdown(f"tab {name}")
        box, shown = views.lazy_expander("More", "more")
        if shown:
            with box:
                st.markdown("inside")


def built(page: AppTest) -> list[str]:
    return [m.value for m in page.markdown]


def page() -> AppTest:
    return AppTest.from_function(_page).run()


def run(page: AppTest, **state) -> AppTest:
    for key, value in state.items():
        page.session_state[key] = value
    page.run()
    assert not page.exception, page.exception
    return page


def test_a_tab_is_built_once_opened_and_then_kept():
    shown = page()
    assert built(shown) == ["tab A"]
    assert built(run(shown, t="C")) == ["tab A", "tab C"]
    assert built(run(shown, t="A")) == ["tab A", "tab C"]


def test_another_subject_starts_again_from_the_open_tab():
    shown = run(page(), t="B")
    assert built(shown) == ["tab A", "tab B"]
    assert built(run(shown, subject=2)) == ["tab B"]
    assert built(run(shown, t="C")) == ["tab B", "tab C"]


def test_streamlit_forgets_the_tabs_of_a_page_left():
    """What a new visit is told by: the tabs' state, which Streamlit drops
    once a run has not shown them (a tab the person clicked is held as the
    widget's state, as the first tab is here; the tests' own settings of a
    widget are kept, so the next test forgets them by hand)."""
    shown = page()
    assert shown.session_state["t"] == "A"
    assert built(run(shown, elsewhere=True)) == ["tabs remembered: True"]
    assert built(run(shown)) == ["tabs remembered: False"]


def test_a_new_visit_to_the_page_starts_from_the_open_tab_alone():
    shown = run(page(), t="B", more=True)
    assert built(shown) == ["tab A", "tab B", "inside"]
    del shown.session_state["t"], shown.session_state["more"]  # as when left
    assert built(run(shown)) == ["tab A"]


def test_an_expander_is_built_once_opened_and_kept_when_closed():
    shown = page()
    assert "inside" not in built(shown)
    assert "inside" in built(run(shown, more=True))
    assert "inside" in built(run(shown, more=False))
