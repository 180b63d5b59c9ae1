"""The encryption codec of Temporal's samples, written for these tests: AES-256-GCM over the
serialized Payload, a 12-byte random nonce before the ciphertext, metadata
`encoding: binary/encrypted` and `encryption-key-id`."""
import os
from typing import Iterable, List

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec


class EncryptionCodec(PayloadCodec):
    def __init__(self, key_id: str, key: bytes) -> None:
        self.key_id = key_id
        self.cipher = AESGCM(key)

    async def encode(self, payloads: Iterable[Payload]) -> List[Payload]:
        out = []
        for p in payloads:
            nonce = os.urandom(12)
            out.append(
                Payload(
                    metadata={"encoding": b"binary/encrypted", "encryption-key-id": self.key_id.encode()},
                    data=nonce + self.cipher.encrypt(nonce, p.SerializeToString(), None),
                )
            )
        return out

    async def decode(self, payloads: Iterable[Payload]) -> List[Payload]:
        out = []
        for p in payloads:
            if p.metadata.get("encoding", b"").decode() != "binary/encrypted":
                out.append(p)
                continue
            key_id = p.metadata.get("encryption-key-id", b"").decode()
            if key_id != self.key_id:
                raise ValueError(f"unknown key id {key_id}, this codec has {self.key_id}")
            out.append(Payload.FromString(self.cipher.decrypt(p.data[:12], p.data[12:], None)))
        return out


def converter(key_id: str, key_hex: str):
    import dataclasses

    import temporalio.converter

    return dataclasses.replace(
        temporalio.converter.default(), payload_codec=EncryptionCodec(key_id, bytes.fromhex(key_hex))
    )
