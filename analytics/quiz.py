"""The seed article's quiz: "Are you ready to take the leap into social learning?"

A short set of questions for a learning and development team about their organisation. Each answer
sits somewhere on the learner power continuum; the mean of the answers places the organisation at
one stage, with what that means in plain words and the next steps. Responses are counted
anonymously (QuizResponse) for the curators' aggregate, published by analytics.privacy's rule like
every other count: rounded to the nearest ten, 0 to 4 withheld, the total rounded on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from analytics import privacy
from analytics.models import QuizResponse
from curation.models import Stage

# Bump when questions or answers change, so counts of different questions are never added up.
QUIZ_VERSION = 1
# A form posted twice (refresh, back button) is counted once while its attempt is remembered.
ATTEMPT_SECONDS = 24 * 3600

CONTINUUM: tuple[Stage, ...] = (Stage.EMBEDDED, Stage.DIGITAL_BLENDED, Stage.FACILITATED, Stage.UNFACILITATED)
STAGE_DESCRIPTIONS: dict[str, str] = {
    Stage.EMBEDDED: "Micro-learning in the flow of work, designed for people.",
    Stage.DIGITAL_BLENDED: "Digitally curated content, blended with your own.",
    Stage.FACILITATED: "Curated and moderated by people: a curator, a moderator, a learning designer.",
    Stage.UNFACILITATED: "Self-sustaining: employees create, share and moderate it themselves.",
}


@dataclass(frozen=True)
class Answer:
    code: str
    text: str
    score: int  # 0 at the embedded end of the continuum, 3 at the unfacilitated end


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    answers: tuple[Answer, ...]
    # Shown with the result when the answer given was at the cautious end (a score of 0 or 1).
    tip: str
    hint: str = ""

    def answer(self, code: str) -> Answer:
        return next(answer for answer in self.answers if answer.code == code)


def _answers(*texts: str) -> tuple[Answer, ...]:
    return tuple(
        Answer(code=code, text=text, score=score)
        for score, (code, text) in enumerate(zip("abcd", texts, strict=True))
    )


QUESTIONS: tuple[Question, ...] = (
    Question(
        code="creators",
        text="Who makes most of your organisation's learning content today?",
        answers=_answers(
            "The learning team designs and builds nearly all of it.",
            "The learning team builds it and curates some from outside sources.",
            "Experts and employees contribute, with the learning team's help.",
            "Employees already make and share content for each other, unprompted.",
        ),
        tip="Ask two or three subject experts to make one short video or how-to each, with your help.",
    ),
    Question(
        code="social_media",
        text="How does your organisation feel about learning on public social media?",
        answers=_answers(
            "It is blocked or discouraged at work.",
            "It is allowed on a few approved channels.",
            "It is encouraged, with clear guidelines.",
            "It is simply how many people already learn.",
        ),
        tip="Agree a one-page guideline for learning on public platforms with communications and IT.",
    ),
    Question(
        code="phones",
        text="Can employees reach learning on their own phones?",
        answers=_answers(
            "No: learning is on work computers, in the LMS.",
            "Some can, in some roles.",
            "Most can, and we send them links by text or email.",
            "Yes, and they already learn on their phones without being asked.",
        ),
        tip="Invite employees to sign up for a text or email with a link, a few times a week at most.",
    ),
    Question(
        code="sensitivity",
        text="How much of your learning content is compliance or business-sensitive?",
        hint="That content stays in the LMS; everything else could go on a public channel.",
        answers=_answers(
            "Nearly all of it.",
            "More than half.",
            "Some of it.",
            "Very little.",
        ),
        tip="List the content that is neither compliance nor business-sensitive: that is your starting set.",
    ),
    Question(
        code="curation",
        text="Who could curate and moderate social learning channels?",
        answers=_answers(
            "Nobody has the time.",
            "The learning team could post curated links now and then.",
            "A curation team of two could review it every week.",
            "Employees already moderate their own communities.",
        ),
        tip="Pair one curator inside the organisation with a partner at a digital content agency.",
    ),
    Question(
        code="measurement",
        text="What do your leaders need to know to judge whether learning works?",
        answers=_answers(
            "Who completed what, person by person.",
            "Completions for most content, trends for the rest.",
            "Anonymous trends, such as drop-out, duration and what people prefer.",
            "What people talk about, share and make for each other.",
        ),
        tip="Show leaders a month of anonymous trends (drop-out, duration) beside completion records.",
    ),
    Question(
        code="sharing",
        text="When someone learns something useful at work, what usually happens next?",
        answers=_answers(
            "It stays with them.",
            "They pass it on if someone asks.",
            "They share it in a team chat or community.",
            "They post it publicly or make a how-to for others.",
        ),
        tip="Start a hashtag or a community thread where people post one thing they learned this week.",
    ),
)
QUESTIONS_BY_CODE = {question.code: question for question in QUESTIONS}


@dataclass(frozen=True)
class StageResult:
    stage: Stage
    headline: str
    meaning: str
    next_steps: tuple[str, ...]

    @property
    def title(self) -> str:
        return self.stage.label


RESULTS: dict[str, StageResult] = {
    Stage.EMBEDDED: StageResult(
        stage=Stage.EMBEDDED,
        headline="Start with embedded learning",
        meaning="Learning here works best built into the flow of work: short, practical pieces your "
        "team designs, on a channel or two people already use. That is a sound place to start the "
        "leap from, not a reason to wait.",
        next_steps=(
            "Publish five micro-learning pieces (a two-minute video, a how-to guide) on one public channel.",
            "Agree what is neither compliance nor business-sensitive: only that goes public.",
            "Ask a few managers to share the links with their teams, and see what gets opened.",
        ),
    ),
    Stage.DIGITAL_BLENDED: StageResult(
        stage=Stage.DIGITAL_BLENDED,
        headline="Blend in digital, curated content",
        meaning="People are used to digital learning and some channels are open to you. Blend your own "
        "content with the best of what is already out there, curated for your organisation.",
        next_steps=(
            "Mix your own pieces with curated content from good outside sources, on a blog or a feed.",
            "Invite employees to sign up on their phones for a few texts or emails a week, with links.",
            "Start reading anonymous trends (drop-out, duration, preferences) rather than completions.",
        ),
    ),
    Stage.FACILITATED: StageResult(
        stage=Stage.FACILITATED,
        headline="Ready for facilitated social learning",
        meaning="You have the trust and the people to run learning on social media with a human curator "
        "and moderator: a team that publishes, listens and keeps it useful.",
        next_steps=(
            "Form a curation team of two: a curator inside the organisation and one at a content agency.",
            "Meet every week over the data: retire what is not useful, commission what is missing.",
            "Recommend apps to employees: free ones, and any the organisation pays for (a curated feed).",
        ),
    ),
    Stage.UNFACILITATED: StageResult(
        stage=Stage.UNFACILITATED,
        headline="Ready to take the leap: unfacilitated social learning",
        meaning="Employees already create, share and learn from each other on social media. Learning can "
        "become self-sustaining, self-regulating and self-moderating, with no top-down control.",
        next_steps=(
            "Go for every stage at once: public channels, a hashtag and a community, all launched together.",
            "Keep a light curation touch: watch the trends, step in rarely, and step back.",
            "Celebrate what employees make: share their content on your own channels.",
        ),
    ),
}


def stage_for(answers: dict[str, str]) -> Stage:
    """The mean answer score, in four equal bands from the embedded end to the unfacilitated end."""
    scores = [QUESTIONS_BY_CODE[code].answer(answer).score for code, answer in answers.items()]
    band = 4 * sum(scores) // (3 * len(scores))  # 0..4; only top answers throughout reach 4
    return CONTINUUM[min(band, len(CONTINUUM) - 1)]


@dataclass(frozen=True)
class Outcome:
    result: StageResult
    tips: tuple[str, ...]


def outcome_for(answers: dict[str, str], *, max_tips: int = 3) -> Outcome:
    """The stage, and tips for the most cautious answers first (in question order on a tie)."""
    given = [(question, question.answer(answers[question.code])) for question in QUESTIONS]
    cautious = sorted(
        (answer.score, index, question.tip)
        for index, (question, answer) in enumerate(given)
        if answer.score <= 1
    )
    return Outcome(result=RESULTS[stage_for(answers)], tips=tuple(tip for _, _, tip in cautious[:max_tips]))


def take_quiz(*, answers: dict[str, str], attempt: str = "", counted: bool = True) -> Outcome:
    """Score the answers and count them once, anonymously.

    `attempt` is the random token of one form; it lives in the cache for a day, never in the row.
    `counted` False (a client over its rate) still gets its result, but adds nothing to the counts.
    """
    if set(answers) != set(QUESTIONS_BY_CODE):
        raise ValueError("Every question needs exactly one answer.")
    outcome = outcome_for(answers)
    if not counted:
        return outcome
    if not attempt or cache.add(f"quiz-attempt:{attempt}", True, timeout=ATTEMPT_SECONDS):
        record_response(answers=answers, stage=outcome.result.stage)
    return outcome


@transaction.atomic
def record_response(*, answers: dict[str, str], stage: str) -> QuizResponse:
    response = QuizResponse(
        version=QUIZ_VERSION,
        stage=stage,
        answers={question.code: answers[question.code] for question in QUESTIONS},
        answered_on=timezone.localdate(),
    )
    response.full_clean()
    response.save()
    return response


# The curators' aggregate: counts only, as the privacy rule publishes them.


@dataclass(frozen=True)
class Cell:
    label: str
    count: int | None  # as published: rounded, None when withheld

    @property
    def shown(self) -> str:
        return privacy.FEWER if self.count is None else str(self.count)


def published(counts: list[tuple[str, int]]) -> list[Cell]:
    """Each count on its own through the rule: nothing needs withholding beside another."""
    return [Cell(label=label, count=privacy.rounded(count)) for label, count in counts]


@dataclass(frozen=True)
class QuestionTally:
    question: Question
    cells: list[Cell]


@dataclass(frozen=True)
class QuizResults:
    total: Cell
    by_stage: list[Cell]
    by_question: list[QuestionTally]


def quiz_results() -> QuizResults:
    """Every count in one pass over this version's responses."""
    counts = QuizResponse.objects.filter(version=QUIZ_VERSION).aggregate(
        total=Count("pk"),
        **{f"stage_{stage}": Count("pk", filter=Q(stage=stage)) for stage in CONTINUUM},
        **{
            f"{question.code}_{answer.code}": Count(
                "pk", filter=Q(**{f"answers__{question.code}": answer.code})
            )
            for question in QUESTIONS
            for answer in question.answers
        },
    )
    return QuizResults(
        total=published([("All responses", counts["total"])])[0],
        by_stage=published([(stage.label, counts[f"stage_{stage}"]) for stage in CONTINUUM]),
        by_question=[
            QuestionTally(
                question=question,
                cells=published(
                    [(answer.text, counts[f"{question.code}_{answer.code}"]) for answer in question.answers]
                ),
            )
            for question in QUESTIONS
        ],
    )
