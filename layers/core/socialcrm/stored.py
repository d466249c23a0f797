"""A post as the post repository keeps it: what cards, matching again, edits, removals and erasure read."""

from __future__ import annotations

from dataclasses import dataclass

from socialcrm import identity
from socialcrm.model import AnalyzedPost, CanonicalPost, PostKey


@dataclass(frozen=True)
class StoredPost:
    key: PostKey
    kind: str
    created_at: str
    text: str = ""
    sentiment: str = "neutral"
    url: str | None = None
    customer_id: str | None = None
    match_key: str | None = None
    match_status: str = "unmatched"  # linked | candidate | unmatched
    match_score: int = 0
    evidence: tuple[str, ...] = ()  # signal kinds behind the link (docs/matching.md)
    match_basis: str | None = None  # the asserted kind the link rests on
    author_key: str | None = None  # identity.primary_author_key of the author
    author_handle_key: str | None = None  # identity.indexed_handle_key of the author
    author_name: str | None = None
    author_role: str = "public"  # company | employee | unofficial_brand | public
    answered_at: str | None = None  # the first reply from an official account
    answer_text: str | None = None  # what that reply said (shown on the card beside the post)
    # What a reply to this post needs (socialcrm.replies): our account the post was delivered for, the author's
    # platform user id (a direct message goes to it), the platform's thread and the post it replies to.
    account: str | None = None
    author_user_id: str | None = None
    thread: str | None = None
    reply_to: str | None = None
    answered_by: str | None = None  # that reply's post key
    batch: str | None = None  # the processor batch whose counts include the post (once they are written)
    delivery: str | None = None  # the queue message that stored it

    @property
    def platform(self) -> str:
        return self.key.platform

    @classmethod
    def of(cls, analyzed: AnalyzedPost) -> StoredPost:
        """The post as storing it writes it (not answered yet)."""
        post = analyzed.post
        return cls(
            key=post.key,
            kind=post.kind,
            created_at=post.created_at,
            text=post.text,
            sentiment=analyzed.sentiment,
            url=post.url,
            customer_id=analyzed.customer_id,
            match_key=analyzed.match_key,
            match_status="linked" if analyzed.customer_id else ("candidate" if analyzed.candidates else "unmatched"),
            match_score=analyzed.match_score,
            evidence=tuple(analyzed.evidence),
            match_basis=analyzed.match_basis,
            author_key=identity.primary_author_key(post.author),
            author_handle_key=identity.indexed_handle_key(post.author),
            author_name=post.author.name,
            author_role=analyzed.role,
            account=post.account,
            author_user_id=post.author.user_id,
            thread=post.thread,
            reply_to=post.reply_to,
        )

    def author_post(self) -> CanonicalPost:
        """The post as matching reads it again: its author rebuilt from the stored identity keys."""
        author = identity.author_from_keys(self.platform, self.author_key, self.author_handle_key, self.author_name)
        return CanonicalPost(self.platform, self.key.post_id, self.kind, author, self.text or "", self.created_at)
