"""A software WebAuthn authenticator: an EC P-256 key per passkey, 'none' attestation, real authenticator data,
clientDataJSON and signatures, as a browser would hand them to the server (the JSON of PublicKeyCredential)."""

from __future__ import annotations

import hashlib
import json
import os
import struct
from dataclasses import dataclass, field

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

UP, UV, AT = 0x01, 0x04, 0x40
AAGUID = bytes(16)  # an authenticator that does not say what it is


@dataclass
class SoftPasskey:
    credential_id: bytes
    key: ec.EllipticCurvePrivateKey
    user_handle: bytes
    rp_id: str
    counter: int = 0
    counts: bool = True  # False: an authenticator that keeps no counter (always 0)


@dataclass
class SoftAuthenticator:
    origin: str
    aaguid: bytes = AAGUID
    passkeys: list[SoftPasskey] = field(default_factory=list)

    def create(self, options_json: str, *, origin: str | None = None, rp_id: str | None = None,
               counts: bool = True, credential_id: bytes | None = None) -> dict:
        """navigator.credentials.create(): a new passkey for the options' RP and user (`credential_id`: one an
        existing passkey has, as a cloned or malicious authenticator would say)."""
        options = json.loads(options_json)
        rp_id = rp_id or options["rp"]["id"]
        passkey = SoftPasskey(credential_id=credential_id or os.urandom(32),
                              key=ec.generate_private_key(ec.SECP256R1()),
                              user_handle=base64url_to_bytes(options["user"]["id"]), rp_id=rp_id, counts=counts)
        self.passkeys.append(passkey)
        numbers = passkey.key.public_key().public_numbers()
        cose_key = cbor2.dumps({1: 2, 3: -7, -1: 1,  # EC2, ES256, P-256
                                -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})
        auth_data = (hashlib.sha256(rp_id.encode()).digest() + bytes([UP | UV | AT]) + struct.pack(">I", 0)
                     + self.aaguid + struct.pack(">H", len(passkey.credential_id)) + passkey.credential_id + cose_key)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        return self._credential(passkey, {"clientDataJSON": bytes_to_base64url(client_data),
                                          "attestationObject": bytes_to_base64url(attestation),
                                          "transports": ["internal"]})

    def get(self, options_json: str, passkey: SoftPasskey | None = None, *, origin: str | None = None,
            rp_id: str | None = None, counter: int | None = None) -> dict:
        """navigator.credentials.get(): an assertion by `passkey` (default: the newest) over the options' challenge."""
        options = json.loads(options_json)
        passkey = passkey or self.passkeys[-1]
        if counter is not None:
            passkey.counter = counter
        elif passkey.counts:
            passkey.counter += 1
        auth_data = (hashlib.sha256((rp_id or passkey.rp_id).encode()).digest() + bytes([UP | UV])
                     + struct.pack(">I", passkey.counter))
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signature = passkey.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return self._credential(passkey, {"clientDataJSON": bytes_to_base64url(client_data),
                                          "authenticatorData": bytes_to_base64url(auth_data),
                                          "signature": bytes_to_base64url(signature),
                                          "userHandle": bytes_to_base64url(passkey.user_handle)})

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin or self.origin,
                           "crossOrigin": False}).encode()

    @staticmethod
    def _credential(passkey: SoftPasskey, response: dict) -> dict:
        cid = bytes_to_base64url(passkey.credential_id)
        return {"id": cid, "rawId": cid, "type": "public-key", "response": response,
                "authenticatorAttachment": "platform", "clientExtensionResults": {}}
