"""School summaries: each school's published reviews and growth, in plain words."""

from datetime import date

import streamlit as st

from sqr_tracker import cached, evidence, session, views

store, user = session.require_page(__file__)
schools = cached.summary_choices(store, user)

st.title("School summaries")
st.caption(
    "What each school's published reviews found, standard by standard, and how it "
    "has grown. Schools are listed by name: reviews are for improvement, not for "
    "ranking."
)
school_id = views.long_choice("School", schools, key="summary-school", noun="school")
story = cached.public_story(store, user, school_id, date.today())
if story.levels.empty:
    st.info("This school has no published review yet.")
else:
    st.subheader("Growth")
    for sentence in story.words:
        st.markdown(f"- {views.plain(sentence)}")
    st.subheader("Ratings in each review")
    st.dataframe(
        story.levels,
        hide_index=True,
        width="stretch",
        column_config={
            "code": "",
            "standard": "Standard",
            "change": "Levels since the review before",
            "evidence": st.column_config.TextColumn(
                "Evidence", help="How strong the latest review's evidence is"
            ),
        },
    )
    st.caption(evidence.strength_legend())
st.subheader("This year's work")
for sentence in story.year:
    st.markdown(f"- {views.plain(sentence)}")
