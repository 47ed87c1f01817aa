"""The documents bucket and a local directory, without the AWS CLI: boto3 (already a
dependency, through django-storages) with the settings' own variables
(S3_BUCKET, S3_ENDPOINT_URL, S3_ACCESS_KEY, S3_SECRET_KEY, S3_REGION).

    python deploy/s3_sync.py create-bucket        # the bucket, if it does not exist yet
    python deploy/s3_sync.py pull DIRECTORY       # bucket -> DIRECTORY (scripts/backup.sh)
    python deploy/s3_sync.py push DIRECTORY       # DIRECTORY -> bucket (a restore)

``pull`` and ``push`` copy what differs (missing, or another size or MD5) and never delete:
a backup directory kept between runs only fetches the new documents (keys are random and a
document is never rewritten in place). ``pull`` also deletes nothing locally, so an object
removed from the bucket stays in the backup until the directory is rotated.
Each prints one line: objects seen, copied, bytes copied.
"""

import argparse
import hashlib
import os
import sys
from pathlib import Path

import boto3
from botocore.exceptions import ClientError


def client():
    return boto3.client(
        "s3",
        endpoint_url=os.environ.get("S3_ENDPOINT_URL") or None,
        aws_access_key_id=os.environ.get("S3_ACCESS_KEY") or None,
        aws_secret_access_key=os.environ.get("S3_SECRET_KEY") or None,
        region_name=os.environ.get("S3_REGION") or None,
    )


def bucket_name() -> str:
    name = os.environ.get("S3_BUCKET", "")
    if not name:
        sys.exit("S3_BUCKET is not set")
    return name


def md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def same(path: Path, size: int, etag: str) -> bool:
    """Whether the local file is the object: same size, and same MD5 when the ETag is one
    (a multipart upload's ETag is not; then the size decides)."""
    if not path.is_file() or path.stat().st_size != size:
        return False
    etag = etag.strip('"')
    return "-" in etag or md5(path) == etag


def objects(s3, bucket: str):
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        yield from page.get("Contents", [])


def create_bucket(s3, bucket: str) -> None:
    try:
        s3.head_bucket(Bucket=bucket)
        print(f"bucket {bucket}: exists")
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("404", "NoSuchBucket"):
            raise
        s3.create_bucket(Bucket=bucket)
        print(f"bucket {bucket}: created")


def pull(s3, bucket: str, directory: Path) -> None:
    seen = copied = size = 0
    for item in objects(s3, bucket):
        seen += 1
        target = directory / item["Key"]
        if not target.resolve().is_relative_to(directory.resolve()):
            sys.exit(f"refusing a key outside the directory: {item['Key']!r}")
        if same(target, item["Size"], item["ETag"]):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        s3.download_file(bucket, item["Key"], str(partial))
        partial.replace(target)  # never a half-written file under the object's name
        copied, size = copied + 1, size + item["Size"]
    print(f"pull {bucket} -> {directory}: {seen} objects, {copied} copied, {size} bytes")


def push(s3, bucket: str, directory: Path) -> None:
    remote = {item["Key"]: item for item in objects(s3, bucket)}
    seen = copied = size = 0
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        key = path.relative_to(directory).as_posix()
        seen += 1
        item = remote.get(key)
        if item and same(path, item["Size"], item["ETag"]):
            continue
        s3.upload_file(str(path), bucket, key)
        copied, size = copied + 1, size + path.stat().st_size
    print(f"push {directory} -> {bucket}: {seen} files, {copied} copied, {size} bytes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("create-bucket")
    for name in ("pull", "push"):
        commands.add_parser(name).add_argument("directory", type=Path)
    args = parser.parse_args()
    s3, bucket = client(), bucket_name()
    if args.command == "create-bucket":
        create_bucket(s3, bucket)
    elif args.command == "pull":
        args.directory.mkdir(parents=True, exist_ok=True)
        pull(s3, bucket, args.directory)
    else:
        push(s3, bucket, args.directory)


if __name__ == "__main__":
    main()
