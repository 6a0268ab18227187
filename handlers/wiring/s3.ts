/** The S3 ports: the central bucket's policy and its log files, through the log-archive session. */
import { S3Client } from '@aws-sdk/client-s3';
import { BucketPolicyAdapter, LogFileAdapter } from '../adapters/s3';
import type { PortFactory } from './core';
import { sessionsOf } from './sessions';

export const bucketPolicy: PortFactory<'bucketPolicy'> = (w) => async () =>
  new BucketPolicyAdapter(w.clients.get(S3Client, w.region, await sessionsOf(w).logArchive()), w.config.bucketName, {
    expectedBucketOwner: w.config.logArchiveAccountId,
  });

export const logFiles: PortFactory<'logFiles'> = (w) => async () =>
  new LogFileAdapter(w.clients.get(S3Client, w.region, await sessionsOf(w).logArchive()), w.config.bucketName, {
    expectedBucketOwner: w.config.logArchiveAccountId,
  });
