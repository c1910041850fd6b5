"""The local partners: opening hours, finding the patron's commune and the nearest place.

The places themselves are read and checked by `bot.knowledge.partners`.
"""
