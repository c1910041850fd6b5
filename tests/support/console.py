"""A browser of the staff console for the HTTP tests: signed in or not, and the CSRF token of a page's forms."""
from __future__ import annotations

import re

import httpx

PASSWORD = "un mot de passe assez long"


def browser(base: str) -> httpx.Client:
    return httpx.Client(base_url=base, follow_redirects=False, timeout=10)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def signed_in(base: str, email: str = "lea@mediatheque.fr") -> httpx.Client:
    client = browser(base)
    form = client.get("/console/connexion")
    response = client.post("/console/connexion", data={"csrf": csrf_of(form.text), "email": email,
                                                        "password": PASSWORD})
    assert response.status_code == 303 and response.headers["location"] == "/console/"
    return client
