"""Telegram: how a bot turn looks there, the Bot API client (limits, retries), updates and long polling.
The Rasa channel itself is `bot.channels.telegram`."""
