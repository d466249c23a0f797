"""The platforms' own documented sample payloads (tests/fixtures/platform_samples/) and the local dev secrets."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tests" / "fixtures" / "platform_samples"
DEV_SECRETS = json.loads((ROOT / "infra" / "local" / "secrets.json").read_text(encoding="utf-8"))
SIGNING_FIELD = {"meta": "app_secret", "whatsapp": "app_secret", "x": "consumer_secret", "youtube": "hub_secret",
                 "tiktok": "client_secret", "google-business": "token"}
CREDENTIALS_NAME = {"whatsapp": "meta"}  # WhatsApp deliveries are signed with the Meta app's secret
LOCAL_SEED_KEY = {"youtube": "websub"}  # YouTube's hub secret is the WebSubSecret, seeded from "websub"


def sample(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


def x_with_objects(name: str) -> bytes:
    """X's envelope samples show `<Tweet Object>`, `<User Object>` and `{ ... }`: fill in X's own object samples."""
    tweet = sample("x_tweet_object_reply.json").strip()
    user = sample("x_user_object.fragment.txt").strip().removeprefix('"user":').strip()
    text = re.sub(r"\{\s*<Tweet Object>\s*\}", lambda _: tweet, sample(name))
    text = re.sub(r"\{\s*<User Object>\s*\}", lambda _: user, text)
    return text.replace("{ ... }", user).encode()
