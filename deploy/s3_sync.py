"""The documents bucket and a local directory, without the AWS CLI: boto3 (already a
dependency, through django-storages) with the settings' own variables
(S3_BUCKET, S3_ENDPOINT_URL, S3_ACCESS_KEY, S3_SECRET_KEY, S3_REGION).

    python deploy/s3_sync.py create-bucket        # the bucket, if it does not exist yet
    python deploy/s3_sync.py pull DIRECTORY       # bucket -> DIRECTORY (scripts/backup.sh)
    python deploy/s3_sync.py push DIRECTORY       # DIRECTORY -> bucket (a restore)

``pull`` and ``push`` copy what is missing or of another size, never delete, and check
each copied file's MD5 against the object's ETag (when the ETag is an MD5: not for a
multipart upload). Documents are stored under random keys and never rewritten in place,
so a file already there with the object's size is that object: a backup directory kept
between runs only fetches the new documents, and finds them with a listing, without
reading what it already has. ``pull`` deletes nothing locally: an object removed from the
bucket stays in the backup until the directory is rotated.
Copies run in parallel (S3_SYNC_WORKERS, default 8). Each command prints one line:
objects seen, copied, bytes copied.
"""

import argparse
import hashlib
import os
import sys
from concurrent.futures import ThreadPoolExecutor
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


def present(path: Path, size: int) -> bool:
    return path.is_file() and path.stat().st_size == size


def check_md5(path: Path, etag: str, key: str) -> None:
    etag = etag.strip('"')
    if "-" not in etag and md5(path) != etag:
        raise SystemExit(f"{key}: the copy's MD5 is not the object's ETag {etag}")


def parallel(function, items) -> None:
    workers = int(os.environ.get("S3_SYNC_WORKERS", "8"))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in pool.map(function, items):  # re-raises the first failure
            pass


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
    seen, wanted = 0, []
    for item in objects(s3, bucket):
        seen += 1
        target = directory / item["Key"]
        if not target.resolve().is_relative_to(directory.resolve()):
            sys.exit(f"refusing a key outside the directory: {item['Key']!r}")
        if not present(target, item["Size"]):
            wanted.append(item)

    def download(item) -> None:
        target = directory / item["Key"]
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        s3.download_file(bucket, item["Key"], str(partial))
        check_md5(partial, item["ETag"], item["Key"])
        partial.replace(target)  # never a half-written file under the object's name

    parallel(download, wanted)
    size = sum(item["Size"] for item in wanted)
    print(f"pull {bucket} -> {directory}: {seen} objects, {len(wanted)} copied, {size} bytes")


def push(s3, bucket: str, directory: Path) -> None:
    remote = {item["Key"]: item["Size"] for item in objects(s3, bucket)}
    files = sorted(p for p in directory.rglob("*") if p.is_file())
    wanted = [
        p for p in files if remote.get(p.relative_to(directory).as_posix()) != p.stat().st_size
    ]

    def upload(path: Path) -> None:
        key = path.relative_to(directory).as_posix()
        s3.upload_file(str(path), bucket, key)
        check_md5(path, s3.head_object(Bucket=bucket, Key=key)["ETag"], key)

    parallel(upload, wanted)
    size = sum(path.stat().st_size for path in wanted)
    print(f"push {directory} -> {bucket}: {len(files)} files, {len(wanted)} copied, {size} bytes")


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
