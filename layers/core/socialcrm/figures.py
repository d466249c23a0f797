"""Metric names of the rollup figures (docs/metrics.md). A figure name is 'Metric|Dim=value|...'.

The rollup, the dashboard, the alarms and `make report` all take their names from here.
"""

# Counts: stored hourly and daily, and summable over any period.
ADDITIVE = (
    "Posts",
    "MatchedPosts",
    "UnmatchedPosts",
    "HeldForReview",
    "PostsBySentiment",
    "MatchedPostsBySegment",
    "ActionablePosts",
    "Reactions",
    "InboundPosts",
    "AnsweredPosts",
    "AnsweredWithin",
    "Replies",
)

# Derived once a day: rates, shares, percentiles and distinct counts; never summed.
DAILY_ONLY = (
    "MatchRate",
    "UnmatchedAuthors",
    "SentimentShare",
    "MatchedSentimentShare",
    "ResponseMedianMinutes",
    "ResponseP90Minutes",
    "AnsweredWithin1hShare",
    "AnsweredWithin24hShare",
    "Calls",
    "CallsPosted24hShare",
    "CallsPosted7dShare",
    "CallsWithSocialContextShare",
    "VoiceShare",
    "BaseShare",
    "RepresentationIndex",
    "TopicPosts",
    "TopicAuthors",
    "TopicAuthorShare",
    "TopicSkew",
    "TopicWarning",
    "TopicWarnings",
)

# Stored per topic and per day but never sent to CloudWatch (hashtags are unbounded; each dimension value
# would be a billed custom metric): see UNPUBLISHED below.
STORED_ONLY = ("TopicPosts", "TopicAuthors", "TopicAuthorShare", "TopicSkew", "TopicWarning")

# Counters of first sightings (distinct voices): meaningful per day only, summed into daily figures.
FIRST_SIGHTINGS = ("DailyVoices", "DailyUnmatchedAuthors", "DailyTopicAuthors")

UNPUBLISHED = STORED_ONLY + FIRST_SIGHTINGS

FIGURES = ADDITIVE + DAILY_ONLY
