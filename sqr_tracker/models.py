"""What enters and leaves the store: the glossary's words as pydantic models.

Models ending in ``In`` arrive from a form, an import or the command line and are
strict (unknown fields are refused). ``Change`` models carry a partial edit of an
existing row together with the version the editor started from.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)


class Role(StrEnum):
    SITE_TEAM = "site_team"
    PRINCIPAL = "principal"
    NETWORK_LEAD = "network_lead"
    CENTRAL_OFFICE = "central_office"
    REVIEWER = "reviewer"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.SITE_TEAM: "Site team member",
    Role.PRINCIPAL: "Principal",
    Role.NETWORK_LEAD: "Network lead",
    Role.CENTRAL_OFFICE: "Central office",
    Role.REVIEWER: "Reviewer",
    Role.VIEWER: "Viewer",
}

SCHOOL_ROLES = frozenset({Role.SITE_TEAM, Role.PRINCIPAL})


class Phase(StrEnum):
    SELF_REFLECTION = "self-reflection"
    SITE_VISIT = "site visit"
    REPORT = "report"
    ACTION_PLANNING = "action planning"
    COMPLETE = "complete"


class RaterKind(StrEnum):
    SELF_REFLECTION = "self-reflection"
    REVIEWER = "reviewer"
    CONSENSUS = "consensus"


class Source(StrEnum):
    SELF_REFLECTION = "self-reflection"
    INTERVIEW = "interview"
    OBSERVATION = "observation"
    DOCUMENT = "document"
    DATA = "data"
    SURVEY = "survey"


class SchoolLevel(StrEnum):
    ELEMENTARY = "elementary"
    MIDDLE = "middle"
    HIGH = "high"
    OTHER = "other"


class StepStatus(StrEnum):
    NOT_STARTED = "not started"
    IN_PROGRESS = "in progress"
    DONE = "done"
    BLOCKED = "blocked"


class PlanStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class SupportKind(StrEnum):
    """What a support request asks for: help from the district, a visit to a
    peer school, or a pairing with one."""

    SUPPORT = "support"
    VISIT = "visit"
    PAIRING = "pairing"


class SupportStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)
]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Change(Strict):
    """A partial edit: fields left out stay as stored; ``KEEP`` lists the fields
    that, when given, may not be emptied."""

    KEEP: ClassVar[tuple[str, ...]] = ()

    @field_validator("*")
    @classmethod
    def _not_emptied(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name in cls.KEEP:
            raise ValueError("cannot be empty")
        return value


class User(BaseModel):
    """A signed-in person and the scope of their role."""

    model_config = ConfigDict(frozen=True)

    id: int
    email: str
    name: str
    role: Role
    school_id: int | None = None
    network_id: int | None = None
    active: bool = True


class GoalIn(Strict):
    school_id: int
    standard_id: int
    statement: ShortText
    review_id: int | None = None
    measure_id: int | None = None
    baseline: float | None = None
    target: float | None = Field(default=None, validate_default=True)
    target_date: date | None = None
    is_focus: bool = False
    site_plan_ref: Note = ""

    @field_validator("target")
    @classmethod
    def _measure_needs_target(cls, target, info: ValidationInfo):
        if target is None and info.data.get("measure_id") is not None:
            raise ValueError("a goal with a measure needs a target")
        return target


class GoalChange(Change):
    KEEP = ("statement", "standard_id", "is_focus", "site_plan_ref")

    review_id: int | None = None
    statement: ShortText | None = None
    standard_id: int | None = None
    measure_id: int | None = None
    baseline: float | None = None
    target: float | None = None
    target_date: date | None = None
    is_focus: bool | None = None
    site_plan_ref: Note | None = None


class MilestoneIn(Strict):
    goal_id: int
    description: ShortText
    due_on: date


class MilestoneChange(Change):
    KEEP = ("description", "due_on")

    description: ShortText | None = None
    due_on: date | None = None
    met_on: date | None = None


class ActionStepIn(Strict):
    goal_id: int
    description: ShortText
    owner: ShortText
    starts_on: date
    due_on: date
    status: StepStatus = StepStatus.NOT_STARTED

    @field_validator("due_on")
    @classmethod
    def _due_after_start(cls, due_on: date, info: ValidationInfo) -> date:
        starts_on = info.data.get("starts_on")
        if starts_on is not None and due_on < starts_on:
            raise ValueError("the due date is before the start date")
        return due_on


class ActionStepChange(Change):
    KEEP = ("description", "owner", "starts_on", "due_on", "status")

    description: ShortText | None = None
    owner: ShortText | None = None
    starts_on: date | None = None
    due_on: date | None = None
    status: StepStatus | None = None


class CheckInIn(Strict):
    """A monthly update of one action step or one goal."""

    goal_id: int | None = None
    action_step_id: int | None = None
    status: StepStatus
    note: Note = ""
    measure_value: float | None = None

    @model_validator(mode="after")
    def _one_target(self) -> CheckInIn:
        if (self.goal_id is None) == (self.action_step_id is None):
            raise ValueError("a check-in is about one goal or one action step")
        return self


class CommentIn(Strict):
    school_id: int
    body: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)
    ]
    goal_id: int | None = None
    action_step_id: int | None = None


class SupportRequestIn(Strict):
    school_id: int
    need: ShortText
    needed_by: date | None = None
    goal_id: int | None = None
    action_step_id: int | None = None
    kind: SupportKind = SupportKind.SUPPORT
    peer_school_id: int | None = None

    @model_validator(mode="after")
    def _peer_for_visits(self) -> SupportRequestIn:
        if self.kind != SupportKind.SUPPORT and self.peer_school_id is None:
            raise ValueError(f"a {self.kind.value} needs the peer school")
        if self.kind == SupportKind.SUPPORT and self.peer_school_id is not None:
            raise ValueError("only a visit or a pairing names a peer school")
        if self.peer_school_id is not None and self.peer_school_id == self.school_id:
            raise ValueError("a school cannot visit or pair with itself")
        return self


class SupportAnswerIn(Strict):
    answer: ShortText
    status: SupportStatus = SupportStatus.ANSWERED


class ReviewIn(Strict):
    school_id: int
    cycle_year: Annotated[int, Field(ge=2000, le=2100)]
    starts_on: date
    lead_reviewer_id: int | None = None
    focus_standard_ids: list[int] = Field(default_factory=list)


class ReviewChange(Change):
    KEEP = ("phase",)

    phase: Phase | None = None
    visit_starts_on: date | None = None
    visit_ends_on: date | None = None
    report_on: date | None = None
    completes_on: date | None = None


class RatingIn(Strict):
    review_id: int
    standard_id: int
    rater_kind: RaterKind
    level: int
    note: Note = ""

    @field_validator("level", mode="before")
    @classmethod
    def _level_chosen(cls, level: Any) -> Any:
        if level is None:
            raise ValueError("choose a level of the scale")
        return level


class FindingIn(Strict):
    review_id: int
    standard_id: int
    strengths: Note = ""
    areas_for_growth: Note = ""


class EvidenceIn(Strict):
    finding_id: int
    source: Source
    description: Note = ""
    interviews_held: Annotated[int, Field(ge=0)] | None = None
    interviewed_group: Note | None = None
    classrooms_observed: Annotated[int, Field(ge=0)] | None = None
    classrooms_total: Annotated[int, Field(ge=0)] | None = None
    survey_group: Note | None = None
    survey_respondents: Annotated[int, Field(ge=0)] | None = None
    survey_invited: Annotated[int, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _parts_within_wholes(self) -> EvidenceIn:
        pairs = [
            ("classrooms_observed", "classrooms_total"),
            ("survey_respondents", "survey_invited"),
        ]
        for part, whole in pairs:
            p, w = getattr(self, part), getattr(self, whole)
            if p is not None and w is not None and p > w:
                raise ValueError(f"{part} ({p}) is more than {whole} ({w})")
        return self


class EventKind(StrEnum):
    PROGRAMME = "new programme"
    PRINCIPAL = "new principal"
    PDSA = "plan-do-study-act cycle"
    OTHER = "other"


class EventIn(Strict):
    """Something a school records so that its run charts can show it."""

    school_id: int
    happened_on: date
    kind: EventKind
    description: ShortText


class InterimRatingIn(Strict):
    """The school's own rating of a standard between reviews."""

    school_id: int
    standard_id: int
    recorded_on: date
    level: int
    note: Note = ""


class DeadlineIn(Strict):
    name: ShortText
    due_on: date


class SettingIn(Strict):
    """A number, or for cut points ("cuts.<measure code>") a text."""

    key: Text
    value: float | str


class UserIn(Strict):
    email: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True)]
    name: ShortText
    role: Role
    school_id: int | None = None
    network_id: int | None = None

    @model_validator(mode="after")
    def _scope_matches_role(self) -> UserIn:
        if "@" not in self.email:
            raise ValueError(f"{self.email!r} is not an email address")
        if self.role in SCHOOL_ROLES and self.school_id is None:
            raise ValueError(f"a {self.role.label.lower()} needs a school")
        if self.role == Role.NETWORK_LEAD and self.network_id is None:
            raise ValueError("a network lead needs a network")
        return self


class HistoryEntry(BaseModel):
    changed_on: datetime
    user_email: str
    action: str
    entity: str
    entity_id: int
    before: dict | None
    after: dict | None
