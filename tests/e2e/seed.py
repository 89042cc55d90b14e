"""Seed people, organizations and signed-in sessions into the e2e app's database, through the app's services.

Runs beside the e2e app as a subprocess with the app's environment (same data folder and secret key), so the test
process never imports the app's settings; one per app, started at its first seed (RunningApp.seed), so the app's
modules are imported once rather than for every test. It reads one spec per line on its standard input and answers
each with a line `SEED <json>` on its standard output (other lines are the services' logs):
{"users": {key: {"id", "email", "cookie", "session_id"}}, "orgs": {key: {"id", "name"}}}, or `SEED {"error": ...}`.

A spec: {"users": {key: "Display Name"}, "orgs": {key: {"name": "...", "admin": user_key, "members": [user_key, ...]}},
 "active": {user_key: org_key}, "passwords": {user_key: "..."}, "emails": {user_key: "address"}}
"""

from __future__ import annotations

import json
import secrets
import sys
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import resonance.models  # noqa: E402,F401  (every table registered)
from resonance.core import security  # noqa: E402
from resonance.core.ids import utcnow  # noqa: E402
from resonance.identity import sessions  # noqa: E402
from resonance.identity.models import User  # noqa: E402
from resonance.orgs import organizations  # noqa: E402
from resonance.orgs import principal as principals  # noqa: E402
from resonance.orgs.models import Membership, Role  # noqa: E402
from resonance.orgs.scope import system_session  # noqa: E402


def main(spec: dict) -> dict:
    out: dict = {"users": {}, "orgs": {}}
    tag = secrets.token_hex(4)
    with system_session() as db:
        for key, name in spec.get("users", {}).items():
            password = spec.get("passwords", {}).get(key)
            email = spec.get("emails", {}).get(key) or f"{key}-{tag}@example.com"
            user = User(email=email, name=name, email_verified_at=utcnow(),
                        password_hash=security.hash_password(password) if password else None)
            db.add(user)
            db.flush()
            claimed = sessions.claim(session=db, ticket=sessions.start(session=db, user=user, user_agent="e2e seed"))
            out["users"][key] = {"id": user.id, "email": user.email, "cookie": claimed.cookie_token,
                                 "session_id": claimed.auth_session.id}
        db.flush()
        for key, org in spec.get("orgs", {}).items():
            admin = out["users"][org["admin"]]
            actor = principals.resolve(session=db, token=admin["cookie"])
            created = organizations.create(session=db, actor=actor, name=f"{org['name']} {tag}")
            db.flush()
            for member in org.get("members", []):
                db.add(Membership(org_id=created.id, user_id=out["users"][member]["id"], role=Role.MEMBER))
            out["orgs"][key] = {"id": created.id, "name": created.name}
        db.flush()
        for user_key, org_key in spec.get("active", {}).items():
            actor = principals.resolve(session=db, token=out["users"][user_key]["cookie"])
            organizations.switch(session=db, actor=actor, org_id=out["orgs"][org_key]["id"])
    return out


if __name__ == "__main__":
    for line in sys.stdin:
        try:
            answer = main(json.loads(line))
        except Exception:
            answer = {"error": traceback.format_exc()}
        print("SEED " + json.dumps(answer), flush=True)
