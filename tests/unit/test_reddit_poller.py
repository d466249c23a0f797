"""The Reddit poller against a fake Reddit API on loopback: recorded pages, rate-limit headers, a 429 and
a 500 midway; every matching item is captured exactly once, across runs that fail part-way."""

from __future__ import annotations

import copy
import json

import pytest

from socialcrm.errors import ConfigurationError
from socialcrm.polling import RateLimiter, poll
from socialcrm.sources.reddit import RedditClient, RedditListing, RedditSettings, validate_user_agent
from tests.fake_reddit import USER_AGENT, FakeReddit, recorded_matches


class MemoryState:
    def __init__(self) -> None:
        self.states: dict[str, dict] = {}
        self.saves = 0

    def load(self, source_id: str) -> dict:
        return copy.deepcopy(self.states.get(source_id, {}))

    def save(self, source_id: str, state: dict) -> None:
        self.saves += 1
        self.states[source_id] = copy.deepcopy(state)


class CountingQueue:
    def __init__(self) -> None:
        self.sent: list = []

    def send_posts(self, posts) -> None:
        self.sent.extend(posts)


@pytest.fixture
def reddit():
    fake = FakeReddit("client-id", "client-secret", USER_AGENT)
    yield fake
    fake.close()


def listings_for(fake: FakeReddit, waits: list[float]):
    settings = RedditSettings("client-id", "client-secret", USER_AGENT, ("gadgets",), ("acme",),
                              auth_url=f"{fake.url}/api/v1/access_token", api_url=fake.url)
    client = RedditClient(settings, limiter=RateLimiter(sleep=waits.append, max_wait=10))
    return [RedditListing(client, "gadgets", "search"), RedditListing(client, "gadgets", "comments")]


def run_all(listings, state, queue):
    return [poll(listing, state, queue).summary() for listing in listings]


def test_a_429_and_a_500_midway_still_capture_every_item_exactly_once(reddit):
    waits: list[float] = []
    reddit.failures = {2: (429, {"Retry-After": "2"}),  # search page 2: wait as told, then carry on
                       5: (500, {}), 6: (500, {}), 7: (500, {})}  # comments page 1: the run gives up on it
    listings, state, queue = listings_for(reddit, waits), MemoryState(), CountingQueue()

    first = run_all(listings, state, queue)
    assert [r["status"] for r in first] == ["complete", "partial"]
    assert 2.0 in waits

    second = run_all(listings, state, queue)  # the next scheduled run resumes
    assert [r["status"] for r in second] == ["complete", "complete"]
    captured = [post.post_id for post in queue.sent]
    assert len(captured) == len(set(captured))
    assert set(captured) == recorded_matches()
    assert reddit.bad_user_agents == 0


def test_a_run_that_dies_between_pages_resumes_from_its_checkpoint(reddit):
    listings, state, queue = listings_for(reddit, []), MemoryState(), CountingQueue()
    search = listings[0]
    reddit.failures = {2: (503, {}), 3: (503, {}), 4: (503, {})}
    assert poll(search, state, queue).status == "partial"
    assert state.states[search.source_id]["pending"]["cursor"] == "t3_s040"
    assert len(queue.sent) == 40
    assert poll(search, state, queue).status == "complete"
    assert len(queue.sent) == 120 == len({p.post_id for p in queue.sent})
    assert state.states[search.source_id] == {"high": {"at": 1795329940.0, "id": "t3_s001"}, "pending": None}


def test_later_runs_capture_only_what_is_new(reddit):
    listings, state, queue = listings_for(reddit, []), MemoryState(), CountingQueue()
    run_all(listings, state, queue)
    before = len(queue.sent)
    newer = json.loads(json.dumps(reddit.listings["/r/gadgets/search"][0]["data"]["children"][0]))
    newer["data"].update(name="t3_new1", id="new1", created_utc=1795339999.0, title="Acme refund still missing")
    reddit.add_newer("/r/gadgets/search", [newer])
    results = run_all(listings, state, queue)
    assert [r["captured"] for r in results] == [1, 0]
    assert [p.post_id for p in queue.sent[before:]] == ["t3_new1"]


def test_a_long_rate_limit_ends_the_run_without_losing_the_checkpoint(reddit):
    waits: list[float] = []
    listings, state, queue = listings_for(reddit, waits), MemoryState(), CountingQueue()
    reddit.failures = {2: (429, {"Retry-After": "600"})}
    assert poll(listings[0], state, queue).status == "partial"
    assert waits == []  # not worth a paid Lambda wait: the next run resumes
    assert poll(listings[0], state, queue).status == "complete"
    assert len({p.post_id for p in queue.sent}) == len(queue.sent) == 120


def test_the_post_shape_and_deleted_authors(reddit):
    listings, state, queue = listings_for(reddit, []), MemoryState(), CountingQueue()
    run_all(listings, state, queue)
    by_id = {p.post_id: p for p in queue.sent}
    submission = by_id["t3_s005"]
    assert (submission.kind, submission.author.user_id, submission.author.handle) == ("post", "t2_u005", "user5")
    assert submission.text.startswith("Is ACME down again? 😤")
    assert submission.url == "https://www.reddit.com/r/gadgets/comments/s005/acme_5/"
    deleted = by_id["t1_c007"]
    assert (deleted.kind, deleted.author.user_id, deleted.author.handle, deleted.reply_to) == (
        "comment", None, None, "t3_s001")


@pytest.mark.parametrize("agent", ["python-requests/2.32", "socialcrm", "a:b:c (by u/x)"])
def test_a_generic_user_agent_is_refused(agent):
    with pytest.raises(ConfigurationError):
        validate_user_agent(agent)
