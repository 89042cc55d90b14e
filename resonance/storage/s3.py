"""S3-compatible storage through boto3 (Cloudflare R2, MinIO, SeaweedFS, AWS S3): the only module that knows boto3.

`put` is a single PutObject, which S3 makes atomic; `put_file` is boto3's managed upload (one PutObject, or for a
large file a multipart upload, which S3 shows only once complete and which is aborted on failure; a retry sends the
whole file again). Errors become `NotFound`, `InvalidRange` or `StorageError` whose message names the operation and
the service's error code, never the credentials.

Each request goes through the `RetryPolicy` (storage/retry.py): a transient failure (no connection, a timeout, a
5xx, SlowDown) is tried again until the policy's time is up, then `StorageUnavailable` is raised. botocore's own
retries are off, so that window is the only one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, BinaryIO

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from resonance.storage.base import (
    InvalidRange,
    NotFound,
    ObjectInfo,
    StorageError,
    StorageUnreachable,
    StoredObject,
    check_key,
    check_prefix,
    check_range,
    clean_content_type,
)
from resonance.storage.retry import RetryPolicy

_MISSING = {"NoSuchKey", "404", "NotFound"}
_BATCH = 1000  # DeleteObjects takes at most 1,000 keys
# Codes that say "not now" rather than "no", whatever status a server sends them with (S3's are 5xx).
_TRANSIENT_CODES = {"SlowDown", "ServiceUnavailable", "InternalError"}
# Parts of 8 MiB, a few at a time: what a large upload holds in memory at once.
_TRANSFER = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024,
                           max_concurrency=4)


class S3Storage:
    """Objects in one bucket. Pass `client` to reuse a configured boto3 client (tests)."""

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        region: str = "auto",
        addressing_style: str = "path",
        client: Any = None,
        retry: RetryPolicy | None = None,
    ):
        self.bucket = bucket
        self.retry = retry or RetryPolicy()
        # AWS outside us-east-1 wants the region named when a bucket is created; other services take none.
        self._location = region if not endpoint_url and region not in ("auto", "us-east-1") else ""
        self.client = client or boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None,
            region_name=region,
            config=Config(
                s3={"addressing_style": addressing_style},
                signature_version="s3v4",
                connect_timeout=5,
                read_timeout=60,
                retries={"total_max_attempts": 1, "mode": "standard"},  # the RetryPolicy retries
                # Send checksums only where S3 requires them: several S3-compatible servers reject the newer
                # default CRC headers.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._call(
            "put",
            key,
            Bucket=self.bucket,
            Key=check_key(key),
            Body=bytes(data),
            ContentType=clean_content_type(content_type),
        )

    def put_file(self, key: str, file: BinaryIO, content_type: str) -> None:
        self._call("upload", key, Fileobj=file, Bucket=self.bucket, Key=check_key(key),
                   ExtraArgs={"ContentType": clean_content_type(content_type)})

    def _upload(self, Fileobj: BinaryIO, **params: Any) -> None:  # noqa: N803 - boto3's names
        Fileobj.seek(0)  # from the start, on a retry too
        self.client.upload_fileobj(_Unclosable(Fileobj), Config=_TRANSFER, **params)

    def get(self, key: str) -> bytes:
        return self._call("get", key, Bucket=self.bucket, Key=check_key(key))["Data"]

    def get_range(self, key: str, start: int, end: int | None) -> bytes:
        check_key(key)
        check_range(start, end)
        wanted = f"bytes={start}-{'' if end is None else end}"
        try:
            response = self._call("get", key, Bucket=self.bucket, Key=key, Range=wanted)
        except InvalidRange:
            raise InvalidRange(self.stat(key).size) from None
        data = response["Data"]
        if "ContentRange" not in response:  # a server that ignored Range (or an empty object) sent it all
            if start >= len(data):
                raise InvalidRange(len(data))
            data = data[start : None if end is None else end + 1]
        return data

    def stat(self, key: str) -> ObjectInfo:
        response = self._call("head", key, Bucket=self.bucket, Key=check_key(key))
        return ObjectInfo(
            size=int(response["ContentLength"]),
            content_type=response.get("ContentType") or "application/octet-stream",
        )

    def exists(self, key: str) -> bool:
        try:
            self.stat(key)
        except NotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        with contextlib.suppress(NotFound):
            self._call("delete", key, Bucket=self.bucket, Key=check_key(key))

    def delete_prefix(self, prefix: str) -> int:
        check_prefix(prefix)
        deleted = 0
        while True:  # list again after each batch: deleting while paginating skips keys on some servers
            listing = self._call("list", prefix, Bucket=self.bucket, Prefix=prefix, MaxKeys=_BATCH)
            keys = [{"Key": item["Key"]} for item in listing.get("Contents", [])]
            if not keys:
                return deleted
            result = self._call("delete", prefix, Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True})
            if result.get("Errors"):
                first = result["Errors"][0]
                raise StorageError(f"Storage delete failed under {prefix!r}: {first.get('Code', 'error')}")
            deleted += len(keys)

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        check_prefix(prefix)
        token: dict[str, str] = {}
        while True:
            listing = self._call("list", prefix, Bucket=self.bucket, Prefix=prefix, MaxKeys=_BATCH, **token)
            for item in listing.get("Contents", []):
                yield StoredObject(item["Key"], int(item.get("Size", 0)), item["LastModified"])
            if not listing.get("IsTruncated"):
                return
            token = {"ContinuationToken": listing["NextContinuationToken"]}

    def probe(self) -> None:
        # Tried once: readiness must answer at once, and a bucket down now is what it reports.
        self._request("head_bucket", "", {"Bucket": self.bucket})

    def create_bucket(self) -> bool:
        """Create the bucket unless it exists (set-up, `python -m resonance.ops.bucket`); True when it was made.
        Retried like every request, so it waits for a storage server that is still starting."""
        try:
            self._call("head_bucket", self.bucket, Bucket=self.bucket)
            return False
        except NotFound:
            pass
        where = {"CreateBucketConfiguration": {"LocationConstraint": self._location}} if self._location else {}
        try:
            self._call("create_bucket", self.bucket, Bucket=self.bucket, **where)
        except StorageError as error:
            if "BucketAlreadyOwnedByYou" not in str(error):  # another process made it meanwhile
                raise
            return False
        return True

    def _call(self, operation: str, key: str, **params: Any) -> Any:
        """One request, tried again while it fails transiently (see `RetryPolicy`). A get's body is read within
        the try, as `response["Data"]`: a connection lost halfway through the bytes is retried too."""
        return self.retry.run(f"{operation} {key!r}", lambda: self._request(operation, key, params))

    def _request(self, operation: str, key: str, params: dict[str, Any]) -> Any:
        method = {
            "put": self.client.put_object,
            "upload": self._upload,
            "get": self.client.get_object,
            "head": self.client.head_object,
            "delete": self.client.delete_objects if "Delete" in params else self.client.delete_object,
            "list": self.client.list_objects_v2,
            "head_bucket": self.client.head_bucket,
            "create_bucket": self.client.create_bucket,
        }[operation]
        try:
            response = method(**params)
            if operation == "get":
                with response["Body"] as body:
                    response["Data"] = body.read()
            return response
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in _MISSING or (operation in ("get", "head") and status == 404 and code != "NoSuchBucket"):
                raise NotFound(key) from None
            if code == "InvalidRange" or status == 416:
                raise InvalidRange(-1) from None
            failure = StorageUnreachable if transient(code, status) else StorageError
            raise failure(f"Storage {operation} failed for {key!r}: {code or status}") from None
        except (BotoConnectionError, HTTPClientError) as error:  # refused, reset, timed out, cut off mid-body
            # botocore's text names the endpoint (never the credentials): what the log needs to find the outage
            raise StorageUnreachable(f"Storage {operation} failed for {key!r}: {type(error).__name__}: {error}") \
                from None
        except BotoCoreError as error:
            raise StorageError(f"Storage {operation} failed for {key!r}: {type(error).__name__}") from None


class _Unclosable:
    """The caller's file as boto3's transfer sees it: the transfer closes what it was given, which would leave
    nothing for a retry (or for the caller)."""

    def __init__(self, file: BinaryIO):
        self._file = file

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)

    def close(self) -> None:
        pass


def transient(code: str, status: int | None) -> bool:
    """Whether an error answer may go away by itself: a 5xx or an overload code. A 4xx never does."""
    return code in _TRANSIENT_CODES or (status is not None and status >= 500)
