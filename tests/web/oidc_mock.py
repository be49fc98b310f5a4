"""A local OpenID Connect provider for the ProConnect tests: ``oidc-provider-mock`` (Authlib's server side) on
127.0.0.1 in a thread, with ProConnect's shape added: the userinfo endpoint answers a signed JWT
(``application/jwt``) instead of JSON.

    with MockProvider(userinfo="jwt") as op:       # "jwt" | "json" | "forged" (signed with another key)
        op.set_user("sub-1", email="a@b.fr", given_name="Paule", usual_name="Martin")
        op.issuer                                  # http://127.0.0.1:PORT
"""

from __future__ import annotations

import threading
from typing import Any

import httpx


class MockProvider:
    def __init__(self, userinfo: str = "jwt") -> None:
        import flask
        import werkzeug.serving
        from joserfc import jwt
        from joserfc.jwk import RSAKey
        from oidc_provider_mock import app as mock_app

        self.mode = userinfo
        self.app = mock_app(require_nonce=True)
        forged_key = RSAKey.generate_key(2048)

        @self.app.after_request
        def _proconnect_userinfo(resp: Any) -> Any:
            if flask.request.path != "/userinfo" or resp.status_code != 200 or self.mode == "json":
                return resp
            storage = flask.g.oidc_provider_mock_storage
            key = RSAKey.import_key(storage.jwk.as_dict(is_private=True))
            if self.mode == "forged":
                key = forged_key
            claims = {**resp.get_json(), "iss": flask.request.host_url.rstrip("/")}
            token = jwt.encode({"alg": "RS256", "kid": storage.jwk.as_dict().get("kid")}, claims, key)
            resp.set_data(token)
            resp.headers["Content-Type"] = "application/jwt"
            return resp

        self.server = werkzeug.serving.make_server("127.0.0.1", 0, self.app, threaded=True)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def __enter__(self) -> "MockProvider":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)

    def set_user(self, sub: str, **claims: Any) -> None:
        r = httpx.put(f"{self.issuer}/users/{sub}", json=claims)
        r.raise_for_status()

    def authorize(self, url: str, sub: str) -> str:
        """What the person does at the provider: choose the account; returns where the provider sends them back."""
        r = httpx.post(url, data={"sub": sub}, follow_redirects=False)
        assert r.status_code in (302, 303), r.text[:500]
        return r.headers["location"]
