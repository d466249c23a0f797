"""Sentiment analyzers behind one port: the offline VADER lexicon (default) or Amazon Comprehend."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from socialcrm.errors import ConfigurationError

if TYPE_CHECKING:
    from mypy_boto3_comprehend.literals import LanguageCodeType

    from socialcrm.ports import SentimentAnalyzer

# VADER's documented thresholds on the compound score.
POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05


def label_of(score: float) -> str:
    if score >= POSITIVE_AT:
        return "positive"
    if score <= NEGATIVE_AT:
        return "negative"
    return "neutral"


class VaderAnalyzer:
    """Offline, no network, no per-call cost; tuned for social media text (emoji, caps, slang)."""

    def __init__(self) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._analyzer = SentimentIntensityAnalyzer()

    def analyze(self, text: str) -> tuple[str, float]:
        if not text.strip():
            return "neutral", 0.0
        score = float(self._analyzer.polarity_scores(text)["compound"])
        return label_of(score), score


class ComprehendAnalyzer:
    """Amazon Comprehend DetectSentiment; MIXED is reported as neutral."""

    MAX_BYTES = 5000  # DetectSentiment's limit on UTF-8 text

    def __init__(self, language: LanguageCodeType = "en") -> None:
        import boto3

        self._client = boto3.client("comprehend")
        self._language = language

    def analyze(self, text: str) -> tuple[str, float]:
        if not text.strip():
            return "neutral", 0.0
        clipped = text.encode()[: self.MAX_BYTES].decode(errors="ignore")
        answer = self._client.detect_sentiment(Text=clipped, LanguageCode=self._language)
        scores = answer["SentimentScore"]
        score = float(scores["Positive"]) - float(scores["Negative"])
        label = {"POSITIVE": "positive", "NEGATIVE": "negative"}.get(answer["Sentiment"], "neutral")
        return label, round(score, 4)


@cache
def analyzer_for(engine: str) -> SentimentAnalyzer:
    if engine == "vader":
        return VaderAnalyzer()
    if engine == "comprehend":
        return ComprehendAnalyzer()
    raise ConfigurationError(f"SENTIMENT_ENGINE must be vader or comprehend, got {engine!r}")
