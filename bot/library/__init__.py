"""The library itself: what patrons ask about its sites (hours, address, phone, services) and the answers."""
