"""Sign-in cost: `resonance.identity.signin.authenticate` and argon2id hashing, with the default parameters
(t=3, m=64 MiB, p=4) and with OWASP's minimum (t=2, m=19 MiB, p=1).

    source scripts/env.sh && python bench/sign_in.py [--n 20]

Each parameter set runs in its own process (settings and the hasher are cached per process) on a throwaway SQLite
database. Timed, each in its own unit of work as `SignInState.submit` does:

- hash:            `security.hash_password` alone (sign-up, reset, rehash);
- verify:          `security.verify_password` alone;
- sign-in ok:      `authenticate` with the right password (rate limit, lookup, verify, counter reset, commit);
- wrong password:  `authenticate` with a wrong password (verify, failed-attempt counter committed);
- unknown email:   `authenticate` for an address with no account (verifies against the dummy hash).

A sync Reflex handler runs on the backend's event loop, so every figure here is also how long one sign-in stalls
every other event of that backend process. Prints figures; exits 0.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

PARAMETER_SETS = {
    "default (t=3, m=64 MiB, p=4)": {"ARGON2_TIME_COST": "3", "ARGON2_MEMORY_KIB": "65536", "ARGON2_PARALLELISM": "4"},
    "OWASP minimum (t=2, m=19 MiB, p=1)": {"ARGON2_TIME_COST": "2", "ARGON2_MEMORY_KIB": "19456",
                                          "ARGON2_PARALLELISM": "1"},
}
PASSWORD = "correct horse battery staple 42"


def run(label: str, n: int) -> None:
    _common.isolate("signin")
    _common.migrate()

    from resonance.core import security
    from resonance.core.clock import clock
    from resonance.core.errors import ResonanceError
    from resonance.identity import signin
    from resonance.identity.accounts import find_by_email
    from resonance.identity.models import User
    from resonance.orgs.scope import system_session

    with system_session() as session:
        session.add(User(email="bench@bench.example", name="Bench", password_hash=security.hash_password(PASSWORD),
                         email_verified_at=clock.now()))
    security.dummy_hash()  # computed once per process; not part of a sign-in after the first

    cpu: dict[str, float] = {}

    def timed(fn, key: str = "") -> list[float]:
        fn(0)  # warm
        samples = []
        c0 = time.process_time()
        for i in range(1, n + 1):
            t0 = time.perf_counter()
            fn(i)
            samples.append(time.perf_counter() - t0)
        cpu[key] = (time.process_time() - c0) / n * 1e3
        return samples

    def sign_in(i: int, email: str = "bench@bench.example", password: str = PASSWORD) -> None:
        try:
            with system_session() as session:
                signin.authenticate(session=session, email=email, password=password, ip=f"198.51.100.{i % 250}")
        except ResonanceError:
            pass

    def reset_counter() -> None:
        with system_session() as session:
            user = find_by_email(session=session, email="bench@bench.example")
            user.failed_signins, user.locked_until = 0, None
            session.add(user)

    stored = security.hash_password(PASSWORD)
    print(f"{label}:")
    print(_common.summary("  hash            ", timed(lambda i: security.hash_password(PASSWORD), "hash")))
    print(_common.summary("  verify          ", timed(lambda i: security.verify_password(stored, PASSWORD))))
    print(_common.summary("  sign-in ok      ", timed(sign_in, "sign-in")))
    wrong = []
    for i in range(n + 1):
        if i % 5 == 0:
            reset_counter()  # stay below the lockout threshold: a locked account skips argon2
        t0 = time.perf_counter()
        sign_in(i, password="wrong password 123")
        if i:
            wrong.append(time.perf_counter() - t0)
    print(_common.summary("  wrong password  ", wrong))
    print(_common.summary("  unknown email   ", timed(lambda i: sign_in(i, email=f"nobody{i}@bench.example"))))
    print(f"  CPU time (all threads) per hash {cpu['hash']:.1f} ms, per sign-in {cpu['sign-in']:.1f} ms: "
          f"at most ~{(os.cpu_count() or 1) * 1000 / cpu['sign-in']:.0f} sign-ins/s on all {os.cpu_count()} CPUs")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20, help="timed calls per figure (default 20)")
    parser.add_argument("--only", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only:
        run(args.only, args.n)
        return 0
    print("Sign-in cost: resonance.identity.signin.authenticate and argon2id (argon2-cffi)")
    print(_common.machine())
    try:
        from importlib.metadata import version

        print(f"argon2-cffi {version('argon2-cffi')}, argon2-cffi-bindings {version('argon2-cffi-bindings')}; "
              f"{args.n} timed calls per figure after one warm-up; SQLite")
    except Exception:  # noqa: BLE001
        pass
    for label, settings in PARAMETER_SETS.items():
        env = {**os.environ, **{f"RESONANCE_{k}": v for k, v in settings.items()}}
        subprocess.run([sys.executable, __file__, "--n", str(args.n), "--only", label], env=env, check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
