"""How platforms are named to people (agents, tasks, speech)."""

PLATFORM_NAMES = {"facebook": "Facebook", "instagram": "Instagram", "x": "X", "whatsapp": "WhatsApp",
                  "linkedin": "LinkedIn", "youtube": "YouTube", "tiktok": "TikTok", "reddit": "Reddit",
                  "google-business": "Google reviews"}
